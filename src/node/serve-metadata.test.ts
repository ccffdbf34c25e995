import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type * as os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { load } from '../config/index.js';
import { SystemMetadataFile } from '../config/index.js';
import { loadNodeIdentity } from './serve-metadata.js';

vi.mock('node:os', async (actual) => ({
  ...(await actual<typeof os>()),
  hostname: () => 'node1.dc1.example',
}));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-metadata-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const config = () => load({ env: {}, home: dir, dataDir: dir });

describe('loadNodeIdentity', () => {
  it('keeps the name and instance given on first start, in a file written whole', () => {
    const first = loadNodeIdentity(config(), 'n-one');
    expect(loadNodeIdentity(config(), undefined)).toEqual({
      nodeName: 'n-one',
      instanceID: first.instanceID,
    });
    expect(readdirSync(dir).filter((name) => name.startsWith(SystemMetadataFile))).toEqual([
      SystemMetadataFile,
    ]);
  });

  it.each([
    ['my.node.1', 'node ID cannot contain any of the following characters: .*>'],
    ['bad name', 'node ID cannot contain spaces'],
  ])('refuses the new name %j without keeping it, so a good one can be given next', (name, problem) => {
    expect(() => loadNodeIdentity(config(), name)).toThrow(
      `invalid node name ${JSON.stringify(name)}: ${problem}`,
    );
    expect(readdirSync(dir)).toEqual([]);
    expect(loadNodeIdentity(config(), 'my-node-1').nodeName).toBe('my-node-1');
  });

  it('names the file, and the way out, when it is not valid YAML', () => {
    const path = join(dir, SystemMetadataFile);
    writeFileSync(path, 'NodeName: [unclosed\n');
    expect(() => loadNodeIdentity(config(), undefined)).toThrow(`${path} is not valid YAML: `);
  });

  it('names the file, and the way out, when it holds something else than a mapping (garbage)', () => {
    const path = join(dir, SystemMetadataFile);
    writeFileSync(path, 'garbage\n');
    expect(() => loadNodeIdentity(config(), undefined)).toThrow(
      expect.objectContaining({
        message: `${path} is not a YAML mapping`,
        hint: expect.stringMatching(/^Fix the file, or remove it: /u) as unknown,
      }),
    );
  });

  it('names a node after its host as Go does with NameProvider hostname: dots become dashes', () => {
    const named = load({ env: {}, home: dir, dataDir: dir, config: ['NameProvider=hostname'] });
    expect(loadNodeIdentity(named, undefined).nodeName).toBe('node1-dc1-example');
  });

  it.each([[4], [5]])('reads a data dir of repo version %d', (version) => {
    writeFileSync(join(dir, SystemMetadataFile), `RepoVersion: ${version}\nNodeName: n-go\n`);
    expect(loadNodeIdentity(config(), undefined).nodeName).toBe('n-go');
  });

  it.each([
    ['RepoVersion: 9', '9', 'It was written by a newer Bacalhau'],
    ['RepoVersion: 3', '3', 'Repository versions 4 and 5 are read'],
    ['NodeName: n-go', 'undefined', 'Repository versions 4 and 5 are read'],
  ])('refuses a data dir whose metadata says %j, as Go does', (text, version, hint) => {
    const path = join(dir, SystemMetadataFile);
    writeFileSync(path, `${text}\n`);
    const refusal = (() => {
      try {
        loadNodeIdentity(config(), undefined);
      } catch (err) {
        return err as { message: string; hint?: string };
      }
      return undefined;
    })();
    expect(refusal?.message).toBe(
      `Unsupported repository version ${version} in ${path}: Bacalhau does not know how to read this ` +
        'configuration format',
    );
    expect(refusal?.hint).toContain(hint);
  });
});
