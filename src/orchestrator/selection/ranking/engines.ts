/** Engines ranker (Go `NewEnginesNodeRanker`): +10 if the node runs the task's engine, else −1. */
import { jobTask, type ComputeNodeInfo, type Job } from '../../../models/index.js';
import { FeatureNodeRanker } from './features.js';

export class EnginesNodeRanker extends FeatureNodeRanker {
  protected required(job: Job): string[] {
    // Go reads Engine.Type unconditionally; a job without an engine needs the type "".
    return [jobTask(job)?.Engine?.Type ?? ''];
  }

  protected provided(info: ComputeNodeInfo): readonly string[] | undefined {
    return info.ExecutionEngines;
  }
}
