import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { load, loadConfig, type LoadOptions } from './load.js';

let dir: string;
let home: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-config-'));
  home = join(dir, 'home');
  mkdirSync(home);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const opts = (extra: LoadOptions = {}): LoadOptions => ({ home, cwd: dir, numCpu: 2, env: {}, ...extra });

function loadError(options: LoadOptions): BacalhauError {
  try {
    load(options);
  } catch (err) {
    if (err instanceof BacalhauError) return err;
    throw err;
  }
  throw new Error('expected load to fail');
}

describe('precedence: defaults < file < env < flag < -c key=value', () => {
  const f = () => file('a.yaml', 'API:\n  Port: 2000\n');

  it('default', () => {
    expect(load(opts()).API.Port).toBe(1234);
  });
  it('file over default', () => {
    expect(load(opts({ config: [f()] })).API.Port).toBe(2000);
  });
  it('env over file', () => {
    expect(load(opts({ config: [f()], env: { BACALHAU_API_PORT: '3000' } })).API.Port).toBe(3000);
  });
  it('flag over env', () => {
    const cfg = load(
      opts({ config: [f()], env: { BACALHAU_API_PORT: '3000' }, flags: { 'API.Port': '4000' } }),
    );
    expect(cfg.API.Port).toBe(4000);
  });
  it('-c key=value over flag, wherever it appears among -c values', () => {
    const loaded = loadConfig(
      opts({
        config: ['api.port=5000', f()],
        env: { BACALHAU_API_PORT: '3000' },
        flags: { 'API.Port': '4000' },
      }),
    );
    expect(loaded.config.API.Port).toBe(5000);
    expect(loaded.sources.get('API.Port')).toEqual({ kind: 'config-flag' });
    expect(loaded.sources.get('API.Host')).toEqual({ kind: 'default' });
  });
  it('later files override earlier ones; maps from files are merged', () => {
    const a = file('a.yaml', 'API: {Port: 1, Host: a}\nLabels: {x: "1", y: "1"}\n');
    const b = file('b.yaml', 'api: {port: 2}\nlabels: {y: "2"}\n');
    const loaded = loadConfig(opts({ config: [a, b] }));
    expect(loaded.config.API).toMatchObject({ Port: 2, Host: 'a' });
    expect(loaded.config.Labels).toEqual({ x: '1', y: '2' });
    expect(loaded.files).toEqual([a, b]);
    expect(loaded.sources.get('API.Host')).toEqual({ kind: 'file', path: a });
  });
});

describe('keys are case-insensitive', () => {
  it('in files, -c and flags', () => {
    const f = file(
      'c.yaml',
      'orchestrator:\n  nodemanager:\n    DISCONNECTTIMEOUT: 2m\ncompute:\n  enabled: true\n',
    );
    const cfg = load(
      opts({ config: [f, 'WEBUI.listen=1.2.3.4:1', 'webui.ENABLED'], flags: { 'api.host': 'h' } }),
    );
    expect(cfg.Orchestrator.NodeManager.DisconnectTimeout).toBe('2m0s');
    expect(cfg.Compute.Enabled).toBe(true);
    expect(cfg.WebUI).toEqual({ Enabled: true, Listen: '1.2.3.4:1', Backend: '' });
    expect(cfg.API.Host).toBe('h');
  });

  it("so are a map's keys in files, as Go's reader lower-cases them (not in -c or env values)", () => {
    const a = file('a.yaml', 'Labels:\n  Zone: a\n  GPU_Type: t4\n  spot:\n');
    const b = file('b.yaml', 'Labels:\n  zone: b\n');
    expect(load(opts({ config: [a] })).Labels).toEqual({ zone: 'a', gpu_type: 't4', spot: '' });
    expect(load(opts({ config: [a, b] })).Labels).toEqual({ zone: 'b', gpu_type: 't4', spot: '' });
    expect(load(opts({ config: ['Labels=Zone=A'] })).Labels).toEqual({ Zone: 'A' });
    expect(load(opts({ env: { BACALHAU_LABELS: 'Zone=A' } })).Labels).toEqual({ Zone: 'A' });
  });

  it("names a map's entry whose value is not text", () => {
    const f = file('c.yaml', 'Labels:\n  zone: a\n  tier: {x: 1}\n');
    expect(loadError(opts({ config: [f] })).message).toContain(
      'config key: "Labels.tier" expects a string, received: {"x":1}',
    );
  });
});

