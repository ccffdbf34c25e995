/**
 * What an execution will use (Go's chained `UsageCalculator`: defaults, then disk): the task's parsed
 * request, with every dimension it leaves at zero taken from the compute node's defaults, and a disk
 * of at least the total size of its inputs. This is what the bidder checks against the node's limits
 * and what the execution is allocated.
 */
import { BacalhauError } from '../../models/bacerrors.js';
import { max, merge, type Resources } from '../../models/resources.js';
import type { Task } from '../../models/task.js';
import { atInput } from '../../storage/errors.js';
import type { IoOptions, Storage } from '../../storage/types.js';

/** How the compute node finds the provider of an input type (a `StorageRegistry`). */
export interface StorageLookup {
  /** Rejects when this node has no installed provider for `type`. */
  get(type: string): Promise<Storage>;
}

/**
 * The floor for tasks that ask for nothing (Go's `DefaultComputeJobResourceLimits`: 100m CPU,
 * 100 MiB memory). Not `JobDefaults`: those are applied by the orchestrator before the job is stored.
 */
export const DefaultComputeJobResourceLimits: Readonly<Resources> = Object.freeze({
  CPU: 0.1,
  Memory: 100 * 1024 * 1024,
  Disk: 0,
  GPU: 0,
});

export interface UsageOptions {
  defaults: Resources;
  storages: StorageLookup;
}

/**
 * @throws the storage lookup's error for an input type this node lacks; BacalhauError
 *   `error getting job disk space requirements: InputSources[i]…` (the storage's code kept) when an input's size
 *   cannot be found out, e.g. an unreachable URL.
 */
export async function calculateUsage(
  task: Task,
  requested: Resources,
  options: UsageOptions,
  io: IoOptions = {},
): Promise<Resources> {
  const withDefaults = max(requested, merge(requested, options.defaults));
  const inputsDisk = await inputsSize(task, options.storages, io);
  return max(withDefaults, { CPU: 0, Memory: 0, Disk: inputsDisk, GPU: 0 });
}

/** Bytes all inputs will take once prepared (Go's `DiskUsageCalculator`). */
async function inputsSize(task: Task, storages: StorageLookup, io: IoOptions): Promise<number> {
  let total = 0;
  for (const [index, input] of (task.InputSources ?? []).entries()) {
    const storage = await storages.get(input.Source?.Type ?? '');
    try {
      total += await storage.getVolumeSize(input, io);
    } catch (err) {
      // which input, as preparing it would say: a job may download several
      throw BacalhauError.wrap(atInput(index, err), 'error getting job disk space requirements');
    }
  }
  return total;
}
