/**
 * The execution rate limiter (Go `BatchRateLimiter`): caps how many executions one evaluation creates
 * (or, for job updates, cancels). When more are needed, the plan gets an `exec-limit` evaluation after a
 * short backoff that carries on where this one stopped, so a job with thousands of partitions is
 * placed in bounded transactions.
 */
import { EvalTrigger, type Plan } from '../../models/index.js';
import { newDelayedEvaluation } from './delayed-evaluation.js';
import type { IdGenerator } from './types.js';

export interface RateLimit {
  /** 0 or less: no limit. */
  readonly maxExecutionsPerEval: number;
  readonly executionLimitBackoffMs: number;
  readonly ids: IdGenerator;
}

/**
 * How many of `totalNeeded` executions this plan may handle. When that is fewer than needed, appends the
 * follow-up `exec-limit` evaluation to the plan (one per call that hits the limit, as in Go).
 */
export function applyRateLimit(limit: RateLimit, plan: Plan, totalNeeded: number, nowMs: number): number {
  const max = limit.maxExecutionsPerEval;
  if (max <= 0 || totalNeeded <= max) return totalNeeded;
  plan.NewEvaluations.push(
    newDelayedEvaluation(plan.Eval, {
      id: limit.ids.evaluation(),
      nowMs,
      waitUntilMs: nowMs + limit.executionLimitBackoffMs,
      triggeredBy: EvalTrigger.ExecutionLimit,
      comment:
        `Creating delayed evaluation to schedule remaining ${totalNeeded - max} executions ` +
        `after reaching limit of ${max}`,
    }),
  );
  return max;
}
