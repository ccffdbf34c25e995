/**
 * The ops scheduler (Go `OpsJobScheduler`, reference §3.3): run once on every node that matches when the
 * job is first evaluated, started directly (DesiredState Running, no bidding), never retried. Each run:
 *
 * 1. job terminal → cancel every live execution, nothing else;
 * 2. live executions on lost nodes → Failed;
 * 3. past the total timeout → job Failed; else executions past the execution timeout → Failed;
 * 4. executions of older job versions → cancelled (running ones rate-limited);
 * 5. every matching node without an execution of the current version (in any state) and without a
 *    remaining live one gets a new execution (rate-limited); no matching node and no execution at all
 *    → job Failed ("not matching nodes to run job out of N available nodes." and the reasons);
 * 6. job failed → cancel the remaining live executions; else with nothing live and nothing pending in
 *    the plan (no new execution or evaluation) → job Failed "Job failed because one or more executions
 *    failed" if any execution failed, "Job failed because every node rejected it." with each node's
 *    reason if every execution of the version was rejected (it ran nowhere), else Completed;
 * 7. job → Running once an execution may run.
 *
 * Deliberate differences from Go: once the job has failed (total timeout) no execution is created in
 * the same plan; Go still adds them, so the planner would create executions for a failed job. A job that
 * every node rejected fails; Go calls it Completed, with exit code 0, though it ran nowhere.
 */
import {
  markJobCompleted,
  markJobFailed,
  markJobRunningIfEligible,
  type Execution,
  type Plan,
} from '../../models/index.js';
import { noMatchingNodes, reasonLines, type NodeReason } from '../selection/index.js';
import {
  addExecution,
  cancelIfJobTerminal,
  enforceTimeouts,
  failLostExecutions,
  isFailed,
  liveExecutions,
  matchingNodes,
  retirePreviousVersions,
  selectionFailureEvent,
  startRun,
  type Run,
} from './common.js';
import { inState, markStopped, ofVersion, union, type Executions } from './exec-set.js';
import { withLastFailure } from './failure-cause.js';
import { compileSchedulerOptions } from './options.js';
import { applyRateLimit } from './rate-limiter.js';
import type { CompiledSchedulerOptions, Scheduler, SchedulerInput, SchedulerOptions } from './types.js';

export class OpsJobScheduler implements Scheduler {
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

    const [healthy, lost] = failLostExecutions(run, live);
    const [remaining, timedOut] = enforceTimeouts(run, healthy);
    // What fails this version: Go counts the failures of every version, so that an ops job that failed
    // once failed again on every rerun or update, however its new executions ended.
    const failed = ofVersion(union(union(inState(all, 'Failed'), lost), timedOut), job.Version);
    live = retirePreviousVersions(run, remaining);

    if (!isFailed(run)) createMissingExecutions(run, union(ofVersion(all, job.Version), live));

    if (isFailed(run)) {
      markStopped(plan, live, () => events.execStoppedDueToJobFailure(), 'Cancelled');
    } else if (live.length === 0 && !hasPendingWork(plan)) {
      const rejected = rejectedEverywhere(ofVersion(all, job.Version));
      if (failed.length > 0) markJobFailed(plan, withLastFailure(events.jobExecutionsFailed(), failed, plan));
      else if (rejected.length > 0) markJobFailed(plan, events.jobRejectedEverywhere(reasonLines(rejected)));
      else markJobCompleted(plan, events.jobStateUpdate('Completed'));
    }
    markJobRunningIfEligible(plan, events.jobStateUpdate('Running'));
    return plan;
  }
}

/** `existing`: every execution of the current version, plus old-version ones still running. */
function createMissingExecutions(run: Run, existing: Executions): void {
  const { matched, rejected } = matchingNodes(run);
  if (matched.length === 0) {
    if (existing.length === 0)
      markJobFailed(run.plan, selectionFailureEvent(run, noMatchingNodes(rejected, run.input.nodes)));
    return;
  }
  const used = new Set(existing.map((e) => e.NodeID));
  const toSchedule = matched.filter((rank) => !used.has(rank.nodeInfo.NodeID));
  if (toSchedule.length === 0) return;
  const count = applyRateLimit(run.options, run.plan, toSchedule.length, run.nowMs);
  for (const rank of toSchedule.slice(0, count)) addExecution(run, rank.nodeInfo.NodeID, 'Running');
}

/** Each node's refusal when every one of `executions` was refused by its node; else none. */
function rejectedEverywhere(executions: readonly Execution[]): NodeReason[] {
  if (!executions.every((e) => e.ComputeState.StateType === 'AskForBidRejected')) return [];
  return executions.map((e) => ({ nodeID: e.NodeID, reason: e.ComputeState.Message ?? '' }));
}

/** Go `Plan.HasPendingWork`: the plan creates executions or evaluations. */
function hasPendingWork(plan: Plan): boolean {
  return plan.NewExecutions.length > 0 || plan.NewEvaluations.length > 0;
}
