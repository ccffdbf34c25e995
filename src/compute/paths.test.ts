import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimWasmInputs } from '../executor/local-inputs-on-host.js';
import { ExecutionPaths } from './paths.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('ExecutionPaths.start', () => {
  it('keeps local inputs off its folders, by their real path: a data dir given through a link is the same', async () => {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'link'));
    const paths = new ExecutionPaths(join(root, 'link', 'executions'));
    await paths.start();
    try {
      for (const path of [join(root, 'real'), join(root, 'real', 'executions', 'output')]) {
        expect(await claimWasmInputs([{ path, writable: false }])).toMatchObject({
          conflict: expect.stringContaining(
            `overlaps "${join(root, 'real', 'executions')}", where a node of this process keeps its executions' folders`,
          ) as unknown,
        });
      }
    } finally {
      await paths.stop();
    }
  });
});

describe('ExecutionPaths.prepare', () => {
  it("creates the execution's folders", async () => {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    const paths = new ExecutionPaths(root);
    const dirs = await paths.prepare('e-1');
    expect([dirs.results, dirs.logs].map((d) => existsSync(d))).toEqual([true, true]);
    expect(readdirSync(dirs.results)).toEqual([]);
  });

  it('empties the results of an execution prepared again, and keeps other executions apart', async () => {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    const paths = new ExecutionPaths(root);
    const first = await paths.prepare('e-1');
    writeFileSync(join(first.results, 'stdout'), 'old');
    const other = await paths.prepare('e-2');
    writeFileSync(join(other.results, 'stdout'), 'other');
    const again = await paths.prepare('e-1');
    expect(readdirSync(again.results)).toEqual([]);
    expect(readdirSync(other.results)).toEqual(['stdout']);
  });

  it('keeps the results of an execution run again after a restart when asked to', async () => {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    const paths = new ExecutionPaths(root);
    const first = await paths.prepare('e-1');
    writeFileSync(join(first.results, 'stdout'), 'still running');
    const again = await paths.prepare('e-1', { keepResults: true });
    expect(readdirSync(again.results)).toEqual(['stdout']);
  });
});

describe('ExecutionPaths with spare folders', () => {
  let paths: ExecutionPaths | undefined;
  afterEach(async () => {
    await paths?.stop();
    paths = undefined;
  });

  async function started(): Promise<ExecutionPaths> {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    paths = new ExecutionPaths(root, { spares: { low: 1, high: 2 } });
    await paths.start();
    // not the folders on disk: a test that saw them there could still find none to take
    await paths.sparesReady();
    expect(readdirSync(join(root, 'spare'))).toHaveLength(2);
    return paths;
  }

  it("moves a spare into place, holding the empty files an execution's recorder opens", async () => {
    const ready = await started();
    const dirs = await ready.prepare('e-1');
    expect(dirs.root).toBe(join(root, 'output', 'e-1'));
    expect(readdirSync(dirs.results).sort()).toEqual(['stderr', 'stdout']);
    // its log, under another name until the task starts: `job logs` tells one that never ran by that;
    // and its exit code, out of the results until written
    expect(readdirSync(dirs.logs).sort()).toEqual(['spare-exit-code', 'spare-output.log']);
    // the file of an inline input, and the folder of a WASM task's file inputs
    expect(readdirSync(dirs.root).sort()).toEqual([
      'logs',
      'results',
      'spare-file-inputs',
      'spare-inline-input',
    ]);
    expect(readdirSync(join(root, 'spare'))).toHaveLength(1);
  });

  it('keeps the results of an execution run again after a restart, without a spare', async () => {
    const ready = await started();
    const first = await ready.prepare('e-1');
    writeFileSync(join(first.results, 'stdout'), 'still running');
    await ready.prepare('e-1', { keepResults: true });
    expect(readFileSync(join(first.results, 'stdout'), 'utf8')).toBe('still running');
    expect(readdirSync(join(root, 'spare'))).toHaveLength(1);
  });

  it('empties the results of an execution prepared again, as without spares', async () => {
    const ready = await started();
    const first = await ready.prepare('e-1');
    writeFileSync(join(first.results, 'stdout'), 'old');
    const again = await ready.prepare('e-1');
    expect(readdirSync(again.results)).toEqual([]);
  });

  it('starts without spares when their folders cannot be made, each execution then failing on its own', async () => {
    root = mkdtempSync(join(tmpdir(), 'bacalhau-paths-'));
    writeFileSync(join(root, 'output'), 'not a folder');
    paths = new ExecutionPaths(root, { spares: {} });
    await paths.start();
    expect(existsSync(join(root, 'spare'))).toBe(false);
    await expect(paths.prepare('e-1')).rejects.toThrow(/ENOTDIR|EEXIST/);
  });

  it('removes its spares when stopped', async () => {
    const ready = await started();
    await ready.stop();
    expect(existsSync(join(root, 'spare'))).toBe(false);
  });
});
