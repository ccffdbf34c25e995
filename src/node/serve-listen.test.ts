import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { ipv4Interface as ipv4 } from '../publisher/local/testing.js';
import { checkOwnPortsDistinct, listenError, resolveApiHost } from './serve-listen.js';

const failure = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('listenError', () => {
  it('says that a port is in use, and how to choose another', () => {
    const err = listenError(failure('EADDRINUSE', 'listen EADDRINUSE'), '0.0.0.0', 1234) as BacalhauError;
    expect(err.message).toBe('cannot listen on 0.0.0.0:1234: the port is already in use');
    expect(err.code).toBe(ErrorCode.ResourceInUse);
  });

  it.each([
    ['EADDRNOTAVAIL', 'listen EADDRNOTAVAIL: address not available 192.0.2.1:1234'],
    ['EACCES', 'listen EACCES: permission denied 0.0.0.0:80'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND 999.1.1.1'],
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN api.example'],
  ])('names API.Host and API.Port for %s', (code, message) => {
    const err = listenError(failure(code, message), 'h', 1234) as BacalhauError;
    expect(err).toBeInstanceOf(BacalhauError);
    expect(err.message).toBe(`cannot listen on h:1234: ${message}`);
    expect(err.code).toBe(ErrorCode.ConfigurationError);
    expect(err.hint).toBe('check API.Host and API.Port (--api-host, --api-port)');
  });

  it('passes any other failure on as it is', () => {
    const other = failure('EMFILE', 'too many open files');
    expect(listenError(other, 'h', 1)).toBe(other);
  });
});

describe('checkOwnPortsDistinct', () => {
  const api = { setting: 'API.Port', host: '0.0.0.0', port: 1234 };

  it('refuses one port for two listeners when either takes every address, naming both settings', () => {
    const publisher = { setting: 'Publishers.Types.Local.Port', host: '127.0.0.1', port: 1234 };
    expect(() => checkOwnPortsDistinct([api, publisher])).toThrow(
      'API.Port and Publishers.Types.Local.Port are both port 1234: this node would listen on it twice',
    );
    const same = { ...publisher, host: '127.0.0.1' };
    expect(() => checkOwnPortsDistinct([{ ...api, host: '127.0.0.1' }, same])).toThrow(/both port 1234/u);
  });

  it('knows which hosts share an address: every one for "" and "::", every IPv4 one for 0.0.0.0', () => {
    const on = (host: string) => ({ setting: 'Orchestrator.Port', host, port: 1234 });
    for (const [a, b] of [
      ['', '::1'],
      ['::', '127.0.0.1'],
      ['0.0.0.0', 'localhost'],
    ]) {
      expect(() => checkOwnPortsDistinct([{ ...api, host: a ?? '' }, on(b ?? '')])).toThrow(
        /both port 1234/u,
      );
    }
    expect(() => checkOwnPortsDistinct([api, on('::1')])).not.toThrow();
  });

  it('lets port 0, distinct ports and distinct specific addresses be', () => {
    const nats = { setting: 'Orchestrator.Port', host: '127.0.0.2', port: 1234 };
    expect(() => checkOwnPortsDistinct([{ ...api, host: '127.0.0.1' }, nats])).not.toThrow();
    expect(() =>
      checkOwnPortsDistinct([
        { ...api, port: 0 },
        { ...nats, host: '0.0.0.0', port: 0 },
      ]),
    ).not.toThrow();
    expect(() => checkOwnPortsDistinct([api, { ...nats, port: 1235 }])).not.toThrow();
  });
});

describe('resolveApiHost', () => {
  const interfaces = { lo: [ipv4('127.0.0.1')], eth0: [ipv4('192.168.1.20')] };

  it.each([
    ['private', '192.168.1.20'],
    ['Local', '127.0.0.1'],
    ['localhost', '127.0.0.1'], // an address type in Go, not a name to look up
    ['any', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['node-1.example', 'node-1.example'],
  ])('%s → %s, as Bacalhau serve reads API.Host', (host, resolved) => {
    expect(resolveApiHost(host, interfaces)).toBe(resolved);
  });

  it('refuses an address type this host has no address of, naming API.Host', () => {
    let err: unknown;
    try {
      resolveApiHost('public', interfaces);
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(BacalhauError);
    expect((err as BacalhauError).message).toBe('no public addresses found for Server API Host');
    expect((err as BacalhauError).code).toBe(ErrorCode.ConfigurationError);
    expect((err as BacalhauError).hint).toContain('API.Host');
  });
});
