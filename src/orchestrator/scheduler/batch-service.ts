/**
 * The batch and service scheduler (Go `BatchServiceJobScheduler`, reference §3.2). A job has `Count`
 * partitions (0..Count−1); each needs exactly one live execution, placed on a distinct node by bid and
 * approval:
 *
 * 1. job terminal → cancel every live execution, nothing else;
 * 2. live executions on lost nodes → Failed;
 * 3. batch only: past the total timeout → job Failed; else executions past the execution timeout → Failed;
 * 4. executions of older job versions → cancelled (running ones rate-limited);
 * 5. per partition: approve the oldest accepted bid, reject or cancel the surplus;
 * 6. partitions without a live (or, for batch, completed) execution get new ones (ComputeState New,
 *    DesiredState Pending) on the best-ranked nodes (of a random sample in a large cluster: the selector
 *    is told how many nodes are wanted), after the retry strategy agreed if anything failed;
 *    too few nodes → `job-queue` evaluation (and the job Queued when none matched; else, when this
 *    evaluation failed executions, an event saying how many partitions wait), or the job Failed once
 *    its queue timeout has passed;
 * 7. job failed → cancel the remaining live executions; batch with every partition Completed for the
 *    current version → job Completed (so a batch job with Count 0 completes at once); any execution
 *    allowed to run → job Running.
 *
 * A service never completes. An execution of a service that reports a result is marked Failed by the
 * message handler ("execution completed unexpectedly"), not here; completed service executions simply
 * do not count as live, so their partitions are placed again.
 *
 * Deliberate difference from Go: once the job has failed (total timeout) nothing is approved, rejected
 * or created in the same plan. Go goes on and can add new executions, a `job-queue` evaluation or even
 * turn the failure into Queued; the approvals and rejections it adds are overwritten by the cancellations
 * anyway, leaving only stray execution events.
 */
import {
  EvalTrigger,
  JobType,
  markJobCompleted,
  markJobFailed,
  markJobQueued,
  markJobRunningIfEligible,
  type Execution,
  type Plan,
} from '../../models/index.js';
import { nanosToMs, NanosPerSecond } from '../../models/go-time.js';
import { notEnoughNodes } from '../selection/index.js';
import {
  cancelIfJobTerminal,
  enforceTimeouts,
  failLostExecutions,
  isFailed,
  liveExecutions,
  matchingNodes,
  addExecution,
  retirePreviousVersions,
  selectionFailureEvent,
  startRun,
  type Run,
} from './common.js';
import { newDelayedEvaluation } from './delayed-evaluation.js';
import { withLastFailure } from './failure-cause.js';
import {
  approvalDecision,
  byPartition,
  completedPartitions,
  inState,
  markApproved,
  markStopped,
  ofVersion,
  remainingPartitions,
  union,
  type Executions,
} from './exec-set.js';
import { compileSchedulerOptions } from './options.js';
import { applyRateLimit } from './rate-limiter.js';
import type { CompiledSchedulerOptions, Scheduler, SchedulerInput, SchedulerOptions } from './types.js';

export class BatchServiceJobScheduler implements Scheduler {
  readonly options: CompiledSchedulerOptions;

  constructor(options: SchedulerOptions = {}) {
    this.options = compileSchedulerOptions(options);
  }

  process(input: SchedulerInput): Plan {
    const run = startRun(input, this.options);
    const { job, plan, events } = run;
    const all = input.executions;
    let live = liveExecutions(run);
    if (cancelIfJobTerminal(run, live)) return plan;

    let failed: Execution[] = inState(all, 'Failed');
    const [healthy, lost] = failLostExecutions(run, live);
    live = healthy;
    // what this evaluation itself failed: lost with their node, or timed out
    let failedNow: Execution[] = lost;

    if (job.Type !== JobType.Service) {
      const [remaining, timedOut] = enforceTimeouts(run, live);
      live = remaining;
      failedNow = [...failedNow, ...timedOut];
    }
    failed = union(failed, failedNow);

    live = retirePreviousVersions(run, live);

    if (!isFailed(run)) {
      // What occupies a partition: live executions and, for batch, completed ones of this version.
      const occupying =
        job.Type === JobType.Service ? live : union(live, inState(ofVersion(all, job.Version), 'Completed'));
      approveAndReject(run, occupying);
      scheduleRemainingPartitions(run, occupying, {
        failed,
        failedNow: failedNow.length > 0,
        running: live.length > 0,
      });
    }

    if (isFailed(run)) {
      markStopped(plan, live, () => events.execStoppedDueToJobFailure(), 'Cancelled');
      return plan;
    }
    if (isComplete(run)) markJobCompleted(plan, events.jobStateUpdate('Completed'));
    markJobRunningIfEligible(plan, events.jobStateUpdate('Running'));
    return plan;
  }
}

