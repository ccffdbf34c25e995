/**
 * The two kinds of bid strategy (Go's `bidstrategy.SemanticBidStrategy` / `ResourceBidStrategy`).
 * Executors implement both, so an engine's own checks plug in unchanged.
 *
 * A strategy resolves with a refusal when the job cannot run here, and rejects only when it could not
 * decide (a probe unreachable, an input's size unknown): the bidder then fails the execution instead of
 * refusing it.
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import type { Job } from '../../models/job.js';
import type { Resources } from '../../models/resources.js';
import type { Task } from '../../models/task.js';
import type { BidRequest, BidResponse, SignalOption } from '../../executor/types.js';

export type { BidRequest, BidResponse, SignalOption };

/** Decides on the job alone. */
export interface SemanticBidStrategy {
  shouldBid(request: BidRequest, options?: SignalOption): Promise<BidResponse>;
}

/** Decides given what the execution would use (defaults and input sizes included). */
export interface ResourceBidStrategy {
  shouldBidBasedOnUsage(request: BidRequest, usage: Resources, options?: SignalOption): Promise<BidResponse>;
}

/**
 * Go's `bidstrategy.NewBidResponse`: the reason reads `this node does [not] <requirement>`, e.g.
 * `this node does not run jobs that require network access`.
 */
export function bidResponse(success: boolean, requirement: string): BidResponse {
  return { shouldBid: success, reason: `this node does ${success ? '' : 'not '}${requirement}` };
}

/** A semantic strategy that decides without I/O; a throw becomes a rejection, never a synchronous throw. */
export function syncSemanticStrategy(decide: (request: BidRequest) => BidResponse): SemanticBidStrategy {
  return { shouldBid: (request) => new Promise((resolve) => resolve(decide(request))) };
}

/** The job's only task (Go's `Job.Task()`). @throws BacalhauError ValidationError for a job without one. */
export function taskOf(job: Job): Task {
  const task = job.Tasks[0];
  if (task === undefined) {
    throw new BacalhauError(`job ${job.ID} has no task`, {
      code: ErrorCode.ValidationError,
      component: 'Bidder',
      hint: 'A job needs exactly one task: resubmit it with Tasks set.',
    });
  }
  return task;
}
