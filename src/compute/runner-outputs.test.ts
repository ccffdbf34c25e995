/** What the runner tells the user about outputs that publishing leaves out, and what it keeps of them. */
import { access, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
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

/** Runs a task writing an output; its events, and the execution's folders. */
async function run(
  publisher: { Type: string } | undefined,
): Promise<{ events: string[]; dirs: ReturnType<ExecutionPaths['dirs']> }> {
  const paths = new ExecutionPaths(join(dir, 'executions'));
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
    paths,
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
  const events = store.events(execution.ID).map((e) => `${e.Topic}: ${e.Message}`);
  return { events, dirs: paths.dirs(execution.ID) };
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

it('says which outputs the published results leave out (a symbolic link), and still completes', async () => {
  expect((await run({ Type: 'noop' })).events).toContain(
    'Publishing Results: Left out of the published results: 1 entry that is neither a file nor a folder: ' +
      'outputs/latest.csv (symbolic link)',
  );
});

it('says nothing when the task has no publisher: nothing is published', async () => {
  expect((await run(undefined)).events.filter((e) => e.includes('Left out'))).toEqual([]);
});

it("removes the results once published, as Go does (the publisher has them), and keeps the task's log", async () => {
  const { dirs } = await run({ Type: 'noop' });
  expect(await exists(dirs.results)).toBe(false);
  expect(await exists(dirs.logs)).toBe(true);
});

it('keeps the results of a task without a publisher for as long as its log', async () => {
  const { dirs } = await run(undefined);
  expect(await exists(join(dirs.results, 'outputs/data.csv'))).toBe(true);
});
