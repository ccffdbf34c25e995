import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { load } from '../config/index.js';
import { SystemMetadataFile } from '../config/index.js';
import { loadNodeIdentity } from './serve-metadata.js';

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
});
