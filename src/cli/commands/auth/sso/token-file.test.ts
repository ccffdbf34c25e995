import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endpointProfileName } from './profile-token.js';
import { readSsoToken, ssoTokensPath, writeSsoToken } from './token-file.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'bacalhau-sso-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('jwt-tokens.json', () => {
  it('keeps one token per API address, in Go’s file format and mode', () => {
    expect(readSsoToken(dataDir, 'http://a:1234')).toBeUndefined();
    writeSsoToken(dataDir, 'http://a:1234', 'token-a');
    writeSsoToken(dataDir, 'https://b:443', 'token-<b>');
    expect(readFileSync(ssoTokensPath(dataDir), 'utf8')).toBe(
      '{"http://a:1234":"token-a","https://b:443":"token-\\u003cb\\u003e"}\n',
    );
    expect(statSync(ssoTokensPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(readSsoToken(dataDir, 'https://b:443')).toBe('token-<b>');
    writeSsoToken(dataDir, 'http://a:1234', undefined);
    expect(readSsoToken(dataDir, 'http://a:1234')).toBeUndefined();
    expect(readSsoToken(dataDir, 'https://b:443')).toBe('token-<b>');
  });

  it('reads an empty file as no tokens and names a broken one', () => {
    writeFileSync(ssoTokensPath(dataDir), '');
    expect(readSsoToken(dataDir, 'http://a:1234')).toBeUndefined();
    writeFileSync(ssoTokensPath(dataDir), '{"http://a:1234": 7}');
    expect(() => readSsoToken(dataDir, 'http://a:1234')).toThrow(
      `failed to read tokens file ${ssoTokensPath(dataDir)}: error decoding JSON: expected an object of strings`,
    );
    writeFileSync(ssoTokensPath(dataDir), '{');
    expect(() => writeSsoToken(dataDir, 'x', 'y')).toThrow(/error decoding JSON/);
  });
});

describe('endpointProfileName', () => {
  it.each([
    ['https://example.com', 'example_com'],
    ['https://example.com:8080', 'example_com_8080'],
    ['https://api.prod.example.com:443', 'api_prod_example_com_443'],
    ['http://localhost:1234', 'localhost_1234'],
    ['https://example.com:8080/api/v1', 'example_com_8080'],
    ['https://my-api.example.com', 'my_api_example_com'],
    ['http://127.0.0.1:1234', '127_0_0_1_1234'],
    ['http://[::1]:1234', '1_1234'],
    ['my--api//server', 'my_api_server'],
    ['', 'default'],
  ])('%s → %s', (endpoint, name) => {
    expect(endpointProfileName(endpoint)).toBe(name);
  });
});
