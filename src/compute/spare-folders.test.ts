import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSpares, SpareFolders } from './spare-folders.js';

const layout = { folders: ['results', 'logs'], files: ['results/stdout', 'logs/output.log'] };

let root: string;
let spareDir: string;
let spares: SpareFolders | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bacalhau-spares-'));
  spareDir = join(root, 'spare');
  mkdirSync(join(root, 'output'));
});
afterEach(async () => {
  await spares?.stop();
  spares = undefined;
  rmSync(root, { recursive: true, force: true });
});

async function started(options: { low?: number; high?: number } = {}): Promise<SpareFolders> {
  spares = new SpareFolders(spareDir, layout, options);
  await spares.start();
  await spares.filled();
  return spares;
}

describe('SpareFolders', () => {
  it('makes none before it is started', async () => {
    spares = new SpareFolders(spareDir, layout);
    expect(spares.take(join(root, 'output', 'e-1'))).toBe(false);
    await spares.filled();
    expect(existsSync(spareDir)).toBe(false);
  });

  it('moves a spare holding the layout to the target, its files empty', async () => {
    const ready = await started({ high: 3 });
    expect(readdirSync(spareDir)).toHaveLength(3);
    const target = join(root, 'output', 'e-1');
    expect(ready.take(target)).toBe(true);
    expect(readdirSync(target).sort()).toEqual(['logs', 'results']);
    expect(readFileSync(join(target, 'results', 'stdout'), 'utf8')).toBe('');
    expect(readFileSync(join(target, 'logs', 'output.log'), 'utf8')).toBe('');
  });

  it('stamps the moved folder with the time it was taken, as a folder made then', async () => {
    const ready = await started({ high: 2 });
    const longAgo = new Date('2001-01-01T00:00:00Z');
    for (const name of readdirSync(spareDir)) utimesSync(join(spareDir, name), longAgo, longAgo);
    const before = Date.now() - 1000;
    const target = join(root, 'output', 'e-1');
    expect(ready.take(target)).toBe(true);
    expect(statSync(target).mtimeMs).toBeGreaterThanOrEqual(before);
  });

  it('makes more as they are taken, so that a steady stream of starts always finds one', async () => {
    const ready = await started({ low: 2, high: 4 });
    for (let i = 0; i < 20; i++) {
      expect(ready.take(join(root, 'output', `e-${i}`))).toBe(true);
      await ready.filled();
    }
    expect(readdirSync(join(root, 'output'))).toHaveLength(20);
    expect(readdirSync(spareDir).length).toBeLessThanOrEqual(4);
  });

  it('says false when none is ready, and leaves the making to the caller', async () => {
    const ready = await started({ low: 1, high: 1 });
    expect(ready.take(join(root, 'output', 'e-1'))).toBe(true);
    expect(ready.take(join(root, 'output', 'e-2'))).toBe(false);
    expect(existsSync(join(root, 'output', 'e-2'))).toBe(false);
  });

  it('leaves a target that holds files as it is', async () => {
    const ready = await started();
    const target = join(root, 'output', 'e-1');
    mkdirSync(target);
    writeFileSync(join(target, 'kept'), 'mine');
    expect(ready.take(target)).toBe(false);
    expect(readdirSync(target)).toEqual(['kept']);
  });

  it('removes what a previous process left in its folder when it starts', async () => {
    mkdirSync(join(spareDir, '7', 'results'), { recursive: true });
    writeFileSync(join(spareDir, '7', 'results', 'stdout'), 'half made');
    await started({ high: 2 });
    expect(readdirSync(spareDir).sort()).toEqual(['0', '1']);
  });

  it('removes its spares when stopped, and makes no more', async () => {
    const ready = await started();
    await ready.stop();
    expect(existsSync(spareDir)).toBe(false);
    expect(ready.take(join(root, 'output', 'e-1'))).toBe(false);
    await ready.filled();
    expect(existsSync(spareDir)).toBe(false);
  });

  it('keeps making spares for one node when another of the process stopped (they share the worker)', async () => {
    const other = new SpareFolders(join(root, 'other-spare'), layout, { low: 1, high: 1 });
    await other.start();
    await other.filled();
    const ready = await started({ low: 1, high: 1 });
    await other.stop();
    await other.stop(); // idempotent: the worker is not let go of twice
    for (let i = 0; i < 3; i++) {
      expect(ready.take(join(root, 'output', `e-${i}`))).toBe(true);
      await ready.filled();
    }
  });

  it('gives up quietly when a refill fails, and makes spares again once it can', async () => {
    const ready = await started({ low: 1, high: 1 });
    rmSync(spareDir, { recursive: true });
    writeFileSync(spareDir, 'in the way');
    expect(ready.take(join(root, 'output', 'e-1'))).toBe(false); // the spare went with its folder
    await ready.filled();
    expect(ready.take(join(root, 'output', 'e-2'))).toBe(false);
    await ready.filled();
    rmSync(spareDir);
    expect(ready.take(join(root, 'output', 'e-3'))).toBe(false);
    await ready.filled();
    expect(ready.take(join(root, 'output', 'e-4'))).toBe(true);
  });

  it('gives up quietly when spares cannot be made, leaving nothing half made', async () => {
    // a file where its folder's parent should be: every mkdir fails (as on a full disk)
    writeFileSync(join(root, 'not-a-folder'), '');
    spares = new SpareFolders(join(root, 'not-a-folder', 'spare'), layout);
    await spares.start();
    await spares.filled();
    expect(spares.take(join(root, 'output', 'e-1'))).toBe(false);
    await spares.filled();
    expect(readdirSync(join(root, 'output'))).toEqual([]);
  });
});

describe('makeSpares', () => {
  it('stops at the first spare it cannot make, removing what it made of that one', async () => {
    const fs = await import('node:fs');
    mkdirSync(spareDir);
    const spares = ['a', 'b'].map((name) => join(spareDir, name));
    const broken = { folders: ['results'], files: ['results/stdout', 'no-such-folder/file'] };
    const answer = makeSpares(fs, join, spareDir, spares, broken);
    expect(answer).toEqual({ made: [], error: expect.stringMatching(/ENOENT/) as unknown });
    expect(readdirSync(spareDir)).toEqual([]);
    expect(makeSpares(fs, join, spareDir, spares, layout)).toEqual({ made: spares });
  });

  it('never removes a folder that was there before it', async () => {
    const fs = await import('node:fs');
    const there = join(spareDir, 'a');
    mkdirSync(there, { recursive: true });
    writeFileSync(join(there, 'kept'), 'not a spare');
    const answer = makeSpares(fs, join, spareDir, [there], layout);
    expect(answer).toEqual({ made: [], error: expect.stringMatching(/EEXIST/) as unknown });
    expect(readdirSync(there)).toEqual(['kept']);
  });
});
