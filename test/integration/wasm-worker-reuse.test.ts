// Which WASM worker threads run a second task (run-worker.ts): one whose task ended by itself is given
// back and runs the next task with nothing of the last; one that was killed, or whose modules ended
// holding much memory, is terminated. Real worker threads, real fixture modules (test/fixtures/wasm).
import { once } from 'node:events';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTempDir } from '../../src/executor/testing.js';
import { DefaultOutputLimits, OutputRecorder } from '../../src/executor/results.js';
import type { Preopen } from '../../src/executor/wasm/mounts.js';
import { WebAssemblyApi } from '../../src/executor/wasm/modules.js';
import {
  BufferPool,
  ReuseMemoryLimitBytes,
  runInWorker,
  spawnWasmWorker,
} from '../../src/executor/wasm/run-worker.js';
import { describeWithEnv, wasmEnv } from '../helpers/test-env.js';

describeWithEnv('wasm worker reuse', wasmEnv(), (wasm) => {
  /** Workers of the current test; terminated after it. */
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });
  const spawn = (): Worker => {
    const worker = spawnWasmWorker();
    workers.push(worker);
    return worker;
  };
  const buffers = new BufferPool(1024 * 1024);

  interface Run {
    args?: string[];
    env?: Record<string, string>;
    signal?: AbortSignal;
    /** Makes every recorder write fail with this error, 50 ms after it began. */
    failWrites?: Error;
    hidesMemory?: boolean;
    preopens?: Preopen[];
    ownFolders?: string[];
  }

  /** Runs the fixture `name` on `worker`; `givenBack` says whether the worker was handed back. */
  async function run(
    dir: string,
    worker: Worker,
    name: string,
    { args = [], env = {}, signal, failWrites, hidesMemory = false, preopens = [], ownFolders }: Run,
  ) {
    const [resultsDir, logsDir] = [join(dir, 'results'), join(dir, 'logs')];
    await Promise.all([mkdir(resultsDir, { recursive: true }), mkdir(logsDir, { recursive: true })]);
    const recorder = await OutputRecorder.create({
      resultsDir,
      logsDir,
      outputs: [],
      limits: DefaultOutputLimits,
    });
    if (failWrites !== undefined) {
      // late enough for a short task's exit to come first
      const fail = () => new Promise<never>((_resolve, reject) => setTimeout(() => reject(failWrites), 50));
      vi.spyOn(recorder, 'writeAll').mockImplementation(fail);
    }
    const entry = new WebAssemblyApi.Module(await readFile(join(wasm.dir, `${name}.wasm`)));
    let givenBack: Worker | undefined;
    const result = await runInWorker(worker, {
      task: {
        dependencies: [],
        entry,
        entrypoint: '_start',
        args: ['', ...args],
        env,
        preopens,
        hidesMemory,
      },
      ...(ownFolders === undefined ? {} : { ownFolders }),
      recorder,
      signal: signal ?? new AbortController().signal,
      // one pool for every run: a run after another gets that one's buffers again
      buffers,
      giveBack: (w) => {
        givenBack = w;
      },
    });
    return { result, givenBack };
  }

  describe('gives the worker back', () => {
    it('after a task that exited, and that worker then runs a task with nothing of the last', () =>
      withTempDir(async (dir) => {
        const worker = spawn();
        const first = await run(join(dir, 'a'), worker, 'env', { env: { SECRET: 'a' } });
        expect(first.result.Stdout).toBe('SECRET=a\n');
        expect(first.givenBack).toBe(worker);

        const second = await run(join(dir, 'b'), worker, 'env', { env: { OTHER: 'b' } });
        expect(second.result.Stdout).toBe('OTHER=b\n');
        expect(second.givenBack).toBe(worker);
      }));

    it('after a WASI instance failed to open its preopens, with what it had opened in them closed', () =>
      withTempDir(async (dir) => {
        const [own, file] = [join(dir, 'out'), join(dir, 'file')];
        await mkdir(own);
        await writeFile(file, 'not a folder');
        const worker = spawn();
        // node:wasi opens the preopens in turn, refuses one that is no folder, and leaves open those
        // it had opened
        const { result, givenBack } = await run(join(dir, 'run'), worker, 'hello', {
          preopens: [
            { guest: '/out', host: own, readOnly: false },
            { guest: '/file', host: file, readOnly: true },
          ],
          ownFolders: [own],
        });
        expect(result).toMatchObject({
          ExitCode: 1,
          ErrorMsg: expect.stringContaining('ENOTDIR') as unknown,
        });
        expect(givenBack).toBe(worker);
        const fds = await readdir('/proc/self/fd');
        const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
        expect(targets.filter((target) => target === own)).toEqual([]);
      }));

    it('after a task that exited with a non-zero code', () =>
      withTempDir(async (dir) => {
        const worker = spawn();
        const { result, givenBack } = await run(dir, worker, 'exit_code', { args: ['7'] });
        expect(result.ExitCode).toBe(7);
        expect(givenBack).toBe(worker);
      }));
  });

  describe('terminates the worker', () => {
    it('after a task that was killed', () =>
      withTempDir(async (dir) => {
        const worker = spawn();
        const controller = new AbortController();
        const exited = once(worker, 'exit');
        setTimeout(() => controller.abort(), 100);
        const { result, givenBack } = await run(dir, worker, 'sleep', {
          args: ['60000'],
          signal: controller.signal,
        });
        expect(result.ExitCode).toBe(-1);
        expect(givenBack).toBeUndefined();
        await exited;
      }));

    it(`after a task whose memory ended above ${ReuseMemoryLimitBytes / 1024 / 1024} MiB`, () =>
      withTempDir(async (dir) => {
        const worker = spawn();
        const exited = once(worker, 'exit');
        const { result, givenBack } = await run(dir, worker, 'alloc', { args: ['100'] });
        expect(result).toMatchObject({ Stdout: 'allocated 100 MiB\n', ExitCode: 0 });
        expect(givenBack).toBeUndefined();
        await exited;
      }));
    it('after a task whose module kept its memory to itself, which cannot be measured', () =>
      withTempDir(async (dir) => {
        const worker = spawn();
        const exited = once(worker, 'exit');
        // as loadProgram says of hidden_memory.wasm (modules.test.ts)
        const { result, givenBack } = await run(dir, worker, 'hidden_memory', { hidesMemory: true });
        expect(result).toMatchObject({ ExitCode: 0, ErrorMsg: '' });
        expect(givenBack).toBeUndefined();
        await exited;
      }));
  });

  describe('fails the run when its output cannot be recorded', () => {
    const full = new Error('ENOSPC: no space left on device, write');

    it('of a task that had exited by then', () =>
      withTempDir(async (dir) => {
        const worker = spawn();
        await expect(run(dir, worker, 'hello', { failWrites: full })).rejects.toBe(full);
      }));

    it('of a task still writing, which is stopped', () =>
      withTempDir(async (dir) => {
        const worker = spawn();
        const exited = once(worker, 'exit');
        await expect(run(dir, worker, 'stderr', { args: ['2147483647'], failWrites: full })).rejects.toBe(
          full,
        );
        await exited;
      }));
  });
});
