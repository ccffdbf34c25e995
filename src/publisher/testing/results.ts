/**
 * Test helpers: a results folder with every shape an archive must keep, a snapshot to compare two
 * trees by, and a job naming a publisher.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { emptyJob, type Job, type SpecConfig } from '../../models/index.js';

/** A path longer than ustar's 100 + 155 bytes, so that it needs a PAX header. */
export const LongPath = join('long', 'x'.repeat(120), `${'y'.repeat(150)}.txt`);

/**
 * Writes a results folder into `dir` (which exists): what executors write (`stdout`, `stderr`,
 * `exitCode`) and an output folder with nested and empty folders, empty, binary, executable, private
 * and non-ASCII files and a long path. `seed` varies the contents between executions.
 */
export async function writeResults(dir: string, seed = 'results'): Promise<void> {
  const file = async (path: string, content: string | Buffer, mode = 0o644): Promise<void> => {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content, { mode });
  };
  await file('stdout', `${seed}\n`);
  await file('stderr', '');
  await file('exitCode', '0');
  await file('outputs/nested/deep/data.txt', `deep ${seed}`);
  await mkdir(join(dir, 'outputs', 'empty-dir'), { recursive: true });
  await file('outputs/empty-file', '');
  await file(
    'outputs/binary.bin',
    Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(300_000)]),
  );
  await file('outputs/run.sh', '#!/bin/sh\necho hi\n', 0o755);
  await file('outputs/private', seed, 0o600);
  await file('outputs/résumé ✓.txt', 'non-ASCII name');
  await file(join('outputs', LongPath), 'long');
}

/** Every entry below `dir` (not `dir` itself): `dir <mode>` or `file <mode> <sha256>`, by relative path. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const mode = ((await lstat(path)).mode & 0o7777).toString(8);
    entries[relative(dir, path)] = entry.isDirectory()
      ? `dir ${mode}`
      : `file ${mode} ${createHash('sha256')
          .update(await readFile(path))
          .digest('hex')}`;
  }
  return entries;
}

/** A job of one task that publishes with `publisher`. */
export function jobPublishingWith(publisher: SpecConfig, id = 'j-test'): Job {
  return {
    ...emptyJob(),
    ID: id,
    Name: id,
    Namespace: 'default',
    Type: 'batch',
    Count: 1,
    Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} }, Publisher: publisher }],
  };
}
