/**
 * Preparing every input of an execution (Go's `ParallelPrepareStorage` / `ParallelCleanStorage`):
 * all at once, and all or nothing.
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
 * Prepares `inputs` concurrently under `storageDirectory`, in their order. If one fails the others are
 * cancelled, whatever was prepared is cleaned up, and the first failure is thrown, naming its input
 * (`InputSources[i]…`). Cleanup failures on that path are dropped: the input's error is the one to report.
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
  const settled = await Promise.allSettled(
    inputs.map(async (input, index): Promise<PreparedInput> => {
      try {
        const storage = await registry.get(input.Source?.Type ?? '');
        return { input, volume: await storage.prepareStorage(storageDirectory, input, { signal }) };
      } catch (err) {
        // Only the first failure is the cause; the others are usually our own cancellation.
        firstError ??= atInput(index, err);
        failed.abort();
        throw firstError;
      }
    }),
  );
  const prepared = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (firstError === undefined) return prepared;
  await cleanupInputs(registry, prepared);
  throw firstError;
}

/**
 * Cleans up what `prepareInputs` returned. Every volume is attempted; the failures are returned (for the
 * caller to log) rather than thrown, since the execution's outcome does not depend on them. They name
 * inputs by their position in `prepared`, which is the inputs' order when preparing succeeded.
 */
export async function cleanupInputs(
  registry: StorageRegistry,
  prepared: readonly PreparedInput[],
): Promise<BacalhauError[]> {
  const settled = await Promise.allSettled(
    prepared.map(async ({ input, volume }) => {
      const storage = await registry.get(input.Source?.Type ?? '');
      await storage.cleanupStorage(input, volume);
    }),
  );
  return settled.flatMap((result, index) =>
    result.status === 'rejected' ? [atInput(index, result.reason)] : [],
  );
}
