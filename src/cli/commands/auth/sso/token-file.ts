/**
 * SSO tokens saved by `bacalhau auth sso login`: `<DataDir>/jwt-tokens.json`, one token per API address
 * (`{"http://127.0.0.1:1234":"eyJ…"}`), the file Go's `util.ReadToken`/`WriteToken` keep: JSON written as
 * Go's encoder writes it, mode 0600, a missing or empty file meaning no tokens. Files written by Go's CLI
 * are read, and the other way round. `tokens.json`, where the tokens of the CLI's login to a node that
 * asks for one (challenge, ask: cli/auth-flow.ts) are kept, by Go's CLI too, has the same form.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../../../../lib/atomic-write.js';
import { join } from 'node:path';
import { BacalhauError, ErrorCode, errorMessage } from '../../../../models/bacerrors.js';
import { isPlainObject } from '../../../../models/codec.js';
import { toJson } from '../../../output/encode.js';

export const SsoTokensFileName = 'jwt-tokens.json';

export const ssoTokensPath = (dataDir: string): string => join(dataDir, SsoTokensFileName);

/** `tokens.json`: the tokens of the CLI's login to nodes that ask for one (Go's file), one per API address. */
export const authTokensPath = (dataDir: string): string => join(dataDir, 'tokens.json');

function fileError(path: string, problem: string): BacalhauError {
  return new BacalhauError(`failed to read tokens file ${path}: ${problem}; delete it and log in again`, {
    code: ErrorCode.IOError,
    component: 'CLI',
  });
}

/** @throws BacalhauError when the file exists but cannot be read as a JSON object of strings */
function readTokens(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw fileError(path, errorMessage(err));
  }
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw fileError(path, `error decoding JSON: ${errorMessage(err)}`);
  }
  if (!isPlainObject(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw fileError(path, 'error decoding JSON: expected an object of strings');
  }
  return parsed as Record<string, string>;
}

/** The token the tokens file at `path` holds for `apiAddress`, undefined when there is none. */
export function readSavedToken(path: string, apiAddress: string): string | undefined {
  const token = readTokens(path)[apiAddress];
  return token === undefined || token === '' ? undefined : token;
}

/** The SSO token saved for `apiAddress`, undefined when there is none. */
export function readSsoToken(dataDir: string, apiAddress: string): string | undefined {
  return readSavedToken(ssoTokensPath(dataDir), apiAddress);
}

/** Saves the SSO token for `apiAddress`, or removes it when `token` is undefined; other addresses' stay. */
export function writeSsoToken(dataDir: string, apiAddress: string, token: string | undefined): void {
  writeSavedToken(dataDir, ssoTokensPath(dataDir), apiAddress, token);
}

/** Saves the login's token for `apiAddress` in `tokens.json`, as {@link writeSsoToken} does. */
export function writeAuthToken(dataDir: string, apiAddress: string, token: string | undefined): void {
  writeSavedToken(dataDir, authTokensPath(dataDir), apiAddress, token);
}

function writeSavedToken(dataDir: string, path: string, apiAddress: string, token: string | undefined): void {
  const tokens = readTokens(path);
  if (tokens[apiAddress] === token) return; // nothing to change: no file made for nothing
  if (token === undefined) delete tokens[apiAddress];
  else tokens[apiAddress] = token;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileAtomically(path, toJson(tokens), 0o600);
}
