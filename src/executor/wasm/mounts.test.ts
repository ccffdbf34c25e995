import { mkdtemp, rm } from 'node:fs/promises';
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