describe('environment', () => {
  it('reads BACALHAU_<KEY> with typed values and comma-separated lists', () => {
    const cfg = load(
      opts({
        env: {
          BACALHAU_ORCHESTRATOR_ENABLED: 'true',
          BACALHAU_COMPUTE_ORCHESTRATORS: 'nats://a:4222, nats://b:4222',
          BACALHAU_COMPUTE_HEARTBEAT_INTERVAL: '5s',
          BACALHAU_LABELS: 'zone=a,tier=gpu',
          BACALHAU_JOBDEFAULTS_BATCH_TASK_RESOURCES_CPU: '2',
          BACALHAU_API_AUTH_USERS: '[{"username": "alice", "capabilities": [{"actions": ["read:*"]}]}]',
          BACALHAU_API_KEY: 'secret', // not a config key: ignored
          BACALHAU_NOT_A_KEY: 'x',
          BACALHAU_WEBUI_LISTEN: '', // empty means unset
        },
      }),
    );
    expect(cfg.Orchestrator.Enabled).toBe(true);
    expect(cfg.Compute.Orchestrators).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(cfg.Compute.Heartbeat.Interval).toBe('5s');
    expect(cfg.Labels).toEqual({ zone: 'a', tier: 'gpu' });
    expect(cfg.JobDefaults.Batch.Task.Resources.CPU).toBe('2');
    expect(cfg.API.Auth.Users).toEqual([{ Username: 'alice', Capabilities: [{ Actions: ['read:*'] }] }]);
    expect(cfg.WebUI.Listen).toBe('0.0.0.0:8438');
  });

  it('reads the aliases BACALHAU_DIR and LOG_LEVEL below the canonical names', () => {
    expect(load(opts({ env: { LOG_LEVEL: 'DEBUG' } })).Logging.Level).toBe('debug');
    expect(load(opts({ env: { LOG_LEVEL: 'debug', BACALHAU_LOGGING_LEVEL: 'warn' } })).Logging.Level).toBe(
      'warn',
    );
    const d = join(dir, 'd');
    expect(load(opts({ env: { BACALHAU_DIR: d } })).DataDir).toBe(d);
  });

  it('reports ill-typed values naming the variable, key, value and type', () => {
    const err = loadError(
      opts({ env: { BACALHAU_API_PORT: 'eighty', BACALHAU_ORCHESTRATOR_ENABLED: 'yes' } }),
    );
    expect(err.code).toBe(ErrorCode.ConfigurationError);
    expect(err.message).toContain('environment has 2 problems');
    expect(err.message).toContain(
      'BACALHAU_API_PORT: config key: "API.Port" expects an integer value, received: "eighty"',
    );
    expect(err.message).toContain(
      'BACALHAU_ORCHESTRATOR_ENABLED: config key: "Orchestrator.Enabled" expects a boolean value, received: "yes"',
    );
  });
});

