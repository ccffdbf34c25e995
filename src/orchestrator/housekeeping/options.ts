/** Housekeeping options in, compiled and frozen options out (design example 7). */
import { systemClock, type Clock } from '../../lib/clock.js';
import { BacalhauError, ErrorCode, newEvaluationID, type Evaluation } from '../../models/index.js';
import type { JobStore } from '../../store/types.js';

export const HousekeepingComponent = 'Housekeeping';

export const HousekeepingDefaults = Object.freeze({
  /** `Orchestrator.Scheduler.HousekeepingInterval`. */
  intervalMs: 30_000,
  /** `Orchestrator.Scheduler.HousekeepingTimeout`: the grace added to every timeout. */
  timeoutBufferMs: 120_000,
  /** In-progress jobs read per store snapshot. */
  pageSize: 500,
});

/** What one pass found and did. */
export interface HousekeepingPass {
  /** Epoch milliseconds on the housekeeping clock when the pass started. */
  readonly time: number;
  /** In-progress batch and ops jobs looked at. */
  readonly jobsChecked: number;
  /** The `job-timeout` / `exec-timeout` evaluations created, in creation order. */
  readonly evaluations: readonly Evaluation[];
}

export interface HousekeepingOptions {
  store: JobStore;
  /** Drives the pass timer and is the `now` timeouts are measured against. Default: the wall clock. */
  clock?: Clock;
  /** Time between passes; > 0. Default 30 s. */
  intervalMs?: number;
  /**
   * Added to every timeout before housekeeping acts (Go's `TimeoutBuffer`, from
   * `Orchestrator.Scheduler.HousekeepingTimeout`): compute nodes enforce execution timeouts themselves
   * and should get to report the failure first. ≥ 0. Default 2 minutes.
   */
  timeoutBufferMs?: number;
  /** In-progress jobs read per store snapshot (one read and at most one write per page). Default 500. */
  pageSize?: number;
  /** IDs of the evaluations created; default `v-<uuid>` (Go's `NewEvaluation`). */
  newEvaluationId?: () => string;
  /** Called after every timer-driven pass (metrics, tests). Must not throw. */
  onPass?: (pass: HousekeepingPass) => void;
  /** Failures no caller receives (a timer-driven pass that failed). Default: console.error. */
  onError?: (error: unknown) => void;
}

export interface CompiledHousekeepingOptions {
  readonly store: JobStore;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly timeoutBufferMs: number;
  readonly pageSize: number;
  readonly newEvaluationId: () => string;
  readonly onPass: ((pass: HousekeepingPass) => void) | undefined;
  readonly onError: (error: unknown) => void;
}

/**
 * @throws BacalhauError (ValidationError) listing every problem: a missing store, an interval that is
 *   not > 0, a negative or non-finite buffer, a page size that is not an integer ≥ 1
 */
export function compileHousekeepingOptions(options: HousekeepingOptions): CompiledHousekeepingOptions {
  const intervalMs = options.intervalMs ?? HousekeepingDefaults.intervalMs;
  const timeoutBufferMs = options.timeoutBufferMs ?? HousekeepingDefaults.timeoutBufferMs;
  const pageSize = options.pageSize ?? HousekeepingDefaults.pageSize;
  const problems: string[] = [];
  if ((options.store as JobStore | undefined) === undefined) problems.push('job store cannot be nil');
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    problems.push(`interval must be greater than zero: ${intervalMs}`);
  }
  if (!Number.isFinite(timeoutBufferMs) || timeoutBufferMs < 0) {
    problems.push(`timeout buffer must be a finite number >= 0: ${timeoutBufferMs}`);
  }
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    problems.push(`page size must be an integer >= 1: ${pageSize}`);
  }
  if (problems.length > 0) {
    throw new BacalhauError(`error validating housekeeping params: ${problems.join('; ')}`, {
      code: ErrorCode.ValidationError,
      component: HousekeepingComponent,
    });
  }
  return Object.freeze({
    store: options.store,
    clock: options.clock ?? systemClock,
    intervalMs,
    timeoutBufferMs,
    pageSize,
    newEvaluationId: options.newEvaluationId ?? newEvaluationID,
    onPass: options.onPass,
    onError: options.onError ?? ((error: unknown) => console.error('housekeeping:', error)),
  });
}
