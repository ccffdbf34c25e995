/**
 * One `serve` per data dir. A second process on the same dir would open the same SQLite files and,
 * as a compute node starting up, fail every execution it found unfinished: the running node's jobs.
 * (Bacalhau gets the same refusal from BoltDB's file lock.) The lock is `<DataDir>/bacalhau.lock`,
 * holding the owner's pid; taken before anything else of the node starts, removed when it stops.
 *
 * A lock whose pid is gone was left by a crash (kill -9) and is taken over, and so is an old one with
 * no pid in it; one made in the last second without a pid belongs to a node starting at this very
 * moment (between creating the file and writing its pid), and is respected. A lock's pid may have
 * been given to an unrelated process since; then the refusal names the pid so the user can check.
 * A lock holding this very pid is stale too (a container restarted, the node is pid 1 again), unless
 * this process holds it itself.
 */
import { closeSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { makeFolderNow } from '../lib/quick-fs.js';

export const LockFile = 'bacalhau.lock';

/** Data dirs (real paths) this process holds. */
const held = new Set<string>();

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock if it is still this process's. Idempotent. */
  release(): void;
}

/**
 * @throws BacalhauError ResourceInUse when another live process (or this one) holds the dir;
 *   ConfigurationError when the dir cannot be created or written.
 */
export function lockDataDir(dataDir: string, component: string): DataDirLock {
  let realDir: string;
  try {
    makeFolderNow(dataDir);
    realDir = realpathSync(dataDir);
  } catch (err) {
    throw unusable(dataDir, err, component);
  }
  const path = join(realDir, LockFile);
  if (held.has(realDir)) throw inUse(dataDir, process.pid, component);
  // two rounds at most: a stale lock is removed, then created anew (or lost to a faster process)
  for (let round = 0; ; round++) {
    let created: boolean;
    try {
      created = createLock(path);
    } catch (err) {
      throw unusable(dataDir, err, component); // read-only, or owned by another user
    }
    if (created) break;
    const owner = lockOwner(path);
    if (owner !== undefined && owner !== process.pid && isAlive(owner))
      throw inUse(dataDir, owner, component);
    // no pid yet in a lock just made: another node is between creating it and writing its pid
    if (owner === undefined && isFresh(path)) throw inUse(dataDir, undefined, component);
    if (round > 0) throw inUse(dataDir, owner, component);
    rmSync(path, { force: true });
  }
  held.add(realDir);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      held.delete(realDir);
      if (lockOwner(path) === process.pid) rmSync(path, { force: true });
    },
  };
}

/** Creates the lock file holding this pid; false when it exists. */
function createLock(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The pid in the lock file; undefined when it is gone or holds no pid (then it is stale). */
function lockOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Made in the last second (a lock's pid is written right after the file is created). */
function isFresh(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 1000;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A process killed (kill -9) but not yet reaped by its parent still answers signals for a moment; on
 * Linux its state in /proc says it is dead (Z). Elsewhere nothing is known: not a zombie.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `<pid> (<command, may hold spaces and parens>) <state> …`
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

function unusable(dataDir: string, err: unknown, component: string): BacalhauError {
  return new BacalhauError(`cannot use data dir ${dataDir}: ${(err as Error).message}`, {
    code: ErrorCode.ConfigurationError,
    component,
    hint: 'choose a data dir this user can write with --data-dir (or BACALHAU_DIR)',
    cause: err,
  });
}

function inUse(dataDir: string, pid: number | undefined, component: string): BacalhauError {
  const owner = pid === undefined ? 'starting' : pid === process.pid ? 'this process' : `process ${pid}`;
  return new BacalhauError(`data dir ${dataDir} is in use by another node (${owner})`, {
    code: ErrorCode.ResourceInUse,
    component,
    hint: 'stop that node first, or give this one its own data dir with --data-dir (or BACALHAU_DIR)',
  });
}
