/**
 * Publishers ranker (Go `NewPublishersNodeRanker`): +10 if the node offers the task's publisher, else
 * −1. A task without a publisher needs none, so every node gets +10.
 */
import { jobTask, type ComputeNodeInfo, type Job } from '../../../models/index.js';
import { FeatureNodeRanker } from './features.js';

export class PublishersNodeRanker extends FeatureNodeRanker {
  protected required(job: Job): string[] {
    const type = jobTask(job)?.Publisher?.Type ?? '';
    return type === '' ? [] : [type];
  }

  protected provided(info: ComputeNodeInfo): readonly string[] | undefined {
    return info.Publishers;
  }
}
