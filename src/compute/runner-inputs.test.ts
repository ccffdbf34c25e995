/**
 * The runner's inputs: their downloads count against the task's ExecutionTimeout, as in Go (so does the
 * executor's start, an image pull say), and they land in the execution's own folder, so what a killed
 * process leaves of them is removed with it. A task that outlives that timeout is reported failed at the
 * deadline, as Go reports it (its wait returns with the context), while its run, and so its capacity
 * and ports, ends only once the executor stopped it (a container gets a grace period after SIGTERM).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { recorderFor } from '../executor/base-executor.js';
import { NoopExecutor } from '../executor/noop/executor.js';
import type { RunCommandRequest } from '../executor/types.js';
import { ManualClock, sleep } from '../lib/clock.js';
import { JobType } from '../models/constants.js';
import type { RunCommandResult } from '../models/index.js';
import { StorageRegistry } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { testExecution, testJob } from '../transport/testing/index.js';
import { EngineRegistry } from './engines.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';
import { testRunner } from './testing.js';

let dir: string;
let store: SqliteExecutionStore;
let clock: ManualClock;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-runner-timeout-'));
  store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert });
  clock = new ManualClock(Date.now());
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Where the storage was asked to put its downloads. */
let storageDirs: string[] = [];

/** A URL input that takes `ms` on the clock to download, or until its signal aborts. */
function slowDownload(ms: number): Storage {
  storageDirs = [];
  return {
    isInstalled: () => Promise.resolve(true),
    hasStorageLocally: () => Promise.resolve(false),
    getVolumeSize: () => Promise.resolve(0),
    prepareStorage: (storageDir, input, options) => {
      storageDirs.push(storageDir);
      return sleep(clock, ms, options).then(() => ({ source: dir, target: input.Target, readOnly: true }));
    },
    cleanupStorage: () => Promise.resolve(),
  };
}

/**
 * Runs a noop task with a 3 s ExecutionTimeout and one input taking `downloadMs`, in a job of `type`;
 * the requests it got.
 */
async function runWithInput(downloadMs: number, type: JobType = JobType.Batch) {
  const requests: { timeoutMs?: number; longRunning?: boolean }[] = [];
  const executor = new NoopExecutor({
    hooks: {
      jobHandler: ({ request }) => {
        const { timeoutMs, longRunning } = request;
        requests.push({ ...(timeoutMs === undefined ? {} : { timeoutMs }), longRunning });
        return Promise.resolve();
      },
    },
  });
  const paths = new ExecutionPaths(join(dir, 'executions'));
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: executor }),
    storages: new StorageRegistry({ urlDownload: slowDownload(downloadMs) }),
    paths,
    clock,
  });
  const job = testJob({
    Type: type,
    Tasks: [
      {
        Name: 'main',
        Engine: { Type: 'noop' },
        InputSources: [
          { Alias: '', Target: '/inputs', Source: { Type: 'urlDownload', Params: { URL: 'http://x/y' } } },
        ],
        Timeouts: { ExecutionTimeout: 3 },
      },
    ],
  });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  const running = runner.run(store.get(execution.ID), new AbortController().signal);
  await clock.advanceAsync(Math.min(downloadMs, 3000));
  await running;
  await runner.stop();
  return { requests, execution: store.get(execution.ID), executionDir: paths.dirs(execution.ID).root };
}

it('fails an execution whose inputs are still downloading when its ExecutionTimeout is up', async () => {
  const { requests, execution } = await runWithInput(60_000);
  expect(requests).toEqual([]);
  expect(execution.ComputeState).toEqual({ StateType: 'Failed', Message: 'Execution timed out after 3s' });
});

it('gives the task what the downloads left of its ExecutionTimeout', async () => {
  const { requests, execution } = await runWithInput(2000);
  expect(requests).toEqual([{ timeoutMs: 1000, longRunning: false }]);
  expect(execution.ComputeState.StateType).toBe('Completed');
});

it('runs a service task without a timeout, telling the executor it runs until stopped', async () => {
  const { requests } = await runWithInput(2000, JobType.Service);
  expect(requests).toEqual([{ longRunning: true }]);
});

it("prepares the inputs in the execution's own folder", async () => {
  const { executionDir } = await runWithInput(10);
  expect(storageDirs).toEqual([executionDir]);
});

/** Starts running a noop task with a 3 s ExecutionTimeout on `executor`; the run and the execution's ID. */
function runTimed(executor: NoopExecutor) {
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: executor }),
    paths: new ExecutionPaths(join(dir, 'executions')),
    clock,
  });
  const job = testJob({
    Tasks: [{ Name: 'main', Engine: { Type: 'noop' }, Timeouts: { ExecutionTimeout: 3 } }],
  });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  return {
    runner,
    executionID: execution.ID,
    running: runner.run(store.get(execution.ID), new AbortController().signal),
  };
}

it("fails an execution whose executor's start (an image pull) outlasts its ExecutionTimeout", async () => {
  class SlowStart extends NoopExecutor {
    override start(...[request, options = {}]: Parameters<NoopExecutor['start']>) {
      return sleep(clock, 60_000, options).then(() => super.start(request, options));
    }
  }
  const { runner, executionID, running } = runTimed(new SlowStart());
  await clock.advanceAsync(3000);
  await running;
  await runner.stop();
  expect(store.get(executionID).ComputeState).toEqual({
    StateType: 'Failed',
    Message: 'Execution timed out after 3s',
  });
});

/** Runs its task until stopped, then ends it only when the test says (`endStoppedTask`). */
class SlowToStop extends NoopExecutor {
  endStoppedTask: () => void = () => undefined;

  override start(request: RunCommandRequest): Promise<void> {
    return this.registry.start(request.executionID, request.timeoutMs, async (signal) => {
      const recorder = await recorderFor(request);
      const done = new Promise<RunCommandResult>((resolve) => {
        signal.addEventListener('abort', () => {
          this.endStoppedTask = () => resolve(recorder.finish(-1, 'stopped'));
        });
      });
      return { log: recorder.log, done };
    });
  }
}

it('reports a task past its ExecutionTimeout at the deadline, and ends its run once it stopped', async () => {
  const executor = new SlowToStop({ clock });
  const { runner, executionID, running } = runTimed(executor);
  let ended = false;
  const ending = running.then(() => (ended = true));
  try {
    await clock.advanceAsync(3000);
    expect(store.get(executionID).ComputeState).toEqual({
      StateType: 'Failed',
      Message: 'Execution timed out after 3s',
    });
    await clock.advanceAsync(1000);
    expect(ended).toBe(false);
  } finally {
    executor.endStoppedTask();
    await ending;
    await runner.stop();
  }
});