function approveAndReject(run: Run, occupying: Executions): void {
  const { plan, events } = run;
  for (const partition of byPartition(occupying).values()) {
    const decision = approvalDecision(partition);
    markApproved(plan, decision.approve, () => events.execRunning());
    markStopped(plan, decision.reject, () => events.execStoppedByNodeRejected(), 'BidRejected');
    markStopped(plan, decision.cancel, () => events.execStoppedByOversubscription(), 'Cancelled');
  }
}

interface PartitionsSoFar {
  failed: Executions;
  /** This evaluation failed executions (lost, timed out) whose partitions are placed again. */
  failedNow: boolean;
  /** Some execution is placed or under way (completed ones are not). */
  running: boolean;
}

function scheduleRemainingPartitions(
  run: Run,
  occupying: Executions,
  { failed, failedNow, running }: PartitionsSoFar,
): void {
  const { job, plan, events } = run;
  // never more than one partition per node can be placed in one pass
  const remaining = remainingPartitions(occupying, job.Count, run.input.nodes.length);
  if (remaining.count === 0) return;
  if (
    failed.length > 0 &&
    !run.options.retryStrategy.shouldRetry({ jobID: job.ID, job, failedExecutions: failed })
  ) {
    markJobFailed(plan, withLastFailure(events.jobExhaustedRetries(), failed, plan));
    return;
  }

  // One node per remaining partition: the selector may rank a random sample (see NodeSelector).
  const { matched, rejected } = matchingNodes(run, remaining.count);

  if (matched.length < remaining.count) {
    const failure = notEnoughNodes(remaining.count, [...matched, ...rejected], run.input.nodes);
    const queueTimeout = job.Tasks[0]?.Timeouts?.QueueTimeout ?? 0;
    // QueueTimeout 0 means "do not queue". Go's strict Before only gets that right because its clock has
    // nanoseconds; ours has milliseconds, so a job scheduled in the millisecond it was created would queue.
    if (queueTimeout <= 0 || run.timeoutsFrom < run.nowNs - queueTimeout * NanosPerSecond) {
      // a node's refusal of the bid says why too ("job rejected" alone does not)
      const refused = inState(run.input.executions, 'AskForBidRejected');
      markJobFailed(plan, withLastFailure(selectionFailureEvent(run, failure), union(failed, refused), plan));
      return;
    }
    plan.NewEvaluations.push(
      newDelayedEvaluation(plan.Eval, {
        id: run.options.ids.evaluation(),
        nowMs: run.nowMs,
        waitUntilMs: Math.min(run.nowMs + run.options.queueBackoffMs, queueDeadlineMs(run, queueTimeout)),
        triggeredBy: EvalTrigger.JobQueue,
        comment: failure.message,
      }),
    );
    // Fully queued when no node at all could take a partition and nothing runs (partitions that
    // completed do not count); said once (a Queued job stays so at its retries). Not while some
    // partitions are placed (deliberate: Go calls such a job Queued, and Running again at each of their
    // updates). Deliberate too: an update or rerun is Queued as a new job is; Go leaves it Pending, with
    // no word of why, until its queue timeout.
    if (
      matched.length === 0 &&
      !running &&
      (job.State.StateType === 'Running' || job.State.StateType === 'Pending')
    ) {
      markJobQueued(plan, events.jobQueued(failure.message));
    } else if (failedNow) {
      // Not in Bacalhau: a Running job whose lost partitions wait for a node would say nothing of it.
      // Said when they are lost; the queue's later looks, which find the same, add nothing.
      plan.JobEvents.push(events.partitionsQueued(remaining.count - matched.length, failure.message));
    }
  }

  const count = applyRateLimit(run.options, plan, Math.min(matched.length, remaining.count), run.nowMs);
  for (let i = 0; i < count; i++) {
    const node = matched[i];
    const partition = remaining.lowest[i];
    if (node === undefined || partition === undefined) break;
    addExecution(run, node.nodeInfo.NodeID, 'Pending', partition);
  }
}

/**
 * Just past the end of the job's queue timeout: a job still waiting then is looked at once more, and
 * fails, rather than at its next backoff (Go's, a minute later by default).
 */
function queueDeadlineMs(run: Run, queueTimeoutSeconds: number): number {
  return nanosToMs(run.timeoutsFrom) + queueTimeoutSeconds * 1000 + 1;
}

/** Batch only: every partition has a Completed execution of the current version. */
function isComplete(run: Run): boolean {
  if (run.job.Type !== JobType.Batch) return false;
  return completedPartitions(ofVersion(run.input.executions, run.job.Version)).size >= run.job.Count;
}
