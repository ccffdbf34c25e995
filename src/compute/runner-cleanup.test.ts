/**
 * The clean-up after a task: its inputs' removal waits for the background delay (lib/background-work.ts),
 * and only a run that prepared inputs has any to wait for. The run's end is what frees its capacity for
 * the next execution, so a wait for nothing would hold a node's queue back.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { NoopExecutor } from '../executor/noop/executor.js';
import { backgroundLater } from '../lib/background-work.js';
import { InlineStorage, StorageRegistry } from '../storage/index.js';
import { testExecution, testJob } from '../transport/testing/index.js';
import type { Execution, InputSource } from '../models/index.js';
import { EngineRegistry } from './engines.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';
import type { ExecutionRunner } from './runner.js';
import { testRunner } from './testing.js';

// counted, and settled at once
vi.mock('../lib/background-work.js', () => ({ backgroundLater: vi.fn(() => Promise.resolve()) }));

let dir: string;
let store: SqliteExecutionStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-runner-cleanup-'));
  store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert });
  vi.mocked(backgroundLater).mockClear();
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const inlineInput: InputSource = {
  Alias: '',
  Target: '/data/hello.txt',
  Source: { Type: 'inline', Params: { URL: 'data:,hello' } },
};

/** A runner of noop tasks, and an execution of one with `inputs`, ready to run. */
function runnerAndExecution(inputs: InputSource[]): {
  runner: ExecutionRunner;
  execution: Execution;
  folder: string;
} {
  const paths = new ExecutionPaths(join(dir, 'executions'));
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: new NoopExecutor() }),
    storages: new StorageRegistry({ inline: new InlineStorage() }),
    paths,
  });
  const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' }, InputSources: inputs }] });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  return { runner, execution: store.get(execution.ID), folder: paths.dirs(execution.ID).root };
}

/** Whether a file in `folder` or below holds `text`. */
async function folderHolds(folder: string, text: string): Promise<boolean> {
  for (const name of await readdir(folder, { recursive: true })) {
    if ((await readFile(join(folder, name), 'utf8').catch(() => undefined)) === text) return true;
  }
  return false;
}

/** Runs a noop task with `inputs` to its end; how many times it waited for the background delay. */
async function delaysOfRun(inputs: InputSource[]): Promise<number> {
  const { runner, execution } = runnerAndExecution(inputs);
  await runner.run(execution, new AbortController().signal);
  await runner.stop();
  expect(store.get(execution.ID).ComputeState.StateType).toBe('Completed');
  return vi.mocked(backgroundLater).mock.calls.length;
}

it('waits the background delay before removing the inputs a run prepared', async () => {
  expect(await delaysOfRun([inlineInput])).toBe(1);
});

it("ends a run before its inputs' removal, which stop() waits for", async () => {
  let delayOver!: () => void;
  vi.mocked(backgroundLater).mockReturnValueOnce(new Promise<void>((resolve) => (delayOver = resolve)));
  const { runner, execution, folder } = runnerAndExecution([inlineInput]);
  const ended = runner.run(execution, new AbortController().signal).then(() => 'ended');
  // the run's end frees its capacity: it must not wait for the delay
  expect(await Promise.race([ended, sleep(2000).then(() => 'still running')])).toBe('ended');
  expect(store.get(execution.ID).ComputeState.StateType).toBe('Completed');
  expect(await folderHolds(folder, 'hello')).toBe(true);
  let stopped = false;
  const stopping = runner.stop().then(() => (stopped = true));
  await sleep(50);
  expect(stopped).toBe(false);
  delayOver();
  await stopping;
  expect(await folderHolds(folder, 'hello')).toBe(false);
});

it('ends a run that prepared no inputs without waiting for the background delay', async () => {
  expect(await delaysOfRun([])).toBe(0);
});
