import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { prepareMounts } from './mounts.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-wasm-mounts-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The folders a task with these outputs sees: guest path → host folder under the results. */
async function outputFolders(outputs: { Name: string; Path: string }[]): Promise<Record<string, string>> {
  const mounts = await prepareMounts({ inputs: [], outputs, resultsDir: dir, scratchDir: dir });
  await mounts.release();
  return Object.fromEntries(mounts.preopens.map((p) => [p.guest, p.host.slice(dir.length + 1)]));
}

it("mounts each output at its Path, and at /<Name> where no other output's Path is, in any order", async () => {
  // output b's alias /b is output c's Path: c keeps it, whichever comes first
  const outputs = [
    { Name: 'b', Path: '/a' },
    { Name: 'c', Path: '/b' },
  ];
  const expected = { '/a': 'b', '/b': 'c', '/c': 'c' };
  expect(await outputFolders(outputs)).toEqual(expected);
  expect(await outputFolders([...outputs].reverse())).toEqual(expected);
});

it("refuses an output whose /<Name> is an input's target or holds one, where Bacalhau mounts the output", async () => {
  const input = join(dir, 'input');
  await mkdir(input);
  const withInputAt = (target: string) =>
    prepareMounts({
      inputs: [{ source: input, target, readOnly: false }],
      outputs: [{ Name: 'data', Path: '/outputs' }],
      resultsDir: dir,
      scratchDir: dir,
    });
  await expect(withInputAt('/data')).rejects.toThrow(
    'result path "data" is mounted at /data too, where Bacalhau mounts a WASM task\'s results, and an ' +
      'input is mounted at /data: give the result path another Name',
  );
  // under it, the task's writes would reach the input too
  await expect(withInputAt('/data/sub')).rejects.toThrow(
    'and an input is mounted at /data/sub: give the result path another Name',
  );
  await (await withInputAt('/database')).release();
  // its own Path there is no conflict
  expect(await outputFolders([{ Name: 'data', Path: '/data' }])).toEqual({ '/data': 'data' });
});

it('refuses two file inputs that land on one guest path, however their targets are written', async () => {
  const [local, submitted] = [join(dir, 'operator.txt'), join(dir, 'submitted.txt')];
  await writeFile(local, 'operator data');
  await writeFile(submitted, 'submitted data');
  const mounts = prepareMounts({
    inputs: [
      { source: local, target: '/data/x.txt', readOnly: true },
      { source: submitted, target: '/data//x.txt', readOnly: true },
    ],
    outputs: [],
    resultsDir: dir,
    scratchDir: dir,
  });
  await expect(mounts).rejects.toThrow('two inputs have the target "/data/x.txt"');
  expect(await readFile(local, 'utf8')).toBe('operator data');
});
