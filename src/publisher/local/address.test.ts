import { describe, expect, it } from 'vitest';
import { advertisedHost, downloadURL, listenHost } from './address.js';
import { ipv4Interface as ipv4 } from './testing.js';

const interfaces = {
  lo: [ipv4('127.0.0.1'), { ...ipv4('::1'), family: 'IPv6' as const, scopeid: 0 }],
  eth0: [ipv4('169.254.3.4'), ipv4('100.64.1.2'), ipv4('192.168.1.20')],
  eth1: [ipv4('203.0.113.7')],
};

describe('advertisedHost', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['192.168.1.100', '192.168.1.100'],
    ['0.0.0.0', '0.0.0.0'], // Go puts it in the URL as written
    ['node-1.example', 'node-1.example'],
    ['local', '127.0.0.1'],
    ['LocalHost', '127.0.0.1'],
    ['loopback', '127.0.0.1'],
    ['private', '100.64.1.2'], // carrier-grade NAT counts as private, as in Go
    ['public', '203.0.113.7'],
    ['linklocal', '169.254.3.4'],
    ['any', '127.0.0.1'],
    ['multicast', '127.0.0.1'], // none of that kind: Go falls back to 127.0.0.1
  ])('%s → %s', (address, host) => {
    expect(advertisedHost(address, interfaces)).toBe(host);
  });

  it('resolves address types from this host without sending anything', () => {
    expect(advertisedHost('local')).toMatch(/^127\./);
  });
});

describe('listenHost', () => {
  it('listens on a loopback address only there, on every interface otherwise', () => {
    expect(listenHost('127.0.0.1')).toBe('127.0.0.1');
    expect(listenHost('127.0.1.1')).toBe('127.0.1.1');
    expect(listenHost('::1')).toBe('::1');
    expect(listenHost('0.0.0.0')).toBeUndefined();
    expect(listenHost('192.168.1.20')).toBeUndefined();
    expect(listenHost('node-1.example')).toBeUndefined();
  });
});

describe('downloadURL', () => {
  it('joins host, port and file name as Go does', () => {
    expect(downloadURL('127.0.0.1', 6001, 'e-1.tar.gz')).toBe('http://127.0.0.1:6001/e-1.tar.gz');
    expect(downloadURL('0.0.0.0', 6001, 'e-1.tar.gz')).toBe('http://0.0.0.0:6001/e-1.tar.gz');
    expect(downloadURL('fd00::5', 7000, 'e-1.tar.gz')).toBe('http://[fd00::5]:7000/e-1.tar.gz');
  });
});
