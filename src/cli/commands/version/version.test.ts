import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../../../test/helpers/cli.js';
import { buildVersionInfo } from '../../../lib/build-info.js';
import { versionColumns, type Versions } from './version.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-version-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => cli(args, { cwd: dir, env: { HOME: dir } });
const info = buildVersionInfo();

describe('bacalhau version', () => {
  it('prints a client column (and the update message column) as a table', async () => {
    const { code, stdout } = await run(['version', '--client', '--no-style']);
    expect(code).toBe(0);
    const width = Math.max('CLIENT'.length, info.GitVersion.length);
    expect(stdout).toBe(
      ` ${'CLIENT'.padEnd(width)}  UPDATE MESSAGE \n` +
        ` ${info.GitVersion.padEnd(width)}  ${' '.repeat(14)} \n`,
    );
  });

  it('prints {"clientVersion": {...}} as json and yaml', async () => {
    const json = await run(['version', '--client', '--output', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ clientVersion: { ...info } });
    expect(json.stdout.endsWith('}\n')).toBe(true);
    const yaml = await run(['version', '--client', '--output', 'yaml']);
    expect(yaml.stdout.startsWith('clientVersion:\n  BuildDate:')).toBe(true);
    expect(parseYaml(yaml.stdout)).toEqual({ clientVersion: { ...info } });
    const csv = await run(['version', '--client', '--output', 'csv']);
    expect(csv.stdout).toBe(`client,Update Message\n${info.GitVersion},\n`);
  });

  it('gives up on a server that accepts the connection and never answers, after 3 s', async () => {
    const server = createServer(() => undefined).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = String((server.address() as AddressInfo).port);
      const { code, stderr } = await run(['--api-host', '127.0.0.1', '--api-port', port, 'version']);
      expect(code).toBe(0);
      expect(stderr).toBe('Warning: failed to get the server version: the server did not answer within 3s\n');
    } finally {
      server.close();
    }
  });

  it('rejects a broken configuration', async () => {
    const { code, stderr } = await run(['-c', 'api.prot=1', 'version']);
    expect(code).toBe(1);
    expect(stderr).toContain('"api.prot" is not a valid config key');
  });
});

describe('versionColumns', () => {
  const v: Versions = {
    clientVersion: info,
    serverVersion: { ...info, GitVersion: 'v1.7.0' },
    updateMessage: 'A new version is available',
  };
  it('adds a column per version and prints the update message above tables', () => {
    expect(versionColumns(v, 'table').map((c) => c.name)).toEqual(['client', 'server']);
    expect(versionColumns(v, 'csv').map((c) => c.name)).toEqual(['client', 'server', 'Update Message']);
    expect(versionColumns({ clientVersion: info }, 'table').map((c) => c.name)).toEqual([
      'client',
      'Update Message',
    ]);
  });
});
