import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../../../../test/helpers/cli.js';
import { ssoTokensPath, writeSsoToken } from './token-file.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'bacalhau-sso-token-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const address = 'http://127.0.0.1:1234';
const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (args: string[]) => cli(['auth', 'sso', 'token', ...args], { env: { BACALHAU_DIR: dataDir } });

describe('auth sso token', () => {
  it('says so when there is no token for the address', async () => {
    writeSsoToken(dataDir, 'http://elsewhere:1234', 'other');
    expect(await token([])).toEqual({ code: 0, stdout: 'No authentication token found\n', stderr: '' });
  });

  it('prints the token, or its header and claims with keys sorted as Go prints maps', async () => {
    const jwt = `${segment({ typ: 'JWT', alg: 'RS256' })}.${segment({ sub: 'ann', aud: ['a<b>'], exp: 1700000000 })}.sig`;
    writeSsoToken(dataDir, address, jwt);
    expect((await token([])).stdout).toBe(`${jwt}\n`);
    expect((await token(['--decode'])).stdout).toBe(
      'Header:\n{\n  "alg": "RS256",\n  "typ": "JWT"\n}\n\nClaims:\n' +
        '{\n  "aud": [\n    "a\\u003cb\\u003e"\n  ],\n  "exp": 1700000000,\n  "sub": "ann"\n}\n',
    );
  });

  it('names a malformed token or tokens file in one line with the fix', async () => {
    writeSsoToken(dataDir, address, 'not-a-jwt');
    expect(await token(['-d'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "\nError: failed to parse token: token is malformed: token contains an invalid number of segments; log in again with 'bacalhau auth sso login'\n",
    });
    writeSsoToken(dataDir, address, `${segment({ alg: 'RS256' })}.bm90IGpzb24.sig`);
    expect((await token(['-d'])).stderr).toContain('token is malformed: could not JSON decode claims;');
    writeFileSync(ssoTokensPath(dataDir), '[');
    const broken = await token([]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^\nError: unable to retrieve saved SSO credentials: failed to read tokens file .*jwt-tokens\.json: error decoding JSON: .*; delete it and log in again\n$/,
    );
  });
});
