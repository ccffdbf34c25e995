/**
 * The daemon scheduler (Go `DaemonJobScheduler`, reference §3.3): one execution on every matching node,
 * started directly (DesiredState Running, no bidding), including nodes that join later (a `node-join`
 * evaluation runs this again). Each run:
 *
 * 1. job terminal → cancel every live execution, nothing else;
 * 2. live executions on lost nodes → Failed;
 * 3. executions of older job versions → cancelled (running ones rate-limited);
 * 4. every matching node without a live execution of the job gets a new one (rate-limited), so a daemon
 *    whose execution failed is restarted, at most twice per node and version (the previous-executions
 *    ranker stops matching the node after that; executions lost with their node, or stopped by its
 *    shutdown, do not count: not in Go);
 * 5. job → Running once an execution may run.
 *
 * A daemon job never completes and never fails here, and has no timeouts; when no node matches it
 * waits for nodes to join (Queued at its submission, with the reasons; Go leaves it Pending, silent).
 * When its last execution failed and the nodes that ran it will not take it again (step 4's limit),
 * its history says so and how to retry (Go stays silent: the job shows Running, running nowhere).
 *
 * Not in Go: a node that would take the job but for its current load ({@link busyNodes}) is waited for
 * as a batch job waits for capacity: a `job-queue` evaluation after `QueueBackoff`, and a Queueing
 * event in the job's history saying which nodes it waits for. Go's daemon scheduler reaches such a
 * node only when some node joins.
 */
import {
  EvalTrigger,
  lessThanEq,
  markJobQueued,
  markJobRunningIfEligible,
  shortNodeID,
  type Job,
  type Plan,
} from '../../models/index.js';
import {
  ExecutedMoreThanOnceReason,
  formatBusyNodes,
  noMatchingNodes,
  type NodeRank,
} from '../selection/index.js';
import { jobResources } from '../selection/ranking/job-resources.js';
import {
  addExecution,
  cancelIfJobTerminal,
  failLostExecutions,
  liveExecutions,
  matchingNodes,
  retirePreviousVersions,
  startRun,
} from './common.js';
import { compileSchedulerOptions } from './options.js';
import { newDelayedEvaluation } from './delayed-evaluation.js';
import { applyRateLimit } from './rate-limiter.js';
import type { CompiledSchedulerOptions, Scheduler, SchedulerInput, SchedulerOptions } from './types.js';

/** The evaluations that place a version of the job anew: its submission, an update, a rerun. */
const placingTriggers = new Set<string>([
  EvalTrigger.JobRegister,
  EvalTrigger.JobUpdate,
  EvalTrigger.JobRerun,
]);

export class DaemonJobScheduler implements Scheduler {
  readonly options: CompiledSchedulerOptions;

  constructor(options: SchedulerOptions = {}) {
    this.options = compileSchedulerOptions(options);
  }

  process(input: SchedulerInput): Plan {
    const run = startRun(input, this.options);
    const { job, plan, events } = run;
    let live = liveExecutions(run);
    if (cancelIfJobTerminal(run, live)) return plan;

    [live] = failLostExecutions(run, live);
    live = retirePreviousVersions(run, live);

    const { matched, rejected } = matchingNodes(run);
    const occupied = new Set(live.map((e) => e.NodeID));
    const toSchedule = matched.filter((rank) => !occupied.has(rank.nodeInfo.NodeID));
    const count = applyRateLimit(this.options, plan, toSchedule.length, run.nowMs);
    for (const rank of toSchedule.slice(0, count)) addExecution(run, rank.nodeInfo.NodeID, 'Running');

    const busy = busyNodes(job, rejected, occupied);
    // a rate-limited plan already has its follow-up evaluation, which runs all of this again
    if (busy.length > 0 && plan.NewEvaluations.length === 0) {
      const reason = formatBusyNodes(busy, matched.length + rejected.length);
      plan.NewEvaluations.push(
        newDelayedEvaluation(plan.Eval, {
          id: this.options.ids.evaluation(),
          nowMs: run.nowMs,
          waitUntilMs: run.nowMs + this.options.queueBackoffMs,
          triggeredBy: EvalTrigger.JobQueue,
          comment: reason,
        }),
      );
      // said once per wait, not at every retry; Queued when nothing of it runs yet
      if (plan.Eval.TriggeredBy !== EvalTrigger.JobQueue) {
        const event = events.jobQueued(reason);
        const idle =
          live.length === 0 && plan.NewExecutions.length === 0 && job.State.StateType === 'Pending';
        if (idle) markJobQueued(plan, event);
        else plan.JobEvents.push(event);
      }
    }

    // Not in Go, where such a job stays Pending without a word: said once, at its submission, update
    // or rerun
    if (
      matched.length === 0 &&
      busy.length === 0 &&
      live.length === 0 &&
      job.State.StateType === 'Pending' &&
      placingTriggers.has(plan.Eval.TriggeredBy)
    ) {
      markJobQueued(plan, events.jobQueued(noMatchingNodes(rejected, input.nodes).message));
    }

    // Not in Go: the last of its executions just failed, and the nodes that ran it will not again
    const exhausted = rejected.filter((r) => r.reason === ExecutedMoreThanOnceReason);
    if (
      plan.Eval.TriggeredBy === EvalTrigger.ExecUpdate &&
      live.length === 0 &&
      plan.NewExecutions.length === 0 &&
      exhausted.length > 0
    ) {
      plan.JobEvents.push(
        events.daemonRunsNowhere(
          exhausted.map((r) => shortNodeID(r.nodeInfo.NodeID)),
          job.Version,
        ),
      );
    }

    markJobRunningIfEligible(plan, events.jobStateUpdate('Running'));
    return plan;
  }
}

/**
 * Nodes without an execution of the job that refused it only for reasons that pass (every veto
 * retryable: busy, queue full) and whose largest allowed job it fits, so that it will fit once they
 * have room. A node whose limits the job exceeds is not waited for, though Go calls that retryable too.
 */
function busyNodes(job: Job, rejected: readonly NodeRank[], occupied: ReadonlySet<string>): NodeRank[] {
  const requested = jobResources(job);
  return rejected.filter(
    ({ nodeInfo, retryable }) =>
      retryable &&
      !occupied.has(nodeInfo.NodeID) &&
      lessThanEq(requested, nodeInfo.ComputeNodeInfo.MaxJobRequirements),
  );
}