describe('config files', () => {
  it('expands YAML merge keys (<<: *anchor), as Go (yaml.v3 under viper) does', () => {
    const yaml = ['JobDefaults:', '  Batch: &defaults', '    Priority: 7', '  Ops:', '    <<: *defaults', ''];
    expect(load(opts({ config: [file('merge.yaml', yaml.join('\n'))] })).JobDefaults.Ops.Priority).toBe(7);
  });

  it('reports every unknown key and ill-typed value in a file at once, naming the file', () => {
    const f = file(
      'bad.yaml',
      [
        'API:',
        '  Prot: 1',
        '  Host: [a]',
        'Compute:',
        '  Heartbeat: {Interval: 10x}',
        '  AllocatedCapacity: {CPU: 150%, Memory: lots}',
        'Nonsense: true',
        'Orchestrator: 5',
      ].join('\n'),
    );
    const err = loadError(opts({ config: [f] }));
    expect(err.code).toBe(ErrorCode.ConfigurationError);
    expect(err.message.split('\n')).toEqual([
      `config file "${f}" has 7 problems:`,
      '  - "API.Prot" is not a valid config key (did you mean "API.Port"?)',
      '  - config key: "API.Host" expects a string value, received: ["a"]',
      '  - config key: "Compute.Heartbeat.Interval" expects a valid duration value, received: "10x"',
      '  - config key: "Compute.AllocatedCapacity.CPU": cpu capacity percentage must be between 0% and 100%, got 150%',
      '  - config key: "Compute.AllocatedCapacity.Memory": invalid Memory value "lots"',
      '  - "Nonsense" is not a valid config key',
      '  - "Orchestrator" is a group of config keys and expects a mapping, received: 5',
    ]);
    // config list would read the same file: the hint names a way that reads none
    expect(err.hint).toContain("Fix or remove it in the file; 'bacalhau config list -c /dev/null' lists");
  });

  it('ignores the keys that files of earlier Bacalhau versions hold, with a warning naming each', () => {
    const f = file(
      'go-1.6.yaml',
      [
        'API:',
        '  Port: 2001',
        'FeatureFlags:',
        '  ExecTranslation: true',
        'JobAdmissionControl:',
        '  AcceptNetworkedJobs: true',
        '  RejectStatelessJobs: true',
        'Orchestrator:',
        '  License: {LocalPath: /etc/license.json}',
      ].join('\n'),
    );
    const loaded = loadConfig(opts({ config: [f] }));
    expect(loaded.config.API.Port).toBe(2001);
    expect(loaded.config.JobAdmissionControl.RejectStatelessJobs).toBe(true);
    expect(loaded.warnings).toEqual(
      [
        '"FeatureFlags.ExecTranslation" is a key of an earlier Bacalhau version, ignored: it has no effect since Bacalhau v1.6',
        '"JobAdmissionControl.AcceptNetworkedJobs" is a key of an earlier Bacalhau version, ignored: networked ' +
          'jobs are accepted unless JobAdmissionControl.RejectNetworkedJobs is true',
        '"Orchestrator.License.LocalPath" is a key of an earlier Bacalhau version, ignored: Bacalhau needs no ' +
          'license since v1.8',
      ].map((warning) => `config file ${JSON.stringify(f)}: ${warning}`),
    );
    // a group holding anything else, or nothing, is still an unknown key
    const mixed = file(
      'mixed.yaml',
      'Orchestrator:\n  License: {LocalPath: /l, Extra: {}}\nComputee: {}\nFeatureFlags: {ExecTranslation: true, Extra: {}}\n',
    );
    expect(
      loadError(opts({ config: [mixed] }))
        .message.split('\n')
        .slice(1),
    ).toEqual([
      '  - "Orchestrator.License" is not a valid config key',
      '  - "Computee" is not a valid config key',
      '  - "FeatureFlags.Extra" is not a valid config key',
    ]);
    // false was its default, which refused networked jobs: this node accepts them now
    const refusing = file('refusing.yaml', 'JobAdmissionControl:\n  AcceptNetworkedJobs: false\n');
    expect(loadConfig(opts({ config: [refusing] })).warnings).toEqual([
      `config file ${JSON.stringify(refusing)}: "JobAdmissionControl.AcceptNetworkedJobs" is a key of an ` +
        'earlier Bacalhau version, ignored: networked jobs, which it refused, are accepted now: set ' +
        'JobAdmissionControl.RejectNetworkedJobs=true to refuse them',
    ]);
  });

  it('warns of an empty file given with --config, as Go does (not of an empty <DataDir>/config.yaml)', () => {
    const f = file('empty.yaml', '');
    expect(loadConfig(opts({ config: [f] })).warnings).toEqual([
      `config file ${JSON.stringify(f)}: the specified configuration file is empty and ineffectual`,
    ]);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'config.yaml'), '');
    expect(loadConfig(opts({ dataDir })).warnings).toEqual([]);
    // nor of /dev/null, the way to read no config file, nor of a file config set is to write
    expect(loadConfig(opts({ config: ['/dev/null'] })).warnings).toEqual([]);
    expect(loadConfig(opts({ config: [f], writing: true })).warnings).toEqual([]);
  });

  it('says config files are YAML when one named otherwise cannot be read as YAML', () => {
    expect(loadError(opts({ config: [file('c.toml', '[API]\nPort = 1234\n')] })).hint).toBe(
      'Config files are YAML (Go reads only files named *.yaml or *.yml): write it as YAML',
    );
    // a .yaml, or a name without an extension (a pipe: -c <(…) is /dev/fd/63), is YAML with a typo
    for (const name of ['c.yaml', '63']) {
      expect(loadError(opts({ config: [file(name, 'API: [\n')] })).hint).toBe(
        'Fix the YAML syntax of the config file',
      );
    }
  });

  it('reports YAML syntax errors with line and column', () => {
    const f = file('syntax.yaml', 'API:\n  Port: 1\n Host: [x\n');
    const err = loadError(opts({ config: [f] }));
    expect(err.message).toMatch(new RegExp(`^config file "${f}".*yaml: line \\d+, column \\d+: `, 's'));
  });

  it('names the file whose aliases expand past the limit (a "billion laughs" file)', () => {
    // each level lists the one before ten times: 10^6 values from a few lines
    const names = 'abcdef';
    const lines = [...names].map(
      (name, i) =>
        `${name}: &${name} [${Array(10)
          .fill(i === 0 ? 'x' : `*${names[i - 1]}`)
          .join(', ')}]`,
    );
    const f = file('bomb.yaml', `${lines.join('\n')}\n`);
    const err = loadError(opts({ config: [f] }));
    expect(err.message).toBe(
      `config file "${f}": yaml: Excessive alias count indicates a resource exhaustion attack`,
    );
    expect(err.hint).toBe('check the YAML anchors (&name) and aliases (*name)');
  });

  it('refuses a file nested hundreds of levels deep before parsing it, naming where', () => {
    for (const text of [`${'['.repeat(1000)}${']'.repeat(1000)}\n`, `${'- '.repeat(5000)}x\n`]) {
      const f = file('deep.yaml', text);
      const err = loadError(opts({ config: [f] }));
      expect(err.message).toMatch(
        new RegExp(`^config file "${f}": yaml: line 1, column \\d+: nested more than 256 levels deep$`),
      );
      expect(err.hint).toBe('A config file is a few levels deep: fix its structure');
    }
  });

  it("refuses a second YAML document in words of its own, not the library's", () => {
    const f = file('multi.yaml', 'API:\n  Port: 1234\n---\nAPI:\n  Port: 5\n');
    const err = loadError(opts({ config: [f] }));
    expect(err.message).toBe(
      `config file "${f}": yaml: line 3, column 1: a second YAML document starts here (after ---); a config file is one document`,
    );
    expect(err.hint).toBe(
      'Merge the documents into one, or put each in its own file and pass each with --config',
    );
  });

  it('refuses bytes that are not UTF-8 instead of reading them as U+FFFD, and reads UTF-16 with a BOM', () => {
    const f = file('latin1.yaml', '');
    writeFileSync(
      f,
      Buffer.concat([Buffer.from('API:\n  Host: "'), Buffer.from([0xff]), Buffer.from('"\n')]),
    );
    const err = loadError(opts({ config: [f] }));
    expect(err.message).toBe(`config file "${f}": yaml: line 2, column 10: invalid UTF-8 (byte 0xff)`);
    expect(err.hint).toBe('Convert the config file to UTF-8, e.g. with iconv -t UTF-8');
    const utf16 = file('utf16.yaml', '');
    writeFileSync(
      utf16,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('API:\n  Port: 1234\n', 'utf16le')]),
    );
    expect(load(opts({ config: [utf16] })).API.Port).toBe(1234);
  });

  it('refuses an alias that refers to the node containing it', () => {
    const f = file('self.yaml', 'Labels: &x {a: *x}\n');
    const err = loadError(opts({ config: [f] }));
    expect(err.message).toBe(`config file "${f}": yaml: a YAML alias refers to a node that contains it`);
    expect(err.hint).toBe('check the YAML anchors (&name) and aliases (*name)');
  });

  it('accepts absolute capacities, JSON files, empty files and nulls', () => {
    const json = file(
      'c.json',
      '{"compute": {"allocatedCapacity": {"cpu": "500m", "memory": "16Gi", "gpu": "1"}}}',
    );
    const empty = file('empty.yaml', '');
    const nulls = file('nulls.yaml', 'API:\n  Host:\nWebUI: ~\n');
    const cfg = load(opts({ config: [json, empty, nulls] }));
    expect(cfg.Compute.AllocatedCapacity).toEqual({ CPU: '500m', Memory: '16Gi', Disk: '80%', GPU: '1' });
    expect(cfg.API.Host).toBe('0.0.0.0');
  });

  it('uses <DataDir>/config.yaml when no file is given, with DataDir from env', () => {
    const dataDir = join(dir, 'data');
    file('data/config.yaml', 'API:\n  Port: 7777\n');
    expect(load(opts({ env: { BACALHAU_DIR: dataDir } })).API.Port).toBe(7777);
    // ... but not when a file is given with -c
    const other = file('other.yaml', 'WebUI:\n  Enabled: true\n');
    expect(load(opts({ env: { BACALHAU_DIR: dataDir }, config: [other] })).API.Port).toBe(1234);
    // the default data dir is ~/.bacalhau
    file('home/.bacalhau/config.yaml', 'API:\n  Port: 8888\n');
    expect(load(opts()).API.Port).toBe(8888);
  });
});

