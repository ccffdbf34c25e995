/**
 * The CLI's login to a node that refuses anonymous requests (Go's interactive authentication): the
 * built CLI against a stand-in for a Go node with such a policy (test/helpers/fake-auth-node.ts), whose
 * challenge method checks signatures with this project's own authenticator.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt, runBuilt } from '../helpers/built-cli.js';
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

function jobList(stdin = '', env: Record<string, string> = {}): Promise<CliRun> {
  const port = new URL(node.address).port;
  return runBuilt(['job', 'list', '--output', 'json'], {
    env: { BACALHAU_DIR: dataDir, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: port, ...env },
    cwd: dataDir,
    stdin,
  });
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
});
