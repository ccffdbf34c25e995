/**
 * Preparing every input of an execution (Go's `ParallelPrepareStorage` / `ParallelCleanStorage`):
 * several at once, and all or nothing.
 */
import type { BacalhauError, InputSource } from '../models/index.js';
import { atInput } from './errors.js';
import type { StorageRegistry } from './registry.js';
import type { IoOptions, StorageVolume } from './types.js';
import { anySignal } from '../lib/any-signal.js';

export interface PreparedInput {
  readonly input: InputSource;
  readonly volume: StorageVolume;
}

/**
 * Inputs prepared at once. Go starts them all together; a spec may list thousands, and as many
 * downloads at once would hold as many sockets and files.
 */
export const ConcurrentInputs = 8;

/** How long preparing or cleaning up inputs may hold the event loop before it lets other work run. */
const MaxHoldMs = 10;

/**
 * Prepares `inputs` under `storageDirectory`, {@link ConcurrentInputs} at a time, and returns them in
 * their order. If one fails the others are cancelled (and those not begun are not begun), whatever was
 * prepared is cleaned up, and the first failure is thrown, naming its input (`InputSources[i]…`).
 * Cleanup failures on that path are dropped: the input's error is the one to report.
 */
export async function prepareInputs(
  registry: StorageRegistry,
  storageDirectory: string,
  inputs: readonly InputSource[],
  options: IoOptions = {},
): Promise<PreparedInput[]> {
  const failed = new AbortController();
  const signal = options.signal === undefined ? failed.signal : anySignal([options.signal, failed.signal]);
  let firstError: BacalhauError | undefined;
  const prepared: (PreparedInput | undefined)[] = [];
  await inTurns(inputs.length, async (index) => {
    const input = inputs[index]!;
    try {
      const storage = await registry.get(input.Source?.Type ?? '');
      prepared[index] = { input, volume: await storage.prepareStorage(storageDirectory, input, { signal }) };
      return true;
    } catch (err) {
      // Only the first failure is the cause; the others are usually our own cancellation.
      firstError ??= atInput(index, err);
      failed.abort();
      return false;
    }
  });
  const done = prepared.filter((p): p is PreparedInput => p !== undefined);
  if (firstError === undefined) return done;
  await cleanupInputs(registry, done);
  throw firstError;
}

/**
 * Cleans up what `prepareInputs` returned, {@link ConcurrentInputs} at a time. Every volume is
 * attempted; the failures are returned (for the caller to log) rather than thrown, since the
 * execution's outcome does not depend on them. They name inputs by their position in `prepared`,
 * which is the inputs' order when preparing succeeded.
 */
export async function cleanupInputs(
  registry: StorageRegistry,
  prepared: readonly PreparedInput[],
): Promise<BacalhauError[]> {
  const failures: BacalhauError[] = [];
  await inTurns(prepared.length, async (index) => {
    const { input, volume } = prepared[index]!;
    try {
      const storage = await registry.get(input.Source?.Type ?? '');
      await storage.cleanupStorage(input, volume);
    } catch (err) {
      failures[index] = atInput(index, err);
    }
    return true;
  });
  return failures.filter((failure) => failure !== undefined);
}

/**
 * Runs `step` for each index below `count` in order, {@link ConcurrentInputs} at a time, until one
 * returns false; lets other work run whenever it has held the event loop {@link MaxHoldMs} (inline
 * data is written and removed without waiting for I/O, so thousands of inputs would hold it throughout).
 */
async function inTurns(count: number, step: (index: number) => Promise<boolean>): Promise<void> {
  let next = 0;
  let stopped = false;
  let heldSince = performance.now();
  const takeTurns = async (): Promise<void> => {
    while (!stopped && next < count) {
      if (!(await step(next++))) stopped = true;
      else if (performance.now() - heldSince > MaxHoldMs) {
        await new Promise(setImmediate);
        heldSince = performance.now();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ConcurrentInputs, count) }, takeTurns));
}
