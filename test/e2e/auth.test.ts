/**
 * `bacalhau auth …` as a shell runs the built CLI (`node dist/main.js`) against live nodes: an open one,
 * and one with API users whose password is a hash made by `auth hash-password`, and SSO through a fake
 * OAuth2 provider on 127.0.0.1 whose tokens the node checks against the provider's JWKS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtMain, ensureBuilt, runBuilt } from '../helpers/built-cli.js';
import type { CliRun } from '../helpers/cli.js';
import { startFakeOAuth2Provider, type FakeOAuth2Provider } from '../helpers/fake-oauth2-provider.js';
import { startLiveNode, type LiveNode } from './live-node.js';

const password = 'correct horse battery';
let provider: FakeOAuth2Provider;
let open: LiveNode;
let secured: LiveNode;
let hash: string;

beforeAll(async () => {
  await ensureBuilt();
  provider = await startFakeOAuth2Provider();
  open = await startLiveNode();
  hash = (await runBuilt(['auth', 'hash-password'], { stdin: `${password}\n` })).stdout.trim();
  const users = [{ Username: 'ann', Password: hash, Capabilities: [{ Actions: ['read:*'] }] }];
  secured = await startLiveNode([`API.Auth.Users=${JSON.stringify(users)}`, ...provider.settings]);
});
afterAll(async () => {
  await open?.stop();
  await secured?.stop();
  await provider?.close();
});

/** The built CLI against `node`, with extra environment. */
const run = (node: LiveNode, args: string[], env: Record<string, string> = {}, stdin = ''): Promise<CliRun> =>
  runBuilt(args, { env: { ...node.env, ...env }, cwd: node.dataDir, stdin });

describe('auth --help', () => {
  it('documents every auth command with Bacalhau’s flags', async () => {
    const paths = [
      ['auth'],
      ['auth', 'info'],
      ['auth', 'hash-password'],
      ['auth', 'sso'],
      ['auth', 'sso', 'login'],
      ['auth', 'sso', 'logout'],
      ['auth', 'sso', 'token'],
    ];
    const helps = await Promise.all(paths.map((path) => runBuilt([...path, '--help'])));
    helps.forEach((help, i) => {
      expect(help.code).toBe(0);
      expect(help.stderr).toBe('');
      expect(help.stdout).toContain(`Usage: bacalhau ${paths[i]?.join(' ')}`);
    });
    expect(helps[0]?.stdout).toContain('--profile <name>');
    expect(helps[1]?.stdout).toContain('--output <format>');
    expect(helps[5]?.stdout).toContain('-f, --force');
    expect(helps[6]?.stdout).toContain('-d, --decode');
  });
});

