import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { load } from './load.js';
import { setConfigFileValue, type SetValueOptions } from './write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-write-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const set = (path: string, key: string, ...values: string[]) =>
  setConfigFileValue({ path, key, values, cwd: dir, home: dir } satisfies SetValueOptions);

describe('setConfigFileValue', () => {
  it('keeps secrets to their owner: a new data dir 0700, the file 0600 even where it was 0644', () => {
    const path = join(dir, 'data', 'config.yaml');
    const umask = process.umask(0);
    try {
      set(path, 'API.Port', '5678');
    } finally {
      process.umask(umask);
    }
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    chmodSync(path, 0o644);
    set(path, 'Orchestrator.Auth.Token', 's3cret');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('creates the file and its directory, writing canonical key names and typed values', () => {
    const path = join(dir, 'sub', 'config.yaml');
    expect(set(path, 'api.port', '5678')).toEqual({ key: 'API.Port', value: 5678 });
    set(path, 'orchestrator.nodemanager.disconnecttimeout', '90s');
    set(path, 'compute.orchestrators', 'nats://a:4222,nats://b:4222');
    set(path, 'labels', 'a=b,c=d');
    set(path, 'webui.enabled', 'true');
    expect(readFileSync(path, 'utf8')).toBe(
      [
        'API:',
        '  Port: 5678',
        'Orchestrator:',
        '  NodeManager:',
        '    DisconnectTimeout: 1m30s',
        'Compute:',
        '  Orchestrators:',
        '    - nats://a:4222',
        '    - nats://b:4222',
        'Labels:',
        '  a: b',
        '  c: d',
        'WebUI:',
        '  Enabled: true',
        '',
      ].join('\n'),
    );
    const cfg = load({ config: [path], env: {}, home: dir, cwd: dir });
    expect(cfg.API.Port).toBe(5678);
    expect(cfg.Compute.Orchestrators).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('keeps other keys, comments and the spelling of existing keys', () => {
    const path = join(dir, 'config.yaml');
    writeFileSync(path, '# my node\napi:\n  host: 1.2.3.4 # pinned\nlogging:\n  level: debug\n');
    set(path, 'API.Port', '99');
    set(path, 'Logging.Level', 'warn');
    expect(readFileSync(path, 'utf8')).toBe(
      '# my node\napi:\n  host: 1.2.3.4 # pinned\n  Port: 99\nlogging:\n  level: warn\n',
    );
  });

  it('several values make a list (deprecated `key value...` form)', () => {
    const path = join(dir, 'config.yaml');
    expect(set(path, 'Compute.Orchestrators', 'http://127.0.0.1:1234', 'http://1.1.1.1:1234').value).toEqual([
      'http://127.0.0.1:1234',
      'http://1.1.1.1:1234',
    ]);
  });

  it('rejects unknown keys and ill-typed values without writing', () => {
    const path = join(dir, 'config.yaml');
    const failure = (key: string, value: string): BacalhauError => {
      try {
        set(path, key, value);
      } catch (err) {
        if (err instanceof BacalhauError) return err;
        throw err;
      }
      throw new Error('expected failure');
    };
    const unknown = failure('invalid.key', 'x');
    expect(unknown.code).toBe(ErrorCode.ValidationError);
    expect(unknown.message).toBe('"invalid.key" is not a valid config key');
    expect(failure('api.prot', '1').message).toBe(
      '"api.prot" is not a valid config key (did you mean "API.Port"?)',
    );
    expect(failure('api.port', 'abc').message).toBe(
      'config key: "API.Port" expects an integer value, received: "abc"',
    );
    expect(failure('labels', 'novalue').message).toContain("no '=' in 'novalue'");
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to rewrite a file that is not UTF-8, leaving its bytes as they were', () => {
    const path = join(dir, 'config.yaml');
    const original = Buffer.concat([
      Buffer.from('Labels:\n  owner: "J'),
      Buffer.from([0xf6]),
      Buffer.from('rg"\n'),
    ]);
    writeFileSync(path, original);
    expect(() => set(path, 'API.Port', '1234')).toThrow(
      `config file "${path}": yaml: line 2, column 12: invalid UTF-8 (byte 0xf6)`,
    );
    expect(readFileSync(path)).toEqual(original);
  });

  it('makes DataDir absolute', () => {
    const path = join(dir, 'config.yaml');
    expect(set(path, 'datadir', 'state').value).toBe(join(dir, 'state'));
  });
});
