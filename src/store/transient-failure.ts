/**
 * Telling a database that fails for a while (a full disk, an I/O error, a lock another writer holds)
 * from one that refuses a write for good (a constraint, a damaged file): what is worth writing again
 * later, and how long to wait. Shared by the writers that must not give up on a write: the
 * orchestrator's compute reports, the compute node's execution outcomes.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { doublingDelayMs } from '../lib/backoff.js';
import { errorChain } from '../lib/error-chain.js';

const passingCodes = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|NOMEM)/u;

/** Whether `err`, or what caused it, is SQLite failing in a way that may pass. */
export function isPassingStoreFailure(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (e instanceof Database.SqliteError) return passingCodes.test(e.code);
  }
  return false;
}

/** Whether `err` is SQLite finding that a file is not a database, or a damaged one: no retry mends it. */
export function isDamagedDatabase(err: unknown): boolean {
  const code = err instanceof Database.SqliteError ? err.code : '';
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

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

/** The wait before attempt `attempt + 1` at such a write: 100 ms, doubling, at most 10 s. */
export function storeRetryDelayMs(attempt: number): number {
  return doublingDelayMs(attempt, { firstMs: 100, maxMs: 10_000 });
}
