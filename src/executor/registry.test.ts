import { expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { emptyRunCommandResult, type RunCommandResult } from '../models/execution.js';
import type { LogFile } from './log-file.js';
import { ExecutionRegistry } from './registry.js';

const result = emptyRunCommandResult();

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A registry on a manual clock, and an execution whose task and after-work the test ends. */
async function startTimed(timeoutMs: number, withTaskEnded: boolean) {
  const clock = new ManualClock();
  const registry = new ExecutionRegistry({ clock, retainFinishedMs: 60_000, retainFinishedMax: 10 });
  const taskEnded = deferred<void>();
  const done = deferred<RunCommandResult>();
  await registry.start('e-1', timeoutMs, () =>
    Promise.resolve({
      log: {} as LogFile,
      done: done.promise,
      ...(withTaskEnded && { taskEnded: taskEnded.promise }),
    }),
  );
  return { clock, registry, taskEnded, done };
}

it("does not time out an execution whose task ended in time while the engine's work after it runs on", async () => {
  const { clock, registry, taskEnded, done } = await startTimed(1_000, true);
  await clock.advanceAsync(500);
  taskEnded.resolve();
  await clock.advanceAsync(5_000); // writing inputs back, past the timeout
  done.resolve(result);
  await expect(registry.wait('e-1')).resolves.toEqual(result);
});

it('times out a task that runs past its timeout', async () => {
  const { clock, registry, taskEnded, done } = await startTimed(1_000, true);
  const outcome = registry.wait('e-1');
  await clock.advanceAsync(1_500);
  taskEnded.resolve();
  done.resolve(result);
  await expect(outcome).rejects.toThrow(/timed out/);
});

it('times out the whole run of an engine that does not say when its task ended', async () => {
  const { clock, registry, done } = await startTimed(1_000, false);
  const outcome = registry.wait('e-1');
  await clock.advanceAsync(1_500);
  done.resolve(result);
  await expect(outcome).rejects.toThrow(/timed out/);
});

/** What `promise` has settled with so far: `pending` until it settles. */
function settledState(promise: Promise<unknown>): { current: string } {
  const state = { current: 'pending' };
  promise.then(
    () => (state.current = 'resolved'),
    (err: unknown) => (state.current = (err as Error).message),
  );
  return state;
}

it('tells waiters of the timeout when it comes, and ends a cancel only once the stopped run ended', async () => {
  const { clock, registry, done } = await startTimed(1_000, false);
  const outcome = settledState(registry.wait('e-1'));
  await clock.advanceAsync(1_000);
  // the engine still stops the task (a container's grace period): Go's wait returns at the deadline
  expect(outcome.current).toBe('Execution timed out after 1s');
  const cancel = settledState(registry.cancel('e-1'));
  await clock.advanceAsync(2_000);
  expect(cancel.current).toBe('pending');
  done.resolve(result);
  await clock.advanceAsync(0);
  expect(cancel.current).toBe('resolved');
  await expect(registry.wait('e-1')).rejects.toThrow('Execution timed out after 1s');
});

it('counts the timeout from the start, the launch included', async () => {
  const clock = new ManualClock();
  const registry = new ExecutionRegistry({ clock, retainFinishedMs: 60_000, retainFinishedMax: 10 });
  const done = deferred<RunCommandResult>();
  await registry.start('e-1', 1_000, async () => {
    await clock.advanceAsync(400); // pulling the image, creating the container
    return { log: {} as LogFile, done: done.promise };
  });
  const outcome = settledState(registry.wait('e-1'));
  await clock.advanceAsync(600);
  expect(outcome.current).toBe('Execution timed out after 1s');
  done.resolve(result);
});
