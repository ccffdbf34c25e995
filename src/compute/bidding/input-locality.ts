/**
 * `JobAdmissionControl.Locality` (Go's `semantic.InputLocalityStrategy`): with `local`, only jobs whose
 * inputs are all already on this node; with `anywhere` (the default), any job.
 */
import { BacalhauError } from '../../models/bacerrors.js';
import type { StorageLookup } from '../capacity/usage.js';
import { bidResponse, taskOf, type SemanticBidStrategy } from './types.js';

export type Locality = 'local' | 'anywhere';

/**
 * @throws (as a rejection) the storage lookup's error for an input type this node lacks (Go does the
 *   same, even though the storage-installed strategy has already refused such a job); BacalhauError
 *   `InputLocalityStrategy: failed to check for storage resource locality: …` when a provider fails.
 */
export function inputLocalityStrategy(locality: Locality, storages: StorageLookup): SemanticBidStrategy {
  return {
    async shouldBid(request) {
      if (locality === 'anywhere') return bidResponse(true, 'download data that is not available locally');
      const inputs = taskOf(request.job).InputSources ?? [];
      let missing = 0;
      for (const input of inputs) {
        const storage = await storages.get(input.Source?.Type ?? '');
        let local: boolean;
        try {
          local = await storage.hasStorageLocally(input);
        } catch (err) {
          throw BacalhauError.wrap(
            err,
            'InputLocalityStrategy: failed to check for storage resource locality',
          );
        }
        if (!local) missing++;
      }
      return bidResponse(
        missing === 0,
        `have all input data locally (${missing} inputs require downloading)`,
      );
    },
  };
}