describe('-c values', () => {
  it('reports unknown keys with suggestions, missing files, and keys without values', () => {
    const err = loadError(
      opts({ config: ['api.prot=1', 'missing.yaml', 'Compute.Enabld', 'API.Port', 'API'] }),
    );
    expect(err.code).toBe(ErrorCode.ValidationError);
    expect(err.message.split('\n')).toEqual([
      '--config flag has 5 problems:',
      '  - "api.prot" is not a valid config key (did you mean "API.Port"?)',
      "  - specified configuration file doesn't exist: missing.yaml",
      '  - "Compute.Enabld" is not a valid config key (did you mean "Compute.Enabled"?)',
      '  - config flag key requires a value.',
      'To correct this provide a value to the config, e.g. --config API.Port=<value>',
      '  - "API" is a group of config keys, not a key (e.g. "API.Host")',
    ]);
  });

  it('says what replaced a key of an earlier Bacalhau version, rather than a near name (its opposite)', () => {
    expect(loadError(opts({ config: ['JobAdmissionControl.AcceptNetworkedJobs=true'] })).message).toBe(
      '--config flag: "JobAdmissionControl.AcceptNetworkedJobs" is a key of an earlier Bacalhau version, no ' +
        'longer read: networked jobs are accepted unless JobAdmissionControl.RejectNetworkedJobs is true',
    );
  });

  it("says to put -- before a container command whose own -c was taken for the CLI's", () => {
    const err = loadError(opts({ config: ['ls /input > /out/file.txt'] }));
    expect(err.message).toBe(
      "--config flag: specified configuration file doesn't exist: ls /input > /out/file.txt",
    );
    expect(err.hint).toContain("put -- before the command: bacalhau docker run IMAGE -- sh -c '…'");
    expect(loadError(opts({ config: ['missing.yaml'] })).hint).toBe(
      'Pass an existing config file or a key=value pair to --config',
    );
  });

  it('says so too when the container command has an = in it', () => {
    const err = loadError(opts({ config: ['x=$(cat /in/a); echo $x'] }));
    expect(err.message).toBe('--config flag: "x" is not a valid config key');
    expect(err.hint).toBe(
      "Run 'bacalhau config list' for the complete list of valid config keys. For a command's own -c " +
        "(sh -c '…'), put -- before the command: bacalhau docker run IMAGE -- sh -c '…'",
    );
    expect(loadError(opts({ config: ['x=1'] })).hint).toBe(
      "Run 'bacalhau config list' for the complete list of valid config keys",
    );
  });

  it('reads any file that is not a folder: /dev/null as no configuration, a pipe as its text', () => {
    const loaded = loadConfig(opts({ config: ['/dev/null'] }));
    expect(loaded.files).toEqual(['/dev/null']);
    expect(loaded.config.API.Port).toBe(1234);
    const fifo = join(dir, 'config.pipe');
    execFileSync('mkfifo', [fifo]);
    // the writer blocks until the config is read, so it runs beside the test
    const writer = spawn('sh', ['-c', `printf 'API:\\n  Port: 2345\\n' > ${fifo}`]);
    try {
      expect(load(opts({ config: [fifo] })).API.Port).toBe(2345);
    } finally {
      writer.kill();
    }
  });

  it('says why a file that exists cannot be read, instead of that it does not exist', () => {
    const loop = join(dir, 'loop.yaml');
    symlinkSync(loop, loop);
    expect(loadError(opts({ config: [loop] })).message).toBe(
      `--config flag: specified configuration file cannot be read: ${loop} (ELOOP)`,
    );
  });

  it('says that a map key is set as a whole when given one entry of it (Labels.region)', () => {
    const err = loadError(opts({ config: ['Labels.region=eu'] }));
    expect(err.message).toBe(
      '--config flag: "Labels.region" is not a valid config key: Labels is a map, set as a whole',
    );
    expect(err.hint).toBe('Give its entries in one value: Labels=region=eu');
    // several entries: one hint setting them all
    const several = loadError(opts({ config: ['Labels.zone=a', 'API.Port=1234', 'Labels.disk=ssd'] }));
    expect(several.message).toBe(
      '--config flag has 2 problems:\n' +
        '  - "Labels.zone" is not a valid config key: Labels is a map, set as a whole\n' +
        '  - "Labels.disk" is not a valid config key: Labels is a map, set as a whole',
    );
    expect(several.hint).toBe('Give its entries in one value: Labels=zone=a,disk=ssd');
    expect(load(opts({ config: ['Labels=region=eu,tier=gold'] })).Labels).toEqual({
      region: 'eu',
      tier: 'gold',
    });
  });

  it('reports ill-typed values', () => {
    const err = loadError(opts({ config: ['Orchestrator.NodeManager.DisconnectTimeout=soon'] }));
    expect(err.message).toBe(
      '--config flag: config key: "Orchestrator.NodeManager.DisconnectTimeout" expects a valid duration value, received: "soon"',
    );
    expect(err.hint).toContain("'2h45m'");
    expect(loadError(opts({ config: ['Compute.Orchestrators=a b'] })).message).toContain(
      'only comma (,) is allowed',
    );
  });

  it('treats a value with = whose left side is no key as a file when it exists', () => {
    const f = file('odd=name.yaml', 'API:\n  Port: 9\n');
    expect(load(opts({ config: [f] })).API.Port).toBe(9);
  });
});

