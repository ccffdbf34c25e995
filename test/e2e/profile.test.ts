/** `bacalhau profile …` and `--profile`/`BACALHAU_PROFILE` choosing the node client commands talk to. */
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliRun } from '../helpers/cli.js';
import { startLiveNode, type LiveNode } from './live-node.js';

let live: LiveNode;
let env: Record<string, string>;
let profiles: string;

beforeAll(async () => {
  live = await startLiveNode();
  // No API address in the environment: the profile decides (an explicit address would win over it).
  env = { HOME: live.dataDir, BACALHAU_DIR: join(live.dataDir, 'client') };
  profiles = join(env['BACALHAU_DIR'] ?? '', 'profiles');
});
afterAll(() => live.stop());

const run = (args: string[], extra: Record<string, string> = {}, stdin?: string): Promise<CliRun> =>
  cli(args, { env: { ...env, ...extra }, cwd: live.dataDir, ...(stdin === undefined ? {} : { stdin }) });

describe('profile', () => {
  it('save, list, show, select and delete, stored as Bacalhau stores them', async () => {
    expect((await run(['profile', 'list'])).stdout).toBe('No profiles found\n');
    expect((await run(['profile', 'save', 'live'])).stderr).toBe(
      '\nError: endpoint is required when creating a new profile\n',
    );
    const saved = await run([
      'profile',
      'save',
      'live',
      '--endpoint',
      `127.0.0.1:${live.node.apiPort}`,
      '--timeout',
      '10s',
      '--select',
    ]);
    expect(saved.stdout).toBe('Profile "live" saved\nSwitched to profile "live"\n');
    expect(readFileSync(join(profiles, 'live.yaml'), 'utf8')).toBe(
      `endpoint: 127.0.0.1:${live.node.apiPort}\ntimeout: 10s\n`,
    );
    expect(lstatSync(join(profiles, 'live.yaml')).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(profiles, 'current'))).toBe('live.yaml');

    await run([
      'profile',
      'save',
      'dead',
      '--endpoint',
      'http://127.0.0.1:9',
      '--insecure',
      '--description',
      'nothing',
    ]);
    expect(readFileSync(join(profiles, 'dead.yaml'), 'utf8')).toBe(
      'endpoint: http://127.0.0.1:9\ndescription: nothing\ntls:\n    insecure: true\n',
    );
    const list = await run(['profile', 'list', '--no-style']);
    expect(list.stdout.split('\n').map((l) => l.trimEnd())).toEqual([
      ' CURRENT  NAME  ENDPOINT            AUTH',
      '          dead  http://127.0.0.1:9',
      ` *        live  127.0.0.1:${live.node.apiPort}`,
      '',
    ]);
    expect((await run(['profile', 'show', 'dead'])).stdout).toBe(
      'Name:        dead\nEndpoint:    http://127.0.0.1:9\nAuth:        none\nTLS:         insecure\n' +
        'Timeout:     30s\nDescription: nothing\n',
    );
    expect((await run(['profile', 'show'])).stdout).toContain('Name:        live (current)\n');
    expect((await run(['profile', 'save', 'bad', '--endpoint', 'x', '--timeout', '5 parsecs'])).stderr).toBe(
      '\nError: failed to save profile: invalid profile: invalid timeout "5 parsecs": time: unknown unit " parsecs" in duration "5 parsecs"\n',
    );

    // Deleting the current profile asks first.
    expect((await run(['profile', 'delete', 'live'], {}, 'n\n')).stdout).toBe(
      'Profile "live" is the current profile. Delete anyway? [y/N]: Deletion cancelled\n',
    );
    expect((await run(['profile', 'select', 'nope'])).stderr).toBe(
      '\nError: failed to select profile: profile "nope" not found\n',
    );
    expect((await run(['profile', 'delete', 'dead'])).stdout).toBe('Profile "dead" deleted\n');
  });

  it('the current profile, --profile and BACALHAU_PROFILE choose the node; explicit API settings win', async () => {
    await run(['profile', 'save', 'here', '--endpoint', `http://127.0.0.1:${live.node.apiPort}`, '--select']);
    await run(['profile', 'save', 'nowhere', '--endpoint', '127.0.0.1:9']);
    expect((await run(['agent', 'alive', '--output', 'json'])).stdout).toBe('{"Status":"OK"}\n');
    const flagged = await run(['agent', 'alive', '--profile', 'nowhere']);
    expect(flagged.stderr).toContain('Error: server is not running or not reachable at http://127.0.0.1:9');
    // before the command's name too, as cobra takes it
    const first = await run(['--profile', 'nowhere', 'agent', 'alive']);
    expect(first.stderr).toContain('Error: server is not running or not reachable at http://127.0.0.1:9');
    const fromEnv = await run(['node', 'list'], { BACALHAU_PROFILE: 'nowhere' });
    expect(fromEnv.stderr).toContain('http://127.0.0.1:9');
    const explicit = await run([
      'agent',
      'alive',
      '--profile',
      'nowhere',
      '--api-port',
      String(live.node.apiPort),
    ]);
    expect(explicit.code).toBe(0);
    expect((await run(['job', 'list', '--profile', 'typo'])).stderr).toBe(
      '\nError: profile "typo" not found\n',
    );
  });

  it('an endpoint that is not host:port or an http(s) URL is refused, at save and in a profile file', async () => {
    const bad = await run(['profile', 'save', 'ftp', '--endpoint', 'ftp://127.0.0.1:9']);
    expect(bad).toMatchObject({
      code: 1,
      stderr:
        '\nError: invalid --endpoint "ftp://127.0.0.1:9": ftp:// is not a scheme the API speaks; ' +
        'give host:port, http://host:port or https://host:port\n',
    });
    const port = await run(['profile', 'save', 'port', '--endpoint', '127.0.0.1:api']);
    expect(port.stderr).toContain('Error: invalid --endpoint "127.0.0.1:api": it is not an address;');
    expect((await run(['profile', 'list'])).stdout).not.toMatch(/\b(ftp|port)\b/);
    // written by hand or by another tool
    writeFileSync(join(profiles, 'hand.yaml'), 'endpoint: ftp://127.0.0.1:9\n');
    const used = await run(['job', 'list', '--profile', 'hand']);
    expect(used.stderr).toBe(
      '\nError: profile "hand" has endpoint "ftp://127.0.0.1:9": ftp:// is not a scheme the API speaks; ' +
        "give host:port, http://host:port or https://host:port\nHint:  Fix it with 'bacalhau profile save hand --endpoint <host:port>'\n",
    );
  });

  it('a damaged profile file is named, with the way out, and another profile can still be saved', async () => {
    const file = join(profiles, 'cut.yaml');
    writeFileSync(file, 'endpoint: "127.0.0.1:19'); // cut short
    const used = await run(['job', 'list', '--profile', 'cut']);
    expect(used.code).toBe(1);
    expect(used.stderr).toContain(`Error: parsing profile "cut" (${file}): `);
    expect(used.stderr).toContain(
      "Hint:  Fix the file, or remove the profile with 'bacalhau profile delete cut'",
    );
    expect((await run(['profile', 'delete', 'cut'])).code).toBe(0);
    // written whole, readable by its owner only, nothing left beside it
    expect((await run(['profile', 'save', 'cut', '--endpoint', '127.0.0.1:9'])).code).toBe(0);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(profiles).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