describe('auth hash-password', () => {
  it('prints a bcrypt hash of the line on standard input, in Go’s format', () => {
    expect(hash).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
  });

  it('refuses an empty or over-long password in one line that says what to do', async () => {
    for (const [stdin, message] of [
      ['', 'password cannot be empty: type it at the prompt, or pass it on standard input'],
      ['   \n', 'password cannot be empty'],
      [`${'x'.repeat(101)}\n`, 'password exceeds maximum length of 100 characters'],
      [`${'x'.repeat(73)}\n`, 'failed to hash password: bcrypt: password length exceeds 72 bytes'],
    ] as const) {
      const result = await runBuilt(['auth', 'hash-password'], { stdin });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^\nError: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\n$`),
      );
    }
  });

  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'reads the password from a terminal without echoing it',
    async () => {
      // `script` gives the CLI a pseudo-terminal; the password is typed once the prompt is shown.
      const child = spawn(
        'script',
        ['-q', '-e', '-c', `${process.execPath} ${builtMain} auth hash-password`, '/dev/null'],
        {
          env: { PATH: process.env['PATH'] ?? '' },
        },
      );
      let output = '';
      let written = false;
      const typed = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          // once: typed again after the CLI restored echo, the terminal would show it
          if (!written && output.includes('Enter password: ')) {
            written = true;
            child.stdin.write('tty secret 42\r');
            resolve();
          }
        });
      });
      await typed;
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      expect(output).not.toContain('tty secret 42');
      expect(output).toMatch(/^Enter password: \r?\n\$2a\$10\$[./A-Za-z0-9]{53}\r?\n$/);
    },
  );

  it('makes hashes the API server accepts as API.Auth.Users passwords', async () => {
    const jobs = (user: string, pass: string) =>
      run(secured, ['job', 'list'], { BACALHAU_API_USERNAME: user, BACALHAU_API_PASSWORD: pass });
    expect((await jobs('ann', password)).code).toBe(0);
    const wrong = await jobs('ann', 'not the password');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^\nError: .*Request Unauthorized/);
  });

  it('job logs with wrong credentials shows the server’s refusal, not a broken stream', async () => {
    const logs = await run(secured, ['job', 'logs', 'j-7f0e4b2a-0000-4000-8000-000000000000'], {
      BACALHAU_API_USERNAME: 'ann',
      BACALHAU_API_PASSWORD: 'not the password',
    });
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/^\nError: .*Request Unauthorized\nHint: +\S/);
  });
});

describe('auth info', () => {
  it('says which credentials would be sent and that the node offers no SSO, in Go’s layout', async () => {
    const info = await run(open, ['auth', 'info'], { BACALHAU_API_KEY: 'k' });
    expect(info.code).toBe(0);
    expect(info.stdout).toBe(
      `\nTarget environment: http://127.0.0.1:${open.node.apiPort}\n\n` +
        'Environment Variables:\nAPI Key: Set\nUsername: Not Set\nPassword: Not Set\n\n' +
        'Node SSO Authentication:\nServer does not support SSO login\n\n' +
        'Note: Environment variables take precedence over other authentication mechanisms including SSO.\n' +
        'To use SSO login, please unset Auth related environment variables first.\n',
    );
  });

  it('names the SSO provider, also as data, whatever credentials the environment holds', async () => {
    // Conflicting variables do not stop the command that reports on them.
    const env = { BACALHAU_API_KEY: 'k', BACALHAU_API_USERNAME: 'u' };
    const info = await run(secured, ['auth', 'info'], env);
    expect(info.stdout).toContain(
      'Node SSO Authentication:\nProvider Name: Fake IdP\nProvider ID: fake\nVersion: 1.0.0\n',
    );
    const json = await run(secured, ['auth', 'info', '--output', 'json'], env);
    expect(JSON.parse(json.stdout)).toEqual({
      TargetEnvironment: `http://127.0.0.1:${secured.node.apiPort}`,
      EnvironmentVariables: { APIKey: 'Set', Username: 'Set', Password: 'Not Set' },
      SSO: { Supported: true, ProviderName: 'Fake IdP', ProviderID: 'fake' },
    });
  });

  it('fails in one line when the node cannot be reached', async () => {
    const info = await runBuilt(['auth', 'info'], {
      env: {
        BACALHAU_DIR: join(open.dataDir, 'client'),
        BACALHAU_API_HOST: '127.0.0.1',
        BACALHAU_API_PORT: '1',
      },
    });
    expect(info.code).toBe(1);
    expect(info.stderr).toMatch(
      /^\nError: server is not running or not reachable at http:\/\/127\.0\.0\.1:1\n/,
    );
  });
});

