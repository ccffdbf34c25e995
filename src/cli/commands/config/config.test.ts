import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, type CliRun } from '../../../../test/helpers/cli.js';

let dir: string;
let dataDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-cli-config-'));
  dataDir = join(dir, 'data'); // created by `config set`
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return cli(argv, { cwd: dir, env: { HOME: dir, BACALHAU_DIR: dataDir, ...env } });
}

interface Entry {
  Key: string;
  Value: unknown;
  Description: string;
}

async function listJson(
  argv: string[] = [],
  env: Record<string, string> = {},
): Promise<Map<string, unknown>> {
  const { code, stdout, stderr } = await run([...argv, 'config', 'list', '--output', 'json'], env);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return new Map((JSON.parse(stdout) as Entry[]).map((e) => [e.Key, e.Value]));
}

describe('config set then config list', () => {
  it('writes $BACALHAU_DIR/config.yaml, creating the data dir, and list reads it back', async () => {
    const configPath = join(dataDir, 'config.yaml');
    const set1 = await run(['config', 'set', 'api.port=5678']);
    expect(set1).toEqual({ code: 0, stdout: `Writing config to ${configPath}\n`, stderr: '' });
    expect((await run(['config', 'set', 'Compute.Orchestrators=nats://a:4222,nats://b:4222'])).code).toBe(0);
    expect((await run(['config', 'set', 'orchestrator.nodemanager.disconnecttimeout', '2m'])).stdout).toBe(
      `DEPRECATED: use key=value instead of space-separated key value\nWriting config to ${configPath}\n`,
    );
    expect(parseYaml(readFileSync(configPath, 'utf8'))).toEqual({
      API: { Port: 5678 },
      Compute: { Orchestrators: ['nats://a:4222', 'nats://b:4222'] },
      Orchestrator: { NodeManager: { DisconnectTimeout: '2m0s' } },
    });

    const values = await listJson();
    expect(values.get('API.Port')).toBe(5678);
    expect(values.get('Compute.Orchestrators')).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(values.get('Orchestrator.NodeManager.DisconnectTimeout')).toBe('2m0s');
    expect(values.get('API.Host')).toBe('0.0.0.0');
    expect(values.get('DataDir')).toBe(dataDir);
    expect(values.size).toBe(131); // Bacalhau's 130 keys and Orchestrator.NATS.Servers

    // env, flags and -c still override the file
    expect((await listJson([], { BACALHAU_API_PORT: '6000' })).get('API.Port')).toBe(6000);
    expect((await listJson(['--api-port', '7000'], { BACALHAU_API_PORT: '6000' })).get('API.Port')).toBe(
      7000,
    );
    expect((await listJson(['-c', 'API.Port=8000', '--api-port', '7000'])).get('API.Port')).toBe(8000);
  });

  it('keeps writing the file it read after DataDir was moved elsewhere, as Go does', async () => {
    const configPath = join(dataDir, 'config.yaml');
    expect((await run(['config', 'set', `DataDir=${join(dir, 'other')}`])).code).toBe(0);
    expect((await run(['config', 'set', 'api.port=4444'])).stdout).toBe(`Writing config to ${configPath}\n`);
    expect((await listJson()).get('API.Port')).toBe(4444);
  });

  it('writes through a linked config file, which stays a link', async () => {
    const real = join(dir, 'dotfiles', 'bacalhau.yaml');
    mkdirSync(join(dir, 'dotfiles'));
    writeFileSync(real, 'API:\n  Host: 0.0.0.0\n');
    mkdirSync(dataDir);
    symlinkSync(real, join(dataDir, 'config.yaml'));
    expect((await run(['config', 'set', 'api.port=4444'])).code).toBe(0);
    expect(lstatSync(join(dataDir, 'config.yaml')).isSymbolicLink()).toBe(true);
    expect(parseYaml(readFileSync(real, 'utf8'))).toEqual({ API: { Host: '0.0.0.0', Port: 4444 } });
  });

  it('refuses arguments after key=value rather than drop them', async () => {
    const run1 = await run(['config', 'set', 'Compute.Orchestrators=nats://a:4222', 'nats://b:4222']);
    expect(run1).toEqual({
      code: 1,
      stdout: '',
      stderr:
        '\nError: config set takes one key=value, and "nats://b:4222" follows it\n' +
        "Hint:  Run config set once per key; give a list's items as one value, separated by commas " +
        '(Compute.Orchestrators=a,b)\n',
    });
    expect(existsSync(join(dataDir, 'config.yaml'))).toBe(false);
  });

  it('-c on config set names an existing yaml file to write', async () => {
    const target = join(dir, 'node.yaml');
    writeFileSync(target, '# node config\nWebUI:\n  Enabled: true\n');
    const result = await run(['config', 'set', '-c', target, 'api.host=2.2.2.2']);
    expect(result).toEqual({ code: 0, stdout: `Writing config to ${target}\n`, stderr: '' });
    expect(readFileSync(target, 'utf8')).toBe(
      '# node config\nWebUI:\n  Enabled: true\nAPI:\n  Host: 2.2.2.2\n',
    );
    expect(existsSync(dataDir)).toBe(false);

    expect((await listJson(['-c', target])).get('API.Host')).toBe('2.2.2.2');

    expect((await run(['config', 'set', '-c', join(dir, 'missing.yaml'), 'api.host=x'])).stderr).toContain(
      "specified configuration file doesn't exist",
    );
    expect((await run(['config', 'set', '-c', join(dir, 'x.toml'), 'api.host=x'])).stderr).toBe(
      "\nError: config file must end with '.yaml' or '.yml'\n",
    );
    expect((await run(['-c', target, 'config', 'set', '-c', target, 'api.host=x'])).stderr).toBe(
      '\nError: single config file can be set\n',
    );
  });

  it('rejects unknown keys and ill-typed values before writing', async () => {
    const bad = await run(['config', 'set', 'api.prot=1']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      '\nError: "api.prot" is not a valid config key (did you mean "API.Port"?)\n' +
        "Hint:  Run 'bacalhau config list' for the complete list of valid config keys\n",
    );
    const typed = await run(['config', 'set', 'webui.enabled=maybe']);
    expect(typed.stderr).toContain(
      '\nError: config key: "WebUI.Enabled" expects a boolean value, received: "maybe"',
    );
    expect((await run(['config', 'set', 'api.port'])).stderr).toBe(
      '\nError: must provide both key and value, or key=value\n',
    );
    expect(existsSync(join(dataDir, 'config.yaml'))).toBe(false);
  });

  it('refuses to work on a broken config file, naming the file and the key', async () => {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'config.yaml'), 'API:\n  Prot: 1\n');
    const list = await run(['config', 'list']);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain(
      `\nError: config file "${join(dataDir, 'config.yaml')}": "API.Prot" is not a valid config key (did you mean "API.Port"?)`,
    );
    expect((await run(['config', 'set', 'api.port=1'])).stderr).toContain('Error: failed to setup config: ');
  });
});

