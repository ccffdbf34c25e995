/**
 * Every input type of the job has an installed storage provider here (Go's
 * `semantic.NewStorageInstalledBidStrategy`). Types are taken from all tasks, each once.
 */
import type { StorageLookup } from '../capacity/usage.js';
import { providerInstalledStrategy } from './provider-installed.js';
import type { SemanticBidStrategy } from './types.js';

export function storageInstalledStrategy(storages: StorageLookup): SemanticBidStrategy {
  return providerInstalledStrategy(
    (type) =>
      storages.get(type).then(
        () => true,
        () => false,
      ),
    (job) => [
      ...new Set(job.Tasks.flatMap((task) => (task.InputSources ?? []).map((i) => i.Source?.Type ?? ''))),
    ],
  );
}