describe('auth sso', () => {
  const clientDir = (): string => secured.env['BACALHAU_DIR'] ?? '';
  const address = (): string => `http://127.0.0.1:${secured.node.apiPort}`;

  it('login: device flow with the node’s provider, token saved for the address and in a profile', async () => {
    provider.behave({ pending: 1, claims: { permissions: ['read:job'] } });
    const login = await run(secured, ['auth', 'sso', 'login']);
    expect(login.stderr).toBe('\nSuccessfully authenticated with Fake IdP!\n');
    expect(login.code).toBe(0);
    expect(login.stdout).toBe(
      '\nTo login, please:\n' +
        `  1. Open this URL in your browser: ${provider.url}/activate\n` +
        '  2. Enter this code: WDJB-MJHT\n\n' +
        `Or, open this URL in your browser:\n  ${provider.url}/activate?user_code=WDJB-MJHT\n\n` +
        'Waiting for authentication with Fake IdP... (press Ctrl+C to cancel)\n',
    );
    const tokens = JSON.parse(readFileSync(join(clientDir(), 'jwt-tokens.json'), 'utf8')) as Record<
      string,
      string
    >;
    const token = tokens[address()] ?? '';
    expect(token.split('.')).toHaveLength(3);
    const profile = `127_0_0_1_${secured.node.apiPort}`;
    expect(readFileSync(join(clientDir(), 'profiles', `${profile}.yaml`), 'utf8')).toBe(
      `endpoint: ${address()}\nauth:\n    token: ${token}\n`,
    );
    expect(readlinkSync(join(clientDir(), 'profiles', 'current'))).toBe(`${profile}.yaml`);

    expect((await run(secured, ['auth', 'sso', 'token'])).stdout).toBe(`${token}\n`);
    const decoded = (await run(secured, ['auth', 'sso', 'token', '-d'])).stdout;
    expect(decoded).toMatch(
      /^Header:\n\{\n {2}"alg": "RS256",\n {2}"kid": "test-key-1",\n {2}"typ": "JWT"\n\}\n\nClaims:\n\{\n {2}"aud": \[/,
    );
    expect(decoded).toContain('"permissions": [\n    "read:job"\n  ],\n  "sub": "ann@example.com"\n}\n');
  });

  it('the node accepts the SSO token by its permissions', async () => {
    expect((await run(secured, ['job', 'list'])).code).toBe(0);
    const nodes = await run(secured, ['node', 'list']);
    expect(nodes.code).toBe(1);
    expect(nodes.stderr).toContain(
      "Error: Request Forbidden: user 'ann@example.com' does not have the required capability 'read:node'",
    );
  });

  it('an expired SSO token is not sent, and the user is told to log in again', async () => {
    const exp = Math.floor(Date.now() / 1000) - 60;
    provider.behave({ claims: { permissions: ['read:job'], exp } });
    expect((await run(secured, ['auth', 'sso', 'login'])).code).toBe(0);
    const list = await run(secured, ['job', 'list']);
    expect(list.stderr).toMatch(
      new RegExp(
        `^Warning: the SSO token saved for ${address()} expired at ${new Date(exp * 1000).toISOString()}, ` +
          "so requests are sent without it; run 'bacalhau auth sso login' for a new one\n\n" +
          // the CLI's login finds no method to run, and says what the node takes instead
          'Error: Request Unauthorized: the node asks for a username and password, an API key or an SSO token\n' +
          "Hint: +set BACALHAU_API_KEY, or BACALHAU_API_USERNAME and BACALHAU_API_PASSWORD, or run 'bacalhau auth sso login'\n$",
      ),
    );
    // a valid one again
    provider.behave({ claims: { permissions: ['read:job'] } });
    expect((await run(secured, ['auth', 'sso', 'login'])).code).toBe(0);
    expect(await run(secured, ['job', 'list'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('logout asks first, then forgets the token (file and profile); requests are refused again', async () => {
    const cancelled = await run(secured, ['auth', 'sso', 'logout'], {}, 'n\n');
    expect(cancelled.stdout).toBe(
      `Are you sure you want to logout from ${address()}? (y/N): Logout cancelled\n`,
    );
    expect((await run(secured, ['auth', 'sso', 'token'])).stdout).not.toBe('No authentication token found\n');

    const logout = await run(secured, ['auth', 'sso', 'logout'], {}, 'y\n');
    expect(logout.stdout).toBe(
      `Are you sure you want to logout from ${address()}? (y/N): \nSuccessfully logged out from ${address()}\n`,
    );
    expect(readFileSync(join(clientDir(), 'jwt-tokens.json'), 'utf8')).toBe('{}\n');
    const profile = readFileSync(
      join(clientDir(), 'profiles', `127_0_0_1_${secured.node.apiPort}.yaml`),
      'utf8',
    );
    expect(profile).toBe(`endpoint: ${address()}\n`);
    expect((await run(secured, ['auth', 'sso', 'token'])).stdout).toBe('No authentication token found\n');
    const refused = await run(secured, ['job', 'list']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Request Unauthorized');
    expect((await run(secured, ['auth', 'sso', 'logout', '-f'])).code).toBe(0); // nothing left: still fine
  });

  it("sends the token Go's CLI saved for the node in tokens.json, when no other is saved", async () => {
    provider.behave({ claims: { permissions: ['read:job'] } });
    expect((await run(secured, ['auth', 'sso', 'login'])).code).toBe(0);
    const token = (await run(secured, ['auth', 'sso', 'token'])).stdout.trim();
    expect((await run(secured, ['auth', 'sso', 'logout', '-f'])).code).toBe(0);
    const goTokens = join(clientDir(), 'tokens.json');
    writeFileSync(goTokens, JSON.stringify({ [address()]: token }));
    try {
      expect(await run(secured, ['job', 'list'])).toMatchObject({ code: 0, stderr: '' });
    } finally {
      rmSync(goTokens);
    }
  });

  it('login failures are one line naming the cause', async () => {
    provider.behave({ error: 'access_denied' });
    const denied = await run(secured, ['auth', 'sso', 'login']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe(
      '\nError: unable to finish SSO login flow: token retrieval failed: access_denied - the user said no\n',
    );

    const unsupported = await run(open, ['auth', 'sso', 'login']);
    expect(unsupported.code).toBe(1);
    expect(unsupported.stderr).toBe(
      `\nError: orchestrator does not support logging in using SSO: the node at http://127.0.0.1:${open.node.apiPort} ` +
        'has no API.Auth.Oauth2.ProviderID and ProviderName; log in with an API key or username and password instead\n',
    );
    expect(existsSync(join(open.env['BACALHAU_DIR'] ?? '', 'jwt-tokens.json'))).toBe(false);
  });
});
