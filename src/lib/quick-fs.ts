/**
 * File-system steps on a job's critical path that are done without leaving the event loop when they
 * are small. A thread-pool round trip is cheap in itself, but its callback waits behind whatever else
 * the loop has queued meanwhile: on a busy node each one costs a short job about a millisecond
 * (measured: preparing a WASM job's folders and inline module took 1.4–5.6 ms through the thread
 * pool). Creating a folder or a link, reading a file's metadata, reading or writing a few KiB takes
 * microseconds. Bigger reads and writes still go through the thread pool, so the loop never stalls on
 * them.
 */
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writev,
  writevSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { parentOf } from './byte-path.js';
import { settleNow } from './settle-now.js';

const writevAsync = promisify(writev);

/** Files up to this size are read or written at once. */
export const QuickBytes = 256 * 1024;

/**
 * `mkdir -p`; resolves with the first folder it created (undefined when `path` existed). A Buffer
 * path is bytes (byte-path.ts), for names that are not UTF-8.
 */
export function makeFolder<P extends string | Buffer>(path: P, mode?: number): Promise<P | undefined> {
  return settleNow(() => makeFolderNow(path, mode));
}

/**
 * `makeFolder` at once. Node's own `recursive` mkdir takes ~3x as long when it has to create parents
 * (0.27 against 0.09 ms for three levels, measured): parents are created here only when the folder's is
 * missing. It also reports a read-only file system as ENOENT; this reports EROFS.
 */
export function makeFolderNow<P extends string | Buffer>(path: P, mode?: number): P | undefined {
  try {
    return makeOneFolder(path, mode) ? path : undefined;
  } catch (err) {
    const parent = (typeof path === 'string' ? dirname(path) : parentOf(path)) as P;
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || parent.length === 0 || parent.length === path.length) throw err;
    const first = makeFolderNow(parent, mode);
    // Once only: under a parent that exists yet takes no new folders (/proc) this fails again with
    // ENOENT, where Node's recursive mkdir loops for ever.
    makeOneFolder(path, mode);
    return first ?? path;
  }
}

/** mkdir of one folder whose parent exists; false when the folder was already there. */
function makeOneFolder(path: string | Buffer, mode: number | undefined): boolean {
  try {
    mkdirSync(path, mode);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(path).isDirectory()) return false;
    throw err;
  }
}

/** A new folder named `prefix` + six random characters. */
export function makeTempFolder(prefix: string): Promise<string> {
  return settleNow(() => mkdtempSync(prefix));
}

export interface WriteOptions {
  mode?: number;
  signal?: AbortSignal;
  /** Fail with EEXIST rather than replace a file that is there. */
  exclusive?: boolean;
}

/** Writes `data` to `path`: at once when it is small, else through the thread pool. */
export function writeSmallFile(
  path: string | Buffer,
  data: Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  const { signal, exclusive, mode } = options;
  const flag = exclusive === true ? 'wx' : 'w';
  if (data.length > QuickBytes) return writeFile(path, data, { flag, mode, signal });
  return settleNow(() => {
    signal?.throwIfAborted();
    writeFileSync(path, data, mode === undefined ? { flag } : { flag, mode });
  });
}

/**
 * Writes `data` into `spare`, an empty file made ahead of time (compute/spare-folders.ts), and renames
 * it to `path`: creating a file allocates an inode, ~200 µs on this machine's disk against ~15 µs for
 * this. False, having done nothing, when there is no spare (or `data` is not small); a failure once the
 * spare was opened throws.
 */
export function writeIntoSpareFile(spare: string, path: string, data: string | Uint8Array): boolean {
  if (!fillSpareFile(spare, data)) return false;
  renameSync(spare, path);
  return true;
}

/**
 * Writes `data` into `spare` (see {@link writeIntoSpareFile}). Emptied as it is opened: a process
 * killed between a write and the spare's move leaves a spare holding that write.
 */