describe('a config file kept from an earlier Bacalhau version', () => {
  it('loads, with one warning a run for a key of that version', async () => {
    mkdirSync(dataDir, { recursive: true });
    const configPath = join(dataDir, 'config.yaml');
    writeFileSync(configPath, 'JobAdmissionControl:\n  AcceptNetworkedJobs: true\nAPI:\n  Port: 1299\n');
    const list = await run(['config', 'list', '--output', 'json']);
    expect(list.code).toBe(0);
    expect(list.stderr).toBe(
      `Warning: config file "${configPath}": "JobAdmissionControl.AcceptNetworkedJobs" is a key of an ` +
        'earlier Bacalhau version, ignored: networked jobs are accepted unless ' +
        'JobAdmissionControl.RejectNetworkedJobs is true\n',
    );
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ Key: 'API.Port', Value: 1299 }));
  });
});

describe('config list', () => {
  it("prints an empty list or map as null in JSON, as Go's nil defaults are", async () => {
    const values = await listJson();
    expect([
      values.get('Labels'),
      values.get('Engines.Disabled'),
      values.get('Compute.AllowListedLocalPaths'),
    ]).toEqual([null, null, null]);
    expect(values.get('Compute.Orchestrators')).toEqual(['nats://127.0.0.1:4222']);
    const set = await listJson(['-c', 'Engines.Disabled=wasm', '-c', 'Labels=zone=a']);
    expect([set.get('Engines.Disabled'), set.get('Labels')]).toEqual([['wasm'], { zone: 'a' }]);
  });

  it('prints a sorted key/value/description table with Go-style values', async () => {
    const { code, stdout } = await run(['config', 'list', '--no-style', '--wide']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^ KEY +VALUE +DESCRIPTION +$/);
    const keys = lines.slice(1, -1).map((l) => l.trim().split(/\s+/)[0]);
    expect(keys).toEqual([...keys].sort());
    expect(keys[0]).toBe('API.Auth.AccessPolicyPath');
    expect(stdout).toMatch(/\n API\.Auth\.Methods +map\[ClientKey:\{challenge \}\] +Authentication methods/);
    expect(stdout).toMatch(/\n Compute\.Orchestrators +\[nats:\/\/127\.0\.0\.1:4222\] +/);
    expect(stdout).toMatch(/\n Labels +map\[\] +/);
    expect(stdout).toMatch(/\n UpdateConfig\.Interval +24h0m0s +/);
  });

  it('prints csv and the whole config as yaml', async () => {
    const csv = await run(['config', 'list', '--output', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('Key,Value,Description');
    expect(csv.stdout).toContain('\nAPI.Port,1234,');

    const yaml = await run(['config', 'list', '--output', 'yaml']);
    expect(yaml.stdout.startsWith('API:\n    Host: 0.0.0.0\n    Port: 1234\n')).toBe(true);
    expect(yaml.stdout.endsWith('Interval: 24h0m0s\n\n')).toBe(true);
    expect(parseYaml(yaml.stdout)).toMatchObject({ DataDir: dataDir, Logging: { Level: 'info' } });
  });

  it('has help with descriptions', async () => {
    const help = await run(['config', 'list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: bacalhau config list [options]');
    expect(help.stdout).toContain('--output <format>');
    const setHelp = await run(['config', 'set', '--help']);
    expect(setHelp.stdout).toContain('-c, --config <file>');
    expect(setHelp.stdout).toContain('bacalhau config set API.Host=127.0.0.1');
  });
});
