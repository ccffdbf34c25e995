/**
 * Merging downloaded results into the output directory (Go's `downloader.moveData`): every file of
 * every result is moved to the same relative path there. With more than one result the top-level
 * `stdout`, `stderr` and `exitCode` of each are appended, in result order, to one file each instead.
 * Any other path two results share, or one that already exists in the output directory, is a conflict.
 *
 * Unlike Go, every conflict is found before anything is moved, so a refused merge changes nothing;
 * and a result that is a single file (not an archive) is moved in by its name rather than dropped.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parentOf, pathUnder } from '../../lib/byte-path.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { DownloadFilename } from '../../models/constants.js';
import type { FetchOptions } from './types.js';

const appendedFiles: ReadonlySet<string> = new Set(Object.values(DownloadFilename));
const FolderMode = 0o755;

type Kind = 'folder' | 'file';

/** Paths are bytes (lib/byte-path.ts): a task may name its files with any bytes. */
type Step =
  | { kind: 'folder'; to: Buffer }
  | { kind: 'move'; from: Buffer; to: Buffer }
  | { kind: 'append'; from: Buffer; to: Buffer };

/**
 * Merges `results` (unpacked result directories, or single files) into `outputDir`.
 * @throws BacalhauError Go's `cannot merge results as output already exists: <path>. Try --raw …`
 */
export async function mergeResults(
  results: readonly string[],
  outputDir: string,
  options: FetchOptions = {},
): Promise<void> {
  const steps = await planMerge(results, outputDir);
  for (const step of steps) {
    options.signal?.throwIfAborted();
    if (step.kind === 'folder') {
      await mkdir(step.to, { recursive: true, mode: FolderMode });
    } else if (step.kind === 'move') {
      await mkdir(parentOf(step.to), { recursive: true, mode: FolderMode });
      await rename(step.from, step.to);
    } else {
      await pipeline(createReadStream(step.from), createWriteStream(step.to, { flags: 'a', mode: 0o644 }));
    }
  }
}

async function planMerge(results: readonly string[], outputDir: string): Promise<Step[]> {
  const append = results.length > 1;
  /** By path in latin1, which keeps every byte. */
  const planned = new Map<string, Kind>();
  const steps: Step[] = [];
  /** Reserves `to` for one result's entry; folders are shared, appended files too, nothing else. */
  const claim = async (to: Buffer, kind: Kind, appended = false): Promise<void> => {
    const existing = planned.get(to.toString('latin1')) ?? (await kindOnDisk(to));
    const fits =
      existing === undefined ||
      (existing === 'folder' && kind === 'folder') ||
      (existing === 'file' && appended);
    if (!fits) throw conflict(to);
    planned.set(to.toString('latin1'), kind);
  };
  for (const result of results) {
    for (const entry of await walk(result)) {
      const to = pathUnder(outputDir, entry.relative);
      if (entry.kind === 'folder') {
        await claim(to, 'folder');
        steps.push({ kind: 'folder', to });
      } else if (append && appendedFiles.has(entry.relative.toString())) {
        await claim(to, 'file', true);
        steps.push({ kind: 'append', from: entry.from, to });
      } else {
        await claim(to, 'file');
        steps.push({ kind: 'move', from: entry.from, to });
      }
    }
  }
  return steps;
}

interface Entry {
  from: Buffer;
  /** `/`-separated, below the result. */
  relative: Buffer;
  kind: Kind;
}

/** The contents of a result, parents before children; a single-file result is itself one entry. */
async function walk(result: string): Promise<Entry[]> {
  if (!(await lstat(result)).isDirectory())
    return [{ from: Buffer.from(result), relative: Buffer.from(basename(result)), kind: 'file' }];
  const entries: Entry[] = [];
  const visit = async (folder: Buffer, prefix: Buffer | undefined): Promise<void> => {
    const children = await readdir(folder, { withFileTypes: true, encoding: 'buffer' });
    children.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const child of children) {
      const entry: Entry = {
        from: pathUnder(folder, child.name),
        relative: prefix === undefined ? child.name : pathUnder(prefix, child.name),
        kind: child.isDirectory() ? 'folder' : 'file',
      };
      entries.push(entry);
      if (entry.kind === 'folder') await visit(entry.from, entry.relative);
    }
  };
  await visit(Buffer.from(result), undefined);
  return entries;
}

async function kindOnDisk(path: Buffer): Promise<Kind | undefined> {
  try {
    return (await lstat(path)).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function conflict(path: Buffer): BacalhauError {
  return new BacalhauError(
    `cannot merge results as output already exists: ${path.toString()}. Try --raw to download raw results instead of merging them`,
    {
      code: ErrorCode.ResourceInUse,
      hint: 'Nothing was merged. Choose another --output-dir, or keep the results apart with --raw.',
    },
  );
}
