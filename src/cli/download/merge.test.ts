import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../models/bacerrors.js';
import { mergeResults } from './merge.js';
import { executionFiles, treeOf } from './testing.js';

let dir: string;
let out: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'download-merge-'));
  out = join(dir, 'out');
  await mkdir(out);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A result folder `raw/<name>` holding `files`. */
async function result(name: string, files: Record<string, string>): Promise<string> {
  const root = join(dir, 'raw', name);
  await mkdir(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

const conflictAt = (path: string): string =>
  `cannot merge results as output already exists: ${path}. Try --raw to download raw results instead of merging them`;

describe('mergeResults', () => {
  it('moves every file of a single result, stdout and friends included', async () => {
    const files = executionFiles('e-1', { 'outputs/a.txt': 'a', 'outputs/sub/b.txt': 'b' });
    await mergeResults([await result('e-1', files)], out);
    expect(await treeOf(out)).toEqual({ ...files, 'outputs/': '', 'outputs/sub/': '' });
    expect(await treeOf(join(dir, 'raw/e-1'))).toEqual({ 'outputs/': '', 'outputs/sub/': '' });
  });

  it('appends stdout, stderr and exitCode of three results in order, and merges their folders', async () => {
    const results = [
      await result('e-1', executionFiles('e-1', { 'outputs/1.txt': '1' })),
      await result('e-2', { ...executionFiles('e-2', { 'outputs/2.txt': '2' }), exitCode: '1' }),
      await result('e-3', executionFiles('e-3', { 'logs/stdout': 'not appended' })),
    ];
    await mergeResults(results, out);
    expect(await treeOf(out)).toEqual({
      stdout: 'e-1 out\ne-2 out\ne-3 out\n',
      stderr: 'e-1 err\ne-2 err\ne-3 err\n',
      exitCode: '010',
      'outputs/': '',
      'outputs/1.txt': '1',
      'outputs/2.txt': '2',
      'logs/': '',
      'logs/stdout': 'not appended',
    });
  });

  it('appends to the stdout of an earlier download in the output folder', async () => {
    await writeFile(join(out, 'stdout'), 'before\n');
    await mergeResults(
      [await result('e-1', { stdout: 'one\n' }), await result('e-2', { stdout: 'two\n' })],
      out,
    );
    expect(await treeOf(out)).toEqual({ stdout: 'before\none\ntwo\n' });
  });

  it('refuses two results with the same output file before moving anything', async () => {
    const results = [
      await result('e-1', executionFiles('e-1', { 'outputs/same.txt': '1' })),
      await result('e-2', executionFiles('e-2', { 'outputs/same.txt': '2' })),
    ];
    await expect(mergeResults(results, out)).rejects.toMatchObject({
      code: ErrorCode.ResourceInUse,
      message: conflictAt(join(out, 'outputs/same.txt')),
    });
    expect(await treeOf(out)).toEqual({});
  });

  it.each([
    ['a file the result has', { stdout: 'old' }, 'stdout'],
    ['a file where the result has a folder', { outputs: 'old' }, 'outputs'],
    ['a folder where the result has a file', { 'stderr/x': 'old' }, 'stderr'],
  ])('refuses a single result when the output folder already has %s', async (_name, existing, clash) => {
    for (const [path, content] of Object.entries(existing)) {
      await mkdir(dirname(join(out, path)), { recursive: true });
      await writeFile(join(out, path), content);
    }
    const before = await treeOf(out);
    const files = executionFiles('e-1', { 'outputs/a.txt': 'a' });
    await expect(mergeResults([await result('e-1', files)], out)).rejects.toThrow(
      conflictAt(join(out, clash)),
    );
    expect(await treeOf(out)).toEqual(before);
  });

  it('refuses a folder named like an appended file in another result', async () => {
    const results = [await result('e-1', { stdout: '1' }), await result('e-2', { 'stdout/x': '2' })];
    await expect(mergeResults(results, out)).rejects.toThrow(conflictAt(join(out, 'stdout')));
  });

  it('moves a result that is a single file in by its name', async () => {
    const file = join(dir, 'raw', 'host_report.csv');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, 'a,b\n');
    await mergeResults([file], out);
    expect(await treeOf(out)).toEqual({ 'host_report.csv': 'a,b\n' });
  });
});
