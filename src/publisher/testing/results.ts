/**
 * Test helpers: a results folder with every shape an archive must keep, a snapshot to compare two
 * trees by, and a job naming a publisher.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyJob, type Job, type SpecConfig } from '../../models/index.js';

/** A path longer than ustar's 100 + 155 bytes, so that it needs a PAX header. */
export const LongPath = join('long', 'x'.repeat(120), `${'y'.repeat(150)}.txt`);

/** A file name that is not UTF-8 (byte 0xFF), as a task may write: only a Buffer path names it. */
const NotUtf8Name = Buffer.from([0x78, 0xff]);

/**
 * Writes a results folder into `dir` (which exists): what executors write (`stdout`, `stderr`,
 * `exitCode`) and an output folder with nested and empty folders, empty, binary, executable, private
 * and non-ASCII files, a name that is not UTF-8 and a long path. `seed` varies the contents between
 * executions.
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
  await writeFile(Buffer.concat([Buffer.from(join(dir, 'outputs/')), NotUtf8Name]), 'not UTF-8 name');
  await file(join('outputs', LongPath), 'long');
}

/**
 * Every entry below `dir` (not `dir` itself): `dir <mode>` or `file <mode> <sha256>`, by relative path.
 * Paths are read as bytes and keyed in latin1 (one character per byte), so that a name that is not
 * UTF-8 is told apart from its U+FFFD replacement.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const visit = async (folder: Buffer, prefix: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true, encoding: 'buffer' })) {
      const path = Buffer.concat([folder, Buffer.from('/'), entry.name]);
      const key = `${prefix}${entry.name.toString('latin1')}`;
      const mode = ((await lstat(path)).mode & 0o7777).toString(8);
      if (entry.isDirectory()) {
        entries[key] = `dir ${mode}`;
        await visit(path, `${key}/`);
      } else {
        entries[key] = `file ${mode} ${createHash('sha256')
          .update(await readFile(path))
          .digest('hex')}`;
      }
    }
  };
  await visit(Buffer.from(dir), '');
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
