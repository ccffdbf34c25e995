/**
 * The clean-up after a task: its inputs' removal waits for the background delay (lib/background-work.ts),
 * and only a run that prepared inputs has any to wait for. The run's end is what frees its capacity for
 * the next execution, so a wait for nothing would hold a node's queue back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { NoopExecutor } from '../executor/noop/executor.js';
import { backgroundLater } from '../lib/background-work.js';
import { InlineStorage, StorageRegistry } from '../storage/index.js';
import { testExecution, testJob } from '../transport/testing/index.js';
import type { InputSource } from '../models/index.js';
import { EngineRegistry } from './engines.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';
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

/** Runs a noop task with `inputs` to its end; how many times it waited for the background delay. */
async function delaysOfRun(inputs: InputSource[]): Promise<number> {
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: new NoopExecutor() }),
    storages: new StorageRegistry({ inline: new InlineStorage() }),
    paths: new ExecutionPaths(join(dir, 'executions')),
  });
  const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' }, InputSources: inputs }] });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  await runner.run(store.get(execution.ID), new AbortController().signal);
  runner.stop();
  expect(store.get(execution.ID).ComputeState.StateType).toBe('Completed');
  return vi.mocked(backgroundLater).mock.calls.length;
}

it('waits the background delay before removing the inputs a run prepared', async () => {
  const input: InputSource = {
    Alias: '',
    Target: '/data/hello.txt',
    Source: { Type: 'inline', Params: { URL: 'data:,hello' } },
  };
  expect(await delaysOfRun([input])).toBe(1);
});

it('ends a run that prepared no inputs without waiting for the background delay', async () => {
  expect(await delaysOfRun([])).toBe(0);
});
