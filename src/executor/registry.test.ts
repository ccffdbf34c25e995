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
