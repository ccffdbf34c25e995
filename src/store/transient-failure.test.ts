import type * as Fs from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { datastoreFailure } from './errors.js';
import {
  fullDiskHint,
  isDamagedDatabase,
  isPassingStoreFailure,
  passingFailureHint,
  storeRetryDelayMs,
} from './transient-failure.js';

const sqlite = (code: string): Error => new Database.SqliteError('failed', code);

/** The space statfs says is left, while set (a full disk, without filling one). */
const disk = vi.hoisted(() => ({ available: undefined as number | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const statfsSync = (path: string) => {
    const stats = fs.statfsSync(path);
    return disk.available === undefined ? stats : { ...stats, bavail: disk.available };
  };
  return { ...fs, statfsSync };
});

describe('isPassingStoreFailure', () => {
  it('is true of a full disk, an I/O error or a lock, also as the cause of a store error', () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_BUSY', 'SQLITE_LOCKED']) {
      expect(isPassingStoreFailure(sqlite(code))).toBe(true);
    }
    expect(isPassingStoreFailure(datastoreFailure('job store write failed', sqlite('SQLITE_FULL')))).toBe(
      true,
    );
  });

  it('is false of what every attempt would meet again, and of anything not from SQLite', () => {
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_TOOBIG', 'SQLITE_CORRUPT', 'SQLITE_ERROR']) {
      expect(isPassingStoreFailure(sqlite(code))).toBe(false);
    }
    expect(isPassingStoreFailure(datastoreFailure('job store write failed', undefined))).toBe(false);
    expect(isPassingStoreFailure(new Error('SQLITE_FULL'))).toBe(false);
  });
});

describe('isDamagedDatabase', () => {
  it('is true of a file that is not a database or a damaged one, false of anything else', () => {
    for (const code of ['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX']) {
      expect(isDamagedDatabase(sqlite(code))).toBe(true);
    }
    for (const code of ['SQLITE_CANTOPEN', 'SQLITE_FULL', 'SQLITE_ERROR']) {
      expect(isDamagedDatabase(sqlite(code))).toBe(false);
    }
    expect(isDamagedDatabase(new Error('SQLITE_NOTADB'))).toBe(false);
  });
});

describe('passingFailureHint', () => {
  it('says what to free or raise for a full disk or a file SQLite could not open, naming the file', () => {
    expect(passingFailureHint(sqlite('SQLITE_FULL'), '/d/state.db')).toBe(
      'free space on the disk that holds /d/state.db',
    );
    const cannotOpen = passingFailureHint(sqlite('SQLITE_CANTOPEN'), '/d/state.db');
    expect(cannotOpen).toContain('SQLite could not open a file of /d/state.db');
    expect(cannotOpen).toContain('ulimit -n');
    for (const err of [sqlite('SQLITE_BUSY'), sqlite('SQLITE_ERROR'), new Error('SQLITE_FULL')]) {
      expect(passingFailureHint(err, '/d/state.db')).toBeUndefined();
    }
  });
});

describe('fullDiskHint', () => {
  it('takes an I/O error on a disk with no space left for a full disk (SQLite growing its -shm file)', () => {
    const path = `${tmpdir()}/state.db`;
    expect(passingFailureHint(sqlite('SQLITE_IOERR_SHMSIZE'), path)).toBeUndefined();
    disk.available = 0;
    try {
      expect(fullDiskHint(sqlite('SQLITE_IOERR_SHMSIZE'), path)).toBe(
        `free space on the disk that holds ${path}`,
      );
      expect(passingFailureHint(sqlite('SQLITE_IOERR_WRITE'), path)).toBe(
        `free space on the disk that holds ${path}`,
      );
      expect(fullDiskHint(sqlite('SQLITE_ERROR'), path)).toBeUndefined();
    } finally {
      disk.available = undefined;
    }
  });
});

describe('storeRetryDelayMs', () => {
  it('doubles from 100 ms up to 10 s', () => {
    expect([0, 1, 2, 6, 7, 30].map(storeRetryDelayMs)).toEqual([100, 200, 400, 6400, 10_000, 10_000]);
  });
});
