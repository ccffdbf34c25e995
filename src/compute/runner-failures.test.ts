/**
 * How the runner records failures: even when the database refuses them for a while (a full disk), and
 * with a hint where the user can do something about them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { MemoryLimitExceeded, outputNotRecorded } from '../executor/errors.js';
import { NoopExecutor } from '../executor/noop/executor.js';
import { ManualClock } from '../lib/clock.js';
import { EventDetail } from '../models/index.js';
import { testExecution, testJob } from '../transport/testing/index.js';
import { EngineRegistry } from './engines.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';
import { testRunner } from './testing.js';

let dir: string;
let store: SqliteExecutionStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-runner-failures-'));
  store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert });
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

it('writes a failure again until the database takes it, reporting the refusal once', async () => {
  const clock = new ManualClock(Date.now());
  const errors: unknown[] = [];
  const failing = new NoopExecutor({
    hooks: { jobHandler: () => Promise.reject(new Error('the task broke')) },
  });
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: failing }),
    paths: new ExecutionPaths(join(dir, 'executions')),
    clock,
    onError: (error) => errors.push(error),
  });
  const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  // the disk is full for the first two attempts at writing the failure
  const update = store.update.bind(store);
  let refusals = 2;
  vi.spyOn(store, 'update').mockImplementation((request) => {
    if (request.newValues.ComputeState?.StateType === 'Failed' && refusals-- > 0) {
      throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    }
    return update(request);
  });
  try {
    await runner.run(store.get(execution.ID), new AbortController().signal);
    expect(store.get(execution.ID).ComputeState.StateType).toBe('Running');
    await clock.advanceAsync(100);
    expect(store.get(execution.ID).ComputeState.StateType).toBe('Running');
    await clock.advanceAsync(200);
    expect(store.get(execution.ID).ComputeState).toMatchObject({ StateType: 'Failed' });
    expect(errors.map((e) => (e as Error).message)).toEqual(['database or disk is full']);
  } finally {
    await runner.stop();
  }
});

it('tells a task killed for its memory which limit it hit and how to raise it', async () => {
  const oom = new NoopExecutor({
    hooks: { jobHandler: () => Promise.resolve({ exitCode: 137, errorMsg: MemoryLimitExceeded }) },
  });
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: oom }),
    paths: new ExecutionPaths(join(dir, 'executions')),
    onError: (error) => expect.unreachable(String(error)),
  });
  const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] });
  const execution = {
    ...testExecution({ job, desired: 'Running' }),
    ComputeState: { StateType: 'BidAccepted' as const, Message: '' },
    AllocatedResources: { Tasks: { main: { CPU: 0.1, Memory: 8_000_000, Disk: 0, GPU: 0 } } },
  };
  store.create(execution);
  try {
    await runner.run(store.get(execution.ID), new AbortController().signal);
    expect(store.get(execution.ID).ComputeState).toEqual({
      StateType: 'Failed',
      Message: 'memory limit exceeded',
    });
    const failure = store.events(execution.ID).find((e) => e.Details?.[EventDetail.IsError] === 'true');
    expect(failure?.Details?.[EventDetail.Hint]).toBe(
      'the task needs more than its memory limit of 8.0 MB: raise Resources.Memory (--memory with docker run)',
    );
  } finally {
    await runner.stop();
  }
});

it.each([
  [
    'EMFILE',
    "EMFILE: too many open files, open '/d/results/stdout'",
    'the compute node has no file descriptor left: raise its open-files limit: ulimit -n, or LimitNOFILE ' +
      'for a systemd service',
  ],
  [
    'ENOSPC',
    "ENOSPC: no space left on device, mkdir '/d/compute/executions/output/e-1'",
    "the compute node's disk is full: free space on the disk that holds its data dir",
  ],
])('tells the operator what to do when the node ran out of something (%s)', async (code, text, hint) => {
  const failure = Object.assign(new Error(text), { code });
  // as the Docker and WASM executors fail a start whose folders or output files cannot be made
  const starved = new NoopExecutor();
  vi.spyOn(starved, 'start').mockRejectedValue(failure);
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: starved }),
    paths: new ExecutionPaths(join(dir, 'executions')),
  });
  const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  try {
    await runner.run(store.get(execution.ID), new AbortController().signal);
    expect(store.get(execution.ID).ComputeState).toEqual({ StateType: 'Failed', Message: failure.message });
    const event = store.events(execution.ID).find((e) => e.Details?.[EventDetail.IsError] === 'true');
    expect(event?.Details?.[EventDetail.Hint]).toBe(hint);
  } finally {
    await runner.stop();
  }
});

it('removes the files of an execution that failed for a full disk at once, and says so', async () => {
  const paths = new ExecutionPaths(join(dir, 'executions'));
  const filling = new NoopExecutor({
    hooks: { jobHandler: (ctx) => ctx.stdout('what filled the disk\n') },
  });
  // the task ends as the Docker and WASM executors end one whose output met a full disk
  const wait = filling.wait.bind(filling);
  vi.spyOn(filling, 'wait').mockImplementation(async (executionID) => {
    await wait(executionID);
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    throw outputNotRecorded(full, paths.dirs(executionID).results);
  });
  // kept an hour, as on a real node: only the full disk makes them go sooner
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: filling }),
    paths,
    retainOutputMs: 3_600_000,
  });
  const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  try {
    await runner.run(store.get(execution.ID), new AbortController().signal);
    expect(await paths.hasFolders(execution.ID)).toBe(false);
    expect(store.get(execution.ID).ComputeState.StateType).toBe('Failed');
    expect(store.events(execution.ID).map((e) => e.Message)).toContain(
      "The disk is full: this execution's files (its logs, results and inputs) were removed to make room",
    );
    // its logs are gone, not never written
    expect(await runner.logRemoved(store.get(execution.ID))).toBe(true);
  } finally {
    await runner.stop();
  }
});

it('keeps the files of an execution that failed for another reason (they hold what went wrong)', async () => {
  const paths = new ExecutionPaths(join(dir, 'executions'));
  const failing = new NoopExecutor({
    hooks: { jobHandler: () => Promise.reject(new Error('the task broke')) },
  });
  const runner = testRunner({ store, engines: new EngineRegistry({ noop: failing }), paths });
  const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  try {
    await runner.run(store.get(execution.ID), new AbortController().signal);
    expect(store.get(execution.ID).ComputeState.StateType).toBe('Failed');
    expect(await paths.hasFolders(execution.ID)).toBe(true);
  } finally {
    await runner.stop();
  }
});
