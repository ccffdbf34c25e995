/**
 * One `serve` per data dir. A second process on the same dir would open the same SQLite files and,
 * as a compute node starting up, fail every execution it found unfinished: the running node's jobs.
 * (Bacalhau gets the same refusal from BoltDB's file lock.) The lock is `<DataDir>/bacalhau.lock`,
 * holding the owner's pid; taken before anything else of the node starts, removed when it stops.
 *
 * A lock whose pid is gone was left by a crash (kill -9) and is taken over, and so is an old one with
 * no pid in it; one made in the last second without a pid belongs to a node starting at this very
 * moment (between creating the file and writing its pid), and is respected. A lock's pid may have
 * been given to an unrelated process since (a reboot, or enough processes started): on Linux the lock
 * also says when its process started (`/proc/<pid>/stat`) in which boot, and a live process that
 * started at another time does not hold it; elsewhere, and for a lock of an earlier build, the refusal
 * names the pid and the lock file so the user can check. A lock holding this very pid is stale too (a
 * container restarted, the node is pid 1 again), unless this process holds it itself.
 */
import { closeSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { isDiskFull } from '../lib/error-chain.js';
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
    const holding = owner === undefined || owner.pid === process.pid ? 'no' : holdsLock(owner);
    if (holding !== 'no') throw inUse(dataDir, owner?.pid, component, holding === 'maybe' ? path : undefined);
    // no pid yet in a lock just made: another node is between creating it and writing its pid
    if (owner === undefined && isFresh(path)) throw inUse(dataDir, undefined, component);
    if (round > 0) throw inUse(dataDir, owner?.pid, component);
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
      if (lockOwner(path)?.pid === process.pid) rmSync(path, { force: true });
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
    const started = processStart(process.pid);
    writeSync(fd, `${process.pid}\n${started === undefined ? '' : `${StartedPrefix}${started}\n`}`);
  } catch (err) {
    // (a full disk) an empty lock left behind would hold the dir for a second, and look odd for ever
    closeSync(fd);
    rmSync(path, { force: true });
    throw err;
  }
  closeSync(fd);
  return true;
}

/** The lock's second line, on Linux: `started <start time in clock ticks since boot> <boot id>`. */
const StartedPrefix = 'started ';

interface LockOwner {
  pid: number;
  /** When the process started, if the lock says (see {@link processStart}). */
  started?: string;
}

/** Who the lock file names; undefined when it is gone or holds no pid (then it is stale). */
function lockOwner(path: string): LockOwner | undefined {
  try {
    const [first = '', second = ''] = readFileSync(path, 'utf8').split('\n');
    const pid = Number.parseInt(first.trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return second.startsWith(StartedPrefix) ? { pid, started: second.slice(StartedPrefix.length) } : { pid };
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's process holds it: 'yes' when it is alive and started when the lock says, 'maybe'
 * when it is alive and nothing tells when it started (not Linux, a lock of an earlier build).
 */
function holdsLock(owner: LockOwner): 'yes' | 'maybe' | 'no' {
  if (!isAlive(owner.pid)) return 'no';
  const started = owner.started === undefined ? undefined : processStart(owner.pid);
  if (started === undefined) return 'maybe';
  return started === owner.started ? 'yes' : 'no';
}

/**
 * When `pid` started, as Linux tells it: its start time in clock ticks since boot and the boot's ID
 * (a pid reused after a reboot may start at the same tick). Undefined where there is no /proc.
 */
function processStart(pid: number): string | undefined {
  // starttime is the 22nd field of /proc/<pid>/stat
  const startTicks = procStat(pid)?.[19];
  if (startTicks === undefined) return undefined;
  try {
    return `${startTicks} ${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`;
  } catch {
    return undefined;
  }
}

/**
 * The fields of `/proc/<pid>/stat` from the third on (state first), on Linux: the line is
 * `<pid> (<command, may hold spaces and parens>) <state> …`. Undefined elsewhere or when it is gone.
 */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
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
  return procStat(pid)?.[0] === 'Z';
}

function unusable(dataDir: string, err: unknown, component: string): BacalhauError {
  return new BacalhauError(`cannot use data dir ${dataDir}: ${(err as Error).message}`, {
    code: ErrorCode.ConfigurationError,
    component,
    hint: isDiskFull(err)
      ? `free space on the disk that holds ${dataDir}, or choose a data dir on another with --data-dir`
      : 'choose a data dir this user can write with --data-dir (or BACALHAU_DIR)',
    cause: err,
  });
}

/** `unverifiedLock`: the lock file, when its pid may have been given to another process since. */
function inUse(
  dataDir: string,
  pid: number | undefined,
  component: string,
  unverifiedLock?: string,
): BacalhauError {
  const owner = pid === undefined ? 'starting' : pid === process.pid ? 'this process' : `process ${pid}`;
  const stale =
    unverifiedLock === undefined ? '' : ` (if process ${pid} is not a node, remove ${unverifiedLock})`;
  return new BacalhauError(`data dir ${dataDir} is in use by another node (${owner})`, {
    code: ErrorCode.ResourceInUse,
    component,
    hint: `stop that node first${stale}, or give this one its own data dir with --data-dir (or BACALHAU_DIR)`,
  });
}
