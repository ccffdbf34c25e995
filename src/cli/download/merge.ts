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
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { DownloadFilename } from '../../models/constants.js';
import type { FetchOptions } from './types.js';

const appendedFiles: ReadonlySet<string> = new Set(Object.values(DownloadFilename));
const FolderMode = 0o755;

type Kind = 'folder' | 'file';

type Step =
  | { kind: 'folder'; to: string }
  | { kind: 'move'; from: string; to: string }
  | { kind: 'append'; from: string; to: string };

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
      await mkdir(dirname(step.to), { recursive: true, mode: FolderMode });
      await rename(step.from, step.to);
    } else {
      await pipeline(createReadStream(step.from), createWriteStream(step.to, { flags: 'a', mode: 0o644 }));
    }
  }
}

async function planMerge(results: readonly string[], outputDir: string): Promise<Step[]> {
  const append = results.length > 1;
  const planned = new Map<string, Kind>();
  const steps: Step[] = [];
  /** Reserves `to` for one result's entry; folders are shared, appended files too, nothing else. */
  const claim = async (to: string, kind: Kind, appended = false): Promise<void> => {
    const existing = planned.get(to) ?? (await kindOnDisk(to));
    const fits =
      existing === undefined ||
      (existing === 'folder' && kind === 'folder') ||
      (existing === 'file' && appended);
    if (!fits) throw conflict(to);
    planned.set(to, kind);
  };
  for (const result of results) {
    for (const entry of await walk(result)) {
      const to = join(outputDir, entry.relative);
      if (entry.kind === 'folder') {
        await claim(to, 'folder');
        steps.push({ kind: 'folder', to });
      } else if (append && appendedFiles.has(entry.relative)) {
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
  from: string;
  relative: string;
  kind: Kind;
}

/** The contents of a result, parents before children; a single-file result is itself one entry. */
async function walk(result: string): Promise<Entry[]> {
  if (!(await lstat(result)).isDirectory())
    return [{ from: result, relative: basename(result), kind: 'file' }];
  const entries: Entry[] = [];
  const visit = async (folder: string, prefix: string): Promise<void> => {
    const children = (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const child of children) {
      const entry: Entry = {
        from: join(folder, child.name),
        relative: prefix === '' ? child.name : `${prefix}/${child.name}`,
        kind: child.isDirectory() ? 'folder' : 'file',
      };
      entries.push(entry);
      if (entry.kind === 'folder') await visit(entry.from, entry.relative);
    }
  };
  await visit(result, '');
  return entries;
}

async function kindOnDisk(path: string): Promise<Kind | undefined> {
  try {
    return (await lstat(path)).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function conflict(path: string): BacalhauError {
  return new BacalhauError(
    `cannot merge results as output already exists: ${path}. Try --raw to download raw results instead of merging them`,
    {
      code: ErrorCode.ResourceInUse,
      hint: 'Nothing was merged. Choose another --output-dir, or keep the results apart with --raw.',
    },
  );
}
