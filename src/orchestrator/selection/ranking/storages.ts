/**
 * Storages ranker (Go `NewStoragesNodeRanker`): +10 if the node offers every input source type of the
 * job's tasks, else −1 naming the first missing one. Deliberate: types are checked in the order the
 * inputs are listed (Go takes them from a map, so which missing type is named varies between runs).
 * A missing `local` says which setting offers it.
 */
import { taskStorageTypes, type ComputeNodeInfo, type Job } from '../../../models/index.js';
import { FeatureNodeRanker } from './features.js';

export class StoragesNodeRanker extends FeatureNodeRanker {
  protected required(job: Job): string[] {
    return [...new Set(job.Tasks.flatMap(taskStorageTypes))];
  }

  protected provided(info: ComputeNodeInfo): readonly string[] | undefined {
    return info.StorageSources;
  }

  /** Local inputs are offered only where the operator allowed folders (Go's too); users ask why not. */
  protected override howToOffer(type: string): string | undefined {
    return type === 'local'
      ? 'a node offers local inputs once its Compute.AllowListedLocalPaths names their folders'
      : undefined;
  }
}
