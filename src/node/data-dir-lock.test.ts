import { spawn } from 'node:child_process';
import type * as Fs from 'node:fs';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../models/bacerrors.js';
import { LockFile, lockDataDir, type DataDirLock } from './data-dir-lock.js';

/** Writes through node:fs fail with this code while it is set (a full disk, without filling one). */
const failing = vi.hoisted(() => ({ writes: undefined as string | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const writeSync = (...args: Parameters<typeof fs.writeSync>): number => {
    if (failing.writes !== undefined) {
      throw Object.assign(new Error(`${failing.writes}: no space left on device, write`), {
        code: failing.writes,
      });
    }
    return fs.writeSync(...args);
  };
  return { ...fs, writeSync };
});

describe('lockDataDir', () => {
  const dirs: string[] = [];
  const locks: DataDirLock[] = [];
  const newDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-lock-'));
    dirs.push(dir);
    return dir;
  };
  const lock = (dir: string): DataDirLock => {
    const taken = lockDataDir(dir, 'Test');
    locks.push(taken);
    return taken;
  };
  afterEach(() => {
    locks.splice(0).forEach((l) => l.release());
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    throw new Error('it did not throw');
  };

  /** The pid a lock file names (its first line). */
  const lockPid = (path: string): string => readFileSync(path, 'utf8').split('\n')[0] ?? '';
  const linux = existsSync('/proc/self/stat');

  /** The pid of a process that has ended (and so cannot hold a lock). */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    return child.pid!;
  }

  it('writes this pid into <dir>/bacalhau.lock, creating the dir, and removes it on release', () => {
    const dir = join(newDir(), 'nested', 'data');
    const taken = lock(dir);
    expect(taken.path).toBe(join(dir, LockFile));
    expect(lockPid(taken.path)).toBe(`${process.pid}`);
    // on Linux, when this process started too: a later process given the same pid does not hold it
    if (linux) expect(readFileSync(taken.path, 'utf8')).toMatch(/^\d+\nstarted \d+ [\da-f-]{36}\n$/u);
    taken.release();
    expect(existsSync(taken.path)).toBe(false);
    taken.release();
  });

  it('refuses a dir this process holds, and takes it once released', () => {
    const dir = newDir();
    const first = lock(dir);
    expect(thrown(() => lockDataDir(dir, 'Test'))).toMatchObject({
      code: ErrorCode.ResourceInUse,
      message: `data dir ${dir} is in use by another node (this process)`,
      hint: 'stop that node first, or give this one its own data dir with --data-dir (or BACALHAU_DIR)',
    });
    first.release();
    expect(() => lock(dir)).not.toThrow();
  });

  it('refuses a dir whose lock names a live process, and leaves that lock alone', async () => {
    const dir = newDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, LockFile), `${holder.pid}\n`);
      expect(thrown(() => lockDataDir(dir, 'Test'))).toMatchObject({
        message: `data dir ${dir} is in use by another node (process ${holder.pid})`,
        hint:
          `stop that node first (if process ${holder.pid} is not a node, remove ${join(dir, LockFile)}), ` +
          'or give this one its own data dir with --data-dir (or BACALHAU_DIR)',
      });
      expect(readFileSync(join(dir, LockFile), 'utf8')).toBe(`${holder.pid}\n`);
    } finally {
      holder.kill();
      await once(holder, 'exit');
    }
  });

  it.skipIf(!linux)(
    'takes over a lock whose pid a process that started later was given, and refuses it for the one that took it',
    async () => {
      const dir = newDir();
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
      try {
        await once(holder, 'spawn');
        const fields = readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        const bootID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
        const startedAt = (ticks: string) => `${holder.pid}\nstarted ${ticks} ${bootID}\n`;
        writeFileSync(join(dir, LockFile), startedAt(fields[19]!));
        // the lock is known to be that process's: removing it is no advice
        expect(thrown(() => lockDataDir(dir, 'Test'))).toMatchObject({
          message: `data dir ${dir} is in use by another node (process ${holder.pid})`,
          hint: 'stop that node first, or give this one its own data dir with --data-dir (or BACALHAU_DIR)',
        });
        writeFileSync(join(dir, LockFile), startedAt(String(Number(fields[19]) - 1)));
        expect(lockPid(lock(dir).path)).toBe(`${process.pid}`);
      } finally {
        holder.kill();
        await once(holder, 'exit');
      }
    },
  );

  it('takes over a lock left by a process that died (kill -9), or an old one holding no pid', async () => {
    const dir = newDir();
    writeFileSync(join(dir, LockFile), `${await deadPid()}\n`);
    lock(dir).release();
    const empty = join(dir, LockFile);
    writeFileSync(empty, '');
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(empty, aMinuteAgo, aMinuteAgo);
    expect(lockPid(lock(dir).path)).toBe(`${process.pid}`);
  });

  // Linux: the process state comes from /proc; a dash-like sh leaves its background child unreaped
  it.skipIf(!existsSync('/proc/self/stat'))(
    'takes over a lock whose process was killed and not yet reaped (a zombie)',
    async () => {
      const dir = newDir();
      // The child exits once its parent has become `sleep 30`, which never reaps it. Not `sleep 0`: a
      // child that exits before the `exec` may be reaped by the shell, and no zombie ever appears.
      const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30']);
      try {
        const [line] = (await once(parent.stdout, 'data')) as [Buffer];
        const zombie = Number(line.toString().trim());
        // a second, and on a loaded machine more: longer than waitFor's default
        await vi.waitFor(() => expect(readFileSync(`/proc/${zombie}/stat`, 'utf8')).toMatch(/\) Z /u), {
          timeout: 10_000,
        });
        writeFileSync(join(dir, LockFile), `${zombie}\n`);
        expect(lockPid(lock(dir).path)).toBe(`${process.pid}`);
      } finally {
        parent.kill();
        await once(parent, 'exit');
      }
    },
  );

  it('refuses a lock just made that holds no pid yet: another node is taking it', () => {
    const dir = newDir();
    writeFileSync(join(dir, LockFile), '');
    expect(() => lockDataDir(dir, 'Test')).toThrow(`data dir ${dir} is in use by another node (starting)`);
  });

  it('takes over a lock holding its own pid that it does not hold (a restarted container)', () => {
    const dir = newDir();
    writeFileSync(join(dir, LockFile), `${process.pid}\n`);
    expect(() => lock(dir)).not.toThrow();
  });

  it('does not remove a lock another process took meanwhile', async () => {
    const dir = newDir();
    const taken = lock(dir);
    const other = await deadPid();
    writeFileSync(taken.path, `${other}\n`);
    taken.release();
    expect(readFileSync(taken.path, 'utf8')).toBe(`${other}\n`);
  });

  it('explains a dir it cannot create', () => {
    const file = join(newDir(), 'a-file');
    writeFileSync(file, '');
    const err = thrown(() => lockDataDir(join(file, 'data'), 'Test'));
    expect(err).toMatchObject({ code: ErrorCode.ConfigurationError });
    expect((err as Error).message).toMatch(/^cannot use data dir /);
  });

  it('explains a dir under a folder that takes no new ones (/proc) instead of hanging', () => {
    const err = thrown(() => lockDataDir('/proc/bacalhau/data', 'Test'));
    expect(err).toMatchObject({ code: ErrorCode.ConfigurationError });
    expect((err as Error).message).toMatch(/^cannot use data dir \/proc\/bacalhau\/data: ENOENT/);
  });

  it('says to free space when the disk is full, and leaves no empty lock behind', () => {
    const dir = newDir();
    failing.writes = 'ENOSPC';
    let err: unknown;
    try {
      err = thrown(() => lockDataDir(dir, 'Test'));
    } finally {
      failing.writes = undefined;
    }
    expect(err).toMatchObject({
      code: ErrorCode.ConfigurationError,
      message: `cannot use data dir ${dir}: ENOSPC: no space left on device, write`,
      hint: `free space on the disk that holds ${dir}, or choose a data dir on another with --data-dir`,
    });
    expect(existsSync(join(dir, LockFile))).toBe(false);
  });

  it("explains a dir it cannot write in (read-only, another user's), even as root", () => {
    // /proc exists, and not even root may create a file in it
    const err = thrown(() => lockDataDir('/proc', 'Test'));
    expect(err).toMatchObject({
      code: ErrorCode.ConfigurationError,
      hint: 'choose a data dir this user can write with --data-dir (or BACALHAU_DIR)',
    });
    expect((err as Error).message).toMatch(/^cannot use data dir \/proc: /);
  });
});
