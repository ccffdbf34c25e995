/** The scheduling loop: broker feeding, workers, and the service that assembles them. See README.md. */
export {
  Worker,
  DefaultWorkerBatchSize,
  type EvaluationOutcome,
  type WorkerDependencies,
  type WorkerOptions,
  type WorkerState,
} from './worker.js';
export {
  EvaluationWatcher,
  type EvaluationWatcherOptions,
  type EvaluationWatcherState,
} from './evaluation-watcher.js';
export { evaluationStatusRecorder, type EvaluationStatusRecorder } from './evaluation-status.js';
export { NodeCache, type NodeSource, type NodeCacheState } from './node-cache.js';
export {
  SchedulingService,
  compileWorkerCount,
  type SchedulingServiceOptions,
  type SchedulingServiceState,
} from './service.js';
