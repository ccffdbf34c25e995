/**
 * Telling a database that fails for a while (a full disk, an I/O error, a lock another writer holds)
 * from one that refuses a write for good (a constraint, a damaged file): what is worth writing again
 * later, and how long to wait. Shared by the writers that must not give up on a write: the
 * orchestrator's compute reports, the compute node's execution outcomes.
 */
import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { doublingDelayMs } from '../lib/backoff.js';
import { DatabaseFileMoved } from '../lib/database-file-watch.js';
import { errorChain, RaiseOpenFilesLimit } from '../lib/error-chain.js';

const passingCodes = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|NOMEM)/u;

/**
 * Whether `err`, or what caused it, is SQLite failing in a way that may pass, or a write refused while
 * the database file is away from its path (it may be moved back).
 */
export function isPassingStoreFailure(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (e instanceof Database.SqliteError) return passingCodes.test(e.code);
    if (e instanceof DatabaseFileMoved) return true;
  }
  return false;
}

/** Whether `err` is SQLite finding that a file is not a database, or a damaged one: no retry mends it. */
export function isDamagedDatabase(err: unknown): boolean {
  const code = err instanceof Database.SqliteError ? err.code : '';
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

/** The hint for a store file that says it belongs to another program or store (`application_id`). */
export const ForeignStoreFileHint =
  'it belongs to another program or store: move it away, or give the node a data dir of its own';

/** The hint for a store file a newer build wrote (`user_version` above this build's). */
export const NewerStoreFileHint =
  'a newer bacalhau-ts wrote it: upgrade, or give this build a data dir of its own';

/**
 * The hint for a database file that cannot be opened because its path is a folder (SQLite says only
 * "unable to open database file"), or undefined.
 */
export function folderInPlaceHint(path: string): string | undefined {
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    // absent, or under something that is not a folder: the general hint fits
  }
  return isFolder ? `${path} is a folder, not a database file: move it away` : undefined;
}

/**
 * What to do about SQLite failing with the database at `path` in a way that may pass, when something
 * can be said: a full disk, or a file it could not open (its WAL or journal, mid-run) because the
 * process has no file descriptor left or the folder is not writable. Undefined otherwise.
 */
export function passingFailureHint(err: unknown, path: string): string | undefined {
  const code = err instanceof Database.SqliteError ? err.code : '';
  const fullDisk = fullDiskHint(err, path);
  if (fullDisk !== undefined) return fullDisk;
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return (
      `SQLite could not open a file of ${path}: the node may have no file descriptor left (` +
      `${RaiseOpenFilesLimit}), or its folder may not be writable`
    );
  }
  return undefined;
}

/**
 * What to do when SQLite failed with the database at `path` for want of disk space, or undefined. Not
 * only SQLITE_FULL: growing the shared-memory file of a WAL database on a full disk fails with
 * SQLITE_IOERR_SHMSIZE ("disk I/O error"), so an I/O error on a disk with no space left is one too.
 */
export function fullDiskHint(err: unknown, path: string): string | undefined {
  const code = err instanceof Database.SqliteError ? err.code : '';
  const full = code.startsWith('SQLITE_FULL') || (code.startsWith('SQLITE_IOERR') && noSpaceLeft(path));
  return full ? `free space on the disk that holds ${path}` : undefined;
}

function noSpaceLeft(path: string): boolean {
  try {
    return statfsSync(dirname(path)).bavail === 0;
  } catch {
    return false; // (no such folder, or no statfs here): nothing to say
  }
}

/** The wait before attempt `attempt + 1` at such a write: 100 ms, doubling, at most 10 s. */
export function storeRetryDelayMs(attempt: number): number {
  return doublingDelayMs(attempt, { firstMs: 100, maxMs: 10_000 });
}
