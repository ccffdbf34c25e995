/** What the runner tells the user of the network a `Default` task got, and when. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { NoopExecutor } from '../executor/noop/executor.js';
import { ManualClock } from '../lib/clock.js';
import { testExecution, testJob } from '../transport/testing/index.js';
import { EngineRegistry } from './engines.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';
import { testRunner } from './testing.js';

let dir: string;
let store: SqliteExecutionStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-runner-network-'));
  store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert });
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

/** A Docker-like engine: it says what Default becomes on this node; its task takes a minute. */
class ResolvingExecutor extends NoopExecutor {
  resolveNetwork(): Promise<{ description: string }> {
    return Promise.resolve({ description: 'Network.Type Default: no bridge here, so no network' });
  }
}

it('passes on the network a Default task got with the outcome, stamped then: the history stays in order', async () => {
  const clock = new ManualClock();
  const executor = new ResolvingExecutor({
    hooks: {
      jobHandler: () => {
        clock.advance(60_000);
        return Promise.resolve();
      },
    },
  });
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: executor }),
    paths: new ExecutionPaths(join(dir, 'executions')),
    clock,
  });
  const execution = testExecution({
    job: testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' }, Network: { Type: 'Default' } }] }),
    desired: 'Running',
  });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  const started = clock.now();
  await runner.run(store.get(execution.ID), new AbortController().signal);
  expect(store.get(execution.ID).ComputeState.StateType).toBe('Completed');
  const [note, completed] = store.events(execution.ID).slice(-2);
  expect(note?.Message).toBe('Network.Type Default: no bridge here, so no network');
  expect(completed?.Message).toMatch(/completed/i);
  expect(Date.parse(note?.Timestamp ?? '')).toBe(started + 60_000);
  expect(note?.Timestamp).toBe(completed?.Timestamp);
});
