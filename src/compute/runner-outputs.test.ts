/** What the runner tells the user about outputs that publishing leaves out. */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { NoopExecutor } from '../executor/noop/executor.js';
import { testExecution, testJob } from '../transport/testing/index.js';
import { EngineRegistry } from './engines.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';
import { testRunner } from './testing.js';

let dir: string;
let store: SqliteExecutionStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-runner-outputs-'));
  store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert });
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(publisher: { Type: string } | undefined): Promise<string[]> {
  const writer = new NoopExecutor({
    hooks: {
      jobHandler: async ({ request }) => {
        await writeFile(join(request.resultsDir, 'outputs/data.csv'), 'a,b\n');
        await symlink('data.csv', join(request.resultsDir, 'outputs/latest.csv'));
      },
    },
  });
  const runner = testRunner({
    store,
    engines: new EngineRegistry({ noop: writer }),
    paths: new ExecutionPaths(join(dir, 'executions')),
    publisher: { publish: () => Promise.resolve({ Type: 'noop', Params: {} }) },
  });
  const task = {
    Name: 'main',
    Engine: { Type: 'noop' },
    ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
  };
  const job = testJob({ Tasks: [publisher === undefined ? task : { ...task, Publisher: publisher }] });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  await runner.run(store.get(execution.ID), new AbortController().signal);
  expect(store.get(execution.ID).ComputeState.StateType).toBe('Completed');
  return store.events(execution.ID).map((e) => `${e.Topic}: ${e.Message}`);
}

it('says which outputs the published results leave out (a symbolic link), and still completes', async () => {
  expect(await run({ Type: 'noop' })).toContain(
    'Publishing Results: Left out of the published results: 1 entry that is neither a file nor a folder: ' +
      'outputs/latest.csv (symbolic link)',
  );
});

it('says nothing when the task has no publisher: nothing is published', async () => {
  expect((await run(undefined)).filter((e) => e.includes('Left out'))).toEqual([]);
});
