/**
 * The CLI's login to a node that refuses anonymous requests (Go's interactive authentication): the
 * built CLI against a stand-in for a Go node with such a policy (test/helpers/fake-auth-node.ts), whose
 * challenge method checks signatures with this project's own authenticator.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtMain, ensureBuilt, runBuilt } from '../helpers/built-cli.js';
import type { CliRun } from '../helpers/cli.js';
import { startFakeAuthNode, type FakeAuthNode } from '../helpers/fake-auth-node.js';

let node: FakeAuthNode;
let dataDir: string;

beforeAll(async () => {
  await ensureBuilt();
  node = await startFakeAuthNode();
});
afterAll(async () => {
  await node?.close();
});
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-login-'));
  node.offer(['ClientKey']);
  node.seen.length = 0;
  return () => rmSync(dataDir, { recursive: true, force: true });
});

const tokensFile = (): string => join(dataDir, 'tokens.json');
const savedTokens = (): Record<string, string> =>
  JSON.parse(readFileSync(tokensFile(), 'utf8')) as Record<string, string>;

const clientEnv = (): Record<string, string> => ({
  BACALHAU_DIR: dataDir,
  BACALHAU_API_HOST: '127.0.0.1',
  BACALHAU_API_PORT: new URL(node.address).port,
});

function jobList(stdin = '', env: Record<string, string> = {}): Promise<CliRun> {
  return runBuilt(['job', 'list', '--output', 'json'], {
    env: { ...clientEnv(), ...env },
    cwd: dataDir,
    stdin,
  });
}

/** A JWT that expired a minute ago (only its claims are read). */
function expiredJwt(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ exp: Math.floor(Date.now() / 1000) - 60 })}.c2ln`;
}

describe('login to a node that refuses anonymous requests', () => {
  it('signs the challenge with user_id.pem, saves the token for the address and sends it from then on', async () => {
    const first = await jobList();
    expect(first).toMatchObject({ code: 0, stderr: '', stdout: '[]\n' });
    expect(existsSync(join(dataDir, 'user_id.pem'))).toBe(true);
    const token = savedTokens()[node.address] ?? '';
    expect(token.split('.')).toHaveLength(3); // the node's JWT
    expect(node.seen).toEqual([undefined, `Bearer ${token}`]);

    node.seen.length = 0;
    expect(await jobList()).toMatchObject({ code: 0, stderr: '' });
    expect(node.seen).toEqual([`Bearer ${token}`]); // no login this time
  });

  it('logs in again when the node refuses the saved token, and replaces it', async () => {
    writeFileSync(tokensFile(), JSON.stringify({ [node.address]: 'revoked', 'http://other:1234': 'kept' }));
    expect(await jobList()).toMatchObject({ code: 0, stderr: '' });
    const saved = savedTokens();
    expect(saved['http://other:1234']).toBe('kept');
    expect(saved[node.address]).not.toBe('revoked');
    expect(node.seen).toEqual(['Bearer revoked', `Bearer ${saved[node.address]}`]);
  });

  it('asks for the fields of an ask method, one line each from a pipe', async () => {
    node.offer(['Secret']);
    const run = await jobList(`${node.secret}\n`);
    expect(run).toMatchObject({ code: 0, stdout: '[]\n', stderr: 'token: ' });
    expect(savedTokens()[node.address]).toMatch(/^secret-token-/);
  });

  it('lets the user choose among several methods by number', async () => {
    node.offer(['ClientKey', 'Secret']);
    const run = await jobList(`7\nx\n2\n${node.secret}\n`);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'How would you like to authenticate?\n1. ClientKey\n2. Secret\n' +
        'Choose a number: invalid choice: 7\nChoose a number: invalid choice: "x" is not a number\n' +
        'Choose a number: token: ',
    );
    expect(savedTokens()[node.address]).toMatch(/^secret-token-/);
  });

  it('gives up when no choice is made: the node’s refusal is the error, no token saved', async () => {
    node.offer(['ClientKey', 'Secret']);
    const run = await jobList('');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Choose a number: \nError: Request Unauthorized\n');
    expect(existsSync(tokensFile())).toBe(false);
  });

  it('a refused answer from a pipe ends with the node’s reason, and no token is kept', async () => {
    node.offer(['Secret']);
    writeFileSync(tokensFile(), JSON.stringify({ [node.address]: 'revoked' }));
    const run = await jobList('not it\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('token: \nError: the node refused the Secret login: the secret is not right\n');
    expect(savedTokens()).toEqual({});
  });

  it('never logs in over credentials the user gave: their refusal is the error', async () => {
    const run = await jobList('', { BACALHAU_API_KEY: 'wrong key' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^\nError: Request Unauthorized\n/);
    expect(node.seen).toEqual(['Bearer wrong key']);
    expect(existsSync(join(dataDir, 'user_id.pem'))).toBe(false);
  });

  it('sends a profile’s token as it is, never logging in over it', async () => {
    mkdirSync(join(dataDir, 'profiles'));
    writeFileSync(
      join(dataDir, 'profiles', 'fake.yaml'),
      `endpoint: ${node.address}\nauth:\n    token: from-the-profile\n`,
    );
    const run = await runBuilt(['job', 'list', '--profile', 'fake'], {
      env: { BACALHAU_DIR: dataDir },
      cwd: dataDir,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^\nError: Request Unauthorized\n/);
    expect(node.seen).toEqual(['Bearer from-the-profile']);
    expect(existsSync(join(dataDir, 'user_id.pem'))).toBe(false);
  });

  it('skips an expired SSO token for the login’s token saved after it, without a warning', async () => {
    expect((await jobList()).code).toBe(0);
    const token = savedTokens()[node.address];
    writeFileSync(join(dataDir, 'jwt-tokens.json'), JSON.stringify({ [node.address]: expiredJwt() }));
    node.seen.length = 0;
    expect(await jobList()).toMatchObject({ code: 0, stderr: '' });
    expect(node.seen).toEqual([`Bearer ${token}`]);
  });

  it('ends at once with Go’s “context canceled” when Ctrl+C interrupts a prompt', async () => {
    node.offer(['ClientKey', 'Secret']);
    const child = spawn(process.execPath, [builtMain, 'job', 'list'], {
      env: { PATH: process.env['PATH'] ?? '', ...clientEnv() },
      cwd: dataDir,
      stdio: ['pipe', 'pipe', 'pipe'], // standard input stays open: the prompt waits
    });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('Choose a number: ')) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.destroy();
    expect(code).toBe(1);
    expect(stderr).toMatch(/Choose a number: \nError: context canceled\nHint: +the login was interrupted\n$/);
    expect(existsSync(tokensFile())).toBe(false);
  });

  it('logs in when the node refuses the log stream, and streams it', async () => {
    const run = await runBuilt(['job', 'logs', 'j-7f0e4b2a-0000-4000-8000-000000000000'], {
      env: clientEnv(),
      cwd: dataDir,
    });
    expect(run).toMatchObject({ code: 0, stdout: 'hello from the logs\n', stderr: '' });
    const token = savedTokens()[node.address] ?? '';
    expect(node.seen).toEqual([undefined, `Bearer ${token}`]);
  });
});