describe('data dir', () => {
  it('expands ~ and makes flag and -c values absolute against cwd', () => {
    expect(load(opts({ dataDir: '~/bac' })).DataDir).toBe(join(home, 'bac'));
    expect(load(opts({ dataDir: 'rel/dir' })).DataDir).toBe(join(dir, 'rel/dir'));
    expect(load(opts({ config: ['datadir=rel2'] })).DataDir).toBe(join(dir, 'rel2'));
    expect(load(opts({ env: { BACALHAU_DIR: '~/x' } })).DataDir).toBe(join(home, 'x'));
    expect(load(opts({ env: { HOME: home } })).DataDir).toBe(join(home, '.bacalhau'));
  });

  it('rejects a relative data dir from the environment or a file', () => {
    expect(loadError(opts({ env: { BACALHAU_DIR: 'relative' } })).message).toBe(
      'data dir path "relative" is not an absolute path',
    );
    const f = file('d.yaml', 'DataDir: $HOME/x\n');
    expect(loadError(opts({ config: [f] })).message).toBe(`data dir path "$HOME/x" contains a '$' character`);
  });

  it('rejects a data dir that is a file, or inside one, naming where it is set', () => {
    const f = file('not-a-dir', 'x');
    const err = loadError(opts({ dataDir: f }));
    expect(err.message).toBe(`data dir path ${JSON.stringify(f)} is a file, not a directory`);
    expect(err.hint).toBe(
      'Give a directory (or a path to create one) as the data dir: --data-dir, BACALHAU_DIR or DataDir',
    );
    expect(loadError(opts({ dataDir: join(f, 'sub') })).message).toBe(
      `data dir path ${JSON.stringify(join(f, 'sub'))} goes through a file, not a directory`,
    );
  });
});

