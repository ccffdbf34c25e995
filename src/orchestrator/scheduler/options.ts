/** Scheduler options in, compiled and frozen options out (design example 7). */
import { BacalhauError, ErrorCode, newEvaluationID, newExecutionID } from '../../models/index.js';
import { RankingNodeSelector, createDefaultNodeRanker, type NodeSelector } from '../selection/index.js';
import { alwaysRetry } from './retry.js';
import {
  DefaultExecutionLimitBackoffMs,
  DefaultMaxExecutionsPerEval,
  DefaultQueueBackoffMs,
  type CompiledSchedulerOptions,
  type IdGenerator,
  type SchedulerOptions,
} from './types.js';

export const defaultIds: IdGenerator = Object.freeze({
  execution: newExecutionID,
  evaluation: newEvaluationID,
});

function invalid(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ValidationError, component: 'Scheduler' });
}

function duration(name: string, value: number | undefined, fallback: number): number {
  const ms = value ?? fallback;
  if (!Number.isFinite(ms) || ms < 0) throw invalid(`${name} must be a finite number ≥ 0: ${ms}`);
  return ms;
}

/** Bacalhau's node selection: its ranker chain over every approved, connected compute node. */
export function defaultNodeSelector(): NodeSelector {
  return new RankingNodeSelector(createDefaultNodeRanker());
}

/**
 * @throws BacalhauError (ValidationError) for a negative or non-finite duration, or a non-integer
 *   execution limit
 */
export function compileSchedulerOptions(options: SchedulerOptions = {}): CompiledSchedulerOptions {
  const maxExecutionsPerEval = options.maxExecutionsPerEval ?? DefaultMaxExecutionsPerEval;
  if (!Number.isInteger(maxExecutionsPerEval)) {
    throw invalid(`maxExecutionsPerEval must be an integer: ${maxExecutionsPerEval}`);
  }
  return Object.freeze({
    selector: options.selector ?? defaultNodeSelector(),
    queueBackoffMs: duration('queueBackoffMs', options.queueBackoffMs, DefaultQueueBackoffMs),
    maxExecutionsPerEval,
    executionLimitBackoffMs: duration(
      'executionLimitBackoffMs',
      options.executionLimitBackoffMs,
      DefaultExecutionLimitBackoffMs,
    ),
    retryStrategy: options.retryStrategy ?? alwaysRetry,
    ids: options.ids ?? defaultIds,
  });
}