function fillSpareFile(spare: string, data: string | Uint8Array): boolean {
  if (data.length > QuickBytes) return false;
  let fd: number;
  try {
    fd = openSync(spare, constants.O_WRONLY | constants.O_TRUNC);
  } catch {
    return false;
  }
  try {
    writeFileSync(fd, data);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Moves `spare`, filled with `data`, to `path` unless something is there: a hard link and the spare's
 * removal, as a rename would replace that file (~5 µs more than a rename here). False, the spare left
 * as it is, when `path` is taken or no link can be made there (a file system without hard links: FAT,
 * some network and FUSE mounts), for the caller to write the file itself.
 */
function moveFilledSpareToNew(spare: string, path: string): boolean {
  try {
    linkSync(spare, path);
  } catch {
    return false;
  }
  unlinkSync(spare);
  return true;
}

/**
 * Moves `spare`, an empty folder made ahead of time (compute/spare-folders.ts), to `path`, which is
 * either absent or an empty folder (replaced): a rename where a mkdir would allocate an inode (~0.5 ms
 * on this machine's disk). False, having done nothing, when there is no spare or `path` holds
 * something.
 */
export function takeSpareFolder(spare: string, path: string): boolean {
  try {
    renameSync(spare, path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens `path` for writing, empty: created when absent, emptied when it holds something. Unlike
 * `openSync(path, 'w')` it leaves an empty file untruncated: ext4 flushes a file truncated by its open
 * to the disk when it is closed (its `auto_da_alloc` guard), which cost each result file's close ~0.1
 * ms of the event loop here; the files a spare folder holds are empty already.
 */
export function openEmptied(path: string): number {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o666);
  try {
    if (fstatSync(fd).size > 0) ftruncateSync(fd, 0);
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Names `writeNewFile` tries: one taken by chance is replaced; this many taken means something is wrong. */
const NewFileAttempts = 100;

/**
 * Writes `data` to a new file named `prefix` + eight random characters, as `mkdtemp` names folders,
 * never over an existing file; resolves with its path. What a failed write left of it is removed.
 * `spare`: an empty file made ahead of time to write it into instead, when it is there
 * ({@link writeIntoSpareFile}).
 */
export async function writeNewFile(
  prefix: string,
  data: Uint8Array,
  options: Omit<WriteOptions, 'exclusive'> & { spare?: string } = {},
): Promise<string> {
  const { spare, ...write } = options;
  for (let attempt = 1; ; attempt++) {
    const path = prefix + randomBytes(4).toString('hex');
    if (attempt === 1 && spare !== undefined && fillSpareFile(spare, data)) {
      if (moveFilledSpareToNew(spare, path)) return path;
      continue;
    }
    try {
      await writeSmallFile(path, data, { ...write, exclusive: true });
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // with O_EXCL, a file at `path` is one this call created
        await rm(path, { force: true });
        throw err;
      }
      if (attempt >= NewFileAttempts) throw err;
    }
  }
}

/** The metadata of `path` (symlinks followed), or undefined when there is nothing there. */
export function statPath(path: string): Promise<Stats | undefined> {
  return settleNow(() => statSync(path, { throwIfNoEntry: false }));
}

/** A hard link to `existing` at `path`. */
export function hardLink(existing: string, path: string): Promise<void> {
  return settleNow(() => linkSync(existing, path));
}

/** The content of `path`: at once when it is small, else through the thread pool. */
export async function readSmallFile(path: string): Promise<Buffer> {
  const info = await statPath(path);
  if (info !== undefined && info.isFile() && info.size <= QuickBytes) return readFileSync(path);
  return readFile(path);
}

/**
 * The first bytes of a file written through {@link writeAt} go at once: all of a short job's output
 * (no thread-pool round trips), while a task writing far more does not hold the loop on every chunk.
 */
export const QuickHeadBytes = 1024 * 1024;

/**
 * Writes `buffers` one after the other at `position` of the open file `fd`, all in one call (libuv
 * writes them all, splitting at the system's vector limit): at once within the file's first
 * {@link QuickHeadBytes}, else through the thread pool.
 */
export function writeAt(fd: number, buffers: readonly Uint8Array[], position: number): Promise<void> {
  const length = buffers.reduce((total, b) => total + b.length, 0);
  if (position + length > QuickHeadBytes) return writeAllAsync(fd, buffers, position);
  return settleNow(() => {
    for (let rest = nonEmpty(buffers), at = position; rest.length > 0;) {
      const written = writevSync(fd, rest, at);
      if (written === 0) throw nothingWritten();
      [rest, at] = [after(rest, written), at + written];
    }
  });
}

async function writeAllAsync(fd: number, buffers: readonly Uint8Array[], position: number): Promise<void> {
  for (let rest = nonEmpty(buffers), at = position; rest.length > 0;) {
    const { bytesWritten } = await writevAsync(fd, rest, at);
    if (bytesWritten === 0) throw nothingWritten();
    [rest, at] = [after(rest, bytesWritten), at + bytesWritten];
  }
}

/** A write that took nothing would be retried for ever. */
function nothingWritten(): Error {
  return Object.assign(new Error('write took no bytes'), { code: 'EIO' });
}

function nonEmpty(buffers: readonly Uint8Array[]): Uint8Array[] {
  return buffers.filter((b) => b.length > 0);
}

/** What is left of `buffers` once their first `bytes` were written (a short write). */
function after(buffers: Uint8Array[], bytes: number): Uint8Array[] {
  let skipped = 0;
  let i = 0;
  while (i < buffers.length && skipped + buffers[i]!.length <= bytes) skipped += buffers[i++]!.length;
  if (i === buffers.length) return [];
  return [buffers[i]!.subarray(bytes - skipped), ...buffers.slice(i + 1)];
}