describe('validation', () => {
  it('rejects mixing old and new auth mechanisms', () => {
    const f = file(
      'auth.yaml',
      'API:\n  Auth:\n    AccessPolicyPath: /p.rego\n    Users:\n      - Username: bob\n',
    );
    const err = loadError(opts({ config: [f] }));
    expect(err.message).toBe(
      'mixing old and new auth mechanisms not supported. when Users or Oauth2 is defined in API.Auth, Methods and AccessPolicyPath must be empty',
    );
    const oauth = file(
      'oauth.yaml',
      'API:\n  Auth:\n    AccessPolicyPath: /p.rego\n    Oauth2: {Issuer: x}\n',
    );
    expect(loadError(opts({ config: [oauth] })).message).toContain('mixing old and new auth mechanisms');
  });

  it('rejects unknown fields inside structured values', () => {
    const f = file('m.yaml', 'API:\n  Auth:\n    Methods:\n      Shared: {Type: ask, Polcy: x}\n');
    expect(loadError(opts({ config: [f] })).message).toContain(
      '"API.Auth.Methods.Shared.Polcy" is not a valid config key',
    );
  });

  it('refuses, naming the key, a negative default task timeout and an allow-list pattern that is no regular expression', () => {
    expect(
      loadError(opts({ config: ['JobDefaults.Batch.Task.Timeouts.TotalTimeout=-1s'] })).message,
    ).toContain('JobDefaults.Batch.Task.Timeouts.TotalTimeout');
    expect(
      loadError(opts({ config: ['JobDefaults.Ops.Task.Timeouts.ExecutionTimeout=-5s'] })).message,
    ).toContain('-5s is negative: give a positive duration, or 0s for no limit');
    const err = loadError(opts({ config: ['Compute.Env.AllowList=('] }));
    expect(err.message).toContain('Compute.Env.AllowList');
    expect(err.message).toContain('"(" is not a regular expression');
    // Go's syntax is read as Go reads it
    expect(load(opts({ config: ['Compute.Env.AllowList=(?i)^aws_'] })).Compute.Env.AllowList).toEqual([
      '(?i)^aws_',
    ]);
  });

  it('normalises allowed values', () => {
    const cfg = load(opts({ config: ['JobAdmissionControl.Locality=LOCAL', 'nameprovider=hostname'] }));
    expect(cfg.JobAdmissionControl.Locality).toBe('local');
    expect(cfg.NameProvider).toBe('hostname');
    expect(loadError(opts({ config: ['Logging.Mode=fancy'] })).message).toContain(
      'config key: "Logging.Mode" expects one of "default", "json", "cmd", received: "fancy"',
    );
  });
});

it('returns a deeply frozen config', () => {
  const cfg = load(opts());
  expect(Object.isFrozen(cfg)).toBe(true);
  expect(Object.isFrozen(cfg.Compute.Orchestrators)).toBe(true);
  expect(Object.isFrozen(cfg.API.Auth.Methods['ClientKey'])).toBe(true);
  expect(() => {
    (cfg.API as { Port: number }).Port = 1;
  }).toThrow(TypeError);
});
