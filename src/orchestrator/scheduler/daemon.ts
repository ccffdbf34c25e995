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
 *    ranker stops matching the node after that);
 * 5. job → Running once an execution may run.
 *
 * A daemon job never completes and never fails here, and has no timeouts; when no node matches, the plan
 * is simply empty and the job waits for nodes to join.
 */
import { markJobRunningIfEligible, type Plan } from '../../models/index.js';
import {
  addExecution,
  cancelIfJobTerminal,
  failLostExecutions,
  liveExecutions,
  retirePreviousVersions,
  startRun,
} from './common.js';
import { compileSchedulerOptions } from './options.js';
import { applyRateLimit } from './rate-limiter.js';
import type { CompiledSchedulerOptions, Scheduler, SchedulerInput, SchedulerOptions } from './types.js';

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

    const { matched } = this.options.selector.matchingNodes(job, {
      nodes: input.nodes,
      executions: input.executions,
    });
    const occupied = new Set(live.map((e) => e.NodeID));
    const toSchedule = matched.filter((rank) => !occupied.has(rank.nodeInfo.NodeID));
    const count = applyRateLimit(this.options, plan, toSchedule.length, run.nowMs);
    for (const rank of toSchedule.slice(0, count)) addExecution(run, rank.nodeInfo.NodeID, 'Running');

    markJobRunningIfEligible(plan, events.jobStateUpdate('Running'));
    return plan;
  }
}
