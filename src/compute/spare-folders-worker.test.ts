/**
 * The spare-making worker dying (out of memory, say): replaced at the next batch, up to three times in
 * a process, after which executions make their own folders. The worker is private to the module, so
 * the test records the workers the module starts and ends them from outside, as a crash would.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { SpareFolders } from './spare-folders.js';

const workers = vi.hoisted(() => [] as Worker[]);

vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof WorkerThreads>();
  class RecordedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      workers.push(this);
    }
  }
  return { ...actual, Worker: RecordedWorker };
});

const layout = { folders: ['logs'], files: ['logs/output.log'] };

let root: string;
let spares: SpareFolders;
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'bacalhau-spare-worker-'));
  mkdirSync(join(root, 'output'));
  spares = new SpareFolders(join(root, 'spare'), layout, { low: 1, high: 1 });
  await spares.start();
  await spares.filled();
});
afterEach(async () => {
  await spares.stop();
  rmSync(root, { recursive: true, force: true });
});

let taken = 0;
/** Takes the ready spare, then waits for the refill that taking it started. */
async function takeOne(): Promise<boolean> {
  const moved = spares.take(join(root, 'output', `e-${taken++}`));
  await spares.filled();
  return moved;
}

/** Ends the newest worker the way a crash would (the module did not let go of it). */
async function crashWorker(): Promise<void> {
  const worker = workers.at(-1);
  if (worker === undefined) throw new Error('no worker was started');
  await worker.terminate();
}

// One test: the deaths are counted for the whole process (the module), so its steps depend on each other.
it('replaces a worker that died at the next batch, and after three deaths leaves the folders to the executions', async () => {
  expect(workers).toHaveLength(1);
  expect(await takeOne()).toBe(true);

  await crashWorker();
  // the spare made before the crash is still taken; the refill it starts needs a new worker
  expect(await takeOne()).toBe(true);
  expect(workers).toHaveLength(2);
  expect(await takeOne()).toBe(true);

  await crashWorker();
  expect(await takeOne()).toBe(true);
  expect(workers).toHaveLength(3);

  await crashWorker();
  expect(await takeOne()).toBe(true); // the last spare made
  expect(await takeOne()).toBe(false);
  expect(await takeOne()).toBe(false);
  expect(workers).toHaveLength(3);
});
