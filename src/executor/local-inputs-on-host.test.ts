import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalInputUse } from './local-inputs-in-use.js';
import {
  claimWasmInputs,
  foreignWasmConflict,
  RegistryEnv,
  watchForeignWriters,
  withHostRecordLocked,
} from './local-inputs-on-host.js';

const children: ChildProcess[] = [];
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'inputs-on-host-'));
  process.env[RegistryEnv] = join(root, 'record');
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/**
 * Another process (another node's, as far as the record knows) claiming `inputs` for a WASM task,
 * through this module: its answer, and the process, which releases the claim on a line on stdin.
 */
async function claimInOtherProcess(
  inputs: LocalInputUse[],
): Promise<{ child: ChildProcess; answer: string }> {
  const module = new URL('./local-inputs-on-host.ts', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { claimWasmInputs } = await import(${JSON.stringify(module)});
       const claim = await claimWasmInputs(JSON.parse(process.argv[1]));
       console.log('conflict' in claim ? claim.conflict : 'claimed');
       process.stdin.once('data', () => claim.release());`,
      JSON.stringify(inputs),
    ],
    { env: process.env, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.push(child);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, answer: line.toString().trim() };
}

const read = (path: string): LocalInputUse => ({ path, writable: false });
const write = (path: string): LocalInputUse => ({ path, writable: true });

/** A conflict, seen holding the lock as the Docker executor's guard sees it. */
const dockerConflict = (inputs: LocalInputUse[]): Promise<string | undefined> =>
  withHostRecordLocked(() => foreignWasmConflict('docker', inputs));

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('the host record of local inputs in use', () => {
  it("refuses a Docker container writing above another process's WASM input, until that task ends", async () => {
    const { child, answer } = await claimInOtherProcess([read('/data/p/q')]);
    expect(answer).toBe('claimed');
    const conflict = await dockerConflict([write('/data/p')]);
    expect(conflict).toContain(
      `the writable local input "/data/p" of a Docker task and the local input "/data/p/q" of a WASM task of another node process of this host (pid ${child.pid}) overlap`,
    );
    // reading beside it, or writing elsewhere, is not refused
    expect(await dockerConflict([read('/data/p'), write('/data/other')])).toBeUndefined();
    child.stdin?.write('release\n');
    await until(async () => (await dockerConflict([write('/data/p')])) === undefined);
    expect(await dockerConflict([write('/data/p')])).toBeUndefined();
  });

  it("refuses a WASM task whose input overlaps another process's WASM writer's", async () => {
    const { answer } = await claimInOtherProcess([write('/data/p')]);
    expect(answer).toBe('claimed');
    const claim = await claimWasmInputs([read('/data/p/q/r')]);
    expect(claim).toEqual({
      conflict: expect.stringContaining('of another node process of this host') as unknown,
    });
    // and the other process is refused this one's claim in turn
    const mine = await claimWasmInputs([write('/data/x')]);
    expect(mine).toHaveProperty('release');
    const theirs = await claimInOtherProcess([read('/data/x/y')]);
    expect(theirs.answer).toContain(`(pid ${process.pid}) overlap`);
    if ('release' in mine) mine.release();
  });

  it('forgets the claims of a process that was killed', async () => {
    const { child, answer } = await claimInOtherProcess([write('/data/p')]);
    expect(answer).toBe('claimed');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await dockerConflict([write('/data/p')])).toBeUndefined();
    expect(await readdir(join(root, 'record'))).toEqual([]); // its file removed on the way
  });

  it('does not take a live process for one whose pid it reuses', async () => {
    await mkdir(join(root, 'record'), { recursive: true, mode: 0o700 });
    // the pid of a live process (this one's parent), another start time: a file left by a dead one
    const file = join(root, 'record', `${process.ppid}-0.json`);
    await writeFile(file, JSON.stringify({ startTime: '1', inputs: [write('/data/p')] }));
    expect(await dockerConflict([write('/data/p')])).toBeUndefined();
  });

  it('refuses a WASM task while a writer a probe reports runs', async () => {
    const unwatch = watchForeignWriters(() => Promise.resolve('a writer of another process runs'));
    try {
      expect(await claimWasmInputs([read('/data/p')])).toEqual({
        conflict: 'a writer of another process runs',
      });
      // a task without local inputs does not ask
      expect(await claimWasmInputs([])).toHaveProperty('release');
    } finally {
      unwatch();
    }
    const claim = await claimWasmInputs([read('/data/p')]);
    expect(claim).toHaveProperty('release');
    if ('release' in claim) claim.release();
  });

  it('refuses to record in a folder others may write to', async () => {
    await mkdir(join(root, 'record'));
    await chmod(join(root, 'record'), 0o777); // past the umask
    const claim = await claimWasmInputs([read('/data/p')]);
    expect(claim).toEqual({
      conflict: expect.stringContaining(
        `${join(root, 'record')} must be a folder of this user's that no one else may write to`,
      ) as unknown,
    });
  });
});
