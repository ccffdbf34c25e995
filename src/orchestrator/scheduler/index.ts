/** The schedulers: one evaluation in, one plan out. See README.md. */
export * from './types.js';
export { BatchServiceJobScheduler } from './batch-service.js';
export { DaemonJobScheduler } from './daemon.js';
export { OpsJobScheduler } from './ops.js';
export { createSchedulerRegistry, schedulerFor } from './registry.js';
export { compileSchedulerOptions, defaultIds, defaultNodeSelector } from './options.js';
export { alwaysRetry, fixedRetryStrategy } from './retry.js';
export { applyRateLimit, type RateLimit } from './rate-limiter.js';
export { newDelayedEvaluation, type DelayedEvaluationOptions } from './delayed-evaluation.js';
