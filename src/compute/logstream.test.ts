import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import type { Execution, ExecutionStateType } from '../models/index.js';
import { ExecutionLogType } from '../models/execution.js';
import { testExecution } from '../transport/testing/fixtures.js';
import type { Executor, LogStreamOptions } from '../executor/types.js';
import { EngineRegistry } from './engines.js';
import { streamExecutionLogs } from './logstream.js';
import { executionNotFound } from './store/errors.js';
import type { ExecutionStore, ExecutionUpsert } from './store/types.js';

/** A store of one execution whose state the test moves on, telling the listeners as the real one does. */
function oneExecutionStore(execution: Execution) {
  let current = execution;
  const listeners = new Set<(upsert: ExecutionUpsert) => void>();
  const store = {
    find: (id: string) => (id === current.ID ? current : undefined),
    onUpsert: (listener: (upsert: ExecutionUpsert) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as ExecutionStore;
  const moveTo = (state: ExecutionStateType): void => {
    const previous = current;
    current = { ...current, ComputeState: { StateType: state, Message: '' } };
    for (const listener of listeners) listener({ current, previous, events: [] });
  };
  return { store, moveTo };
}

/**
 * A docker executor whose log holds one line and that records what it was asked for; `starting`:
 * it does not know the execution the first time it is asked (its task is about to start).
 */
function recordingExecutor(starting: boolean) {
  const asked: LogStreamOptions[] = [];
  const executor = {
    isInstalled: () => Promise.resolve(true),
    // eslint-disable-next-line @typescript-eslint/require-await
    async *getLogStream(id: string, options: LogStreamOptions = {}) {
      asked.push({ follow: options.follow, tail: options.tail });
      if (starting && asked.length === 1) throw executionNotFound(id);
      if (options.tail !== true) yield { type: ExecutionLogType.Stdout, data: Buffer.from('first\n') };
    },
  } as unknown as Executor;
  return { executor, asked };
}

describe('streamExecutionLogs with tail and follow', () => {
  it.each([
    ['had not started', 'BidAccepted', false],
    ['was Running but not started by its executor yet', 'Running', true],
  ] as const)('keeps what a task that %s when asked writes first, as Go does', async (_, state, starting) => {
    const execution = testExecution();
    const { store, moveTo } = oneExecutionStore({
      ...execution,
      ComputeState: { StateType: state, Message: '' },
    });
    const { executor, asked } = recordingExecutor(starting);
    const clock = new ManualClock();
    const stream = streamExecutionLogs(
      {
        store,
        engines: new EngineRegistry({ docker: executor }),
        logFile: () => '/nonexistent',
        logRemoved: () => Promise.resolve(false),
        clock,
      },
      { ExecutionID: execution.ID, Tail: true, Follow: true },
      new AbortController().signal,
    );
    const lines = (async () => {
      const got: string[] = [];
      for await (const log of stream) got.push(log.Line);
      return got;
    })();
    await new Promise((resolve) => setImmediate(resolve));
    moveTo('Running');
    await clock.advanceAsync(1000);
    expect(await lines).toEqual(['first\n']);
    expect(asked.at(-1)).toEqual({ follow: true, tail: false });
  });
});

describe('streamExecutionLogs when the node has no file descriptor left', () => {
  it('says so, with the fix, where the error was only EMFILE', async () => {
    const execution = testExecution();
    const { store } = oneExecutionStore({
      ...execution,
      ComputeState: { StateType: 'Running', Message: '' },
    });
    const executor = {
      isInstalled: () => Promise.resolve(true),
      // eslint-disable-next-line require-yield, @typescript-eslint/require-await
      async *getLogStream() {
        throw Object.assign(new Error("EMFILE: too many open files, open '/x/logs/output.log'"), {
          code: 'EMFILE',
        });
      },
    } as unknown as Executor;
    const stream = streamExecutionLogs(
      {
        store,
        engines: new EngineRegistry({ docker: executor }),
        logFile: () => '/nonexistent',
        logRemoved: () => Promise.resolve(false),
        clock: new ManualClock(),
      },
      { ExecutionID: execution.ID, Tail: false, Follow: true },
      new AbortController().signal,
    );
    await expect(stream.next()).rejects.toMatchObject({
      message: "EMFILE: too many open files, open '/x/logs/output.log'",
      hint: expect.stringMatching(
        /^the compute node has no file descriptor left: raise its open-files limit/u,
      ) as unknown,
    });
  });
});
