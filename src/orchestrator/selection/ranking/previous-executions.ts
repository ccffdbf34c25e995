/**
 * Previous-executions ranker (Bacalhau `selection/ranking/previous_executions.go`): spreads retries over
 * nodes. Looking at the executions of the job's current version (Go asks the store for the latest
 * version's executions):
 * - none on the node: +30, `job not executed yet`;
 * - more than one on the node: −1, `job already executed on this node more than once`;
 * - exactly one, and it is still alive (not discarded) or its bid was rejected (AskForBidRejected):
 *   −1, `job rejected`;
 * - exactly one, discarded: 0, `job already executed on this node`.
 * So a node gets at most two attempts at a job. Not retryable. Not in Go: an execution stopped because
 * its node shut down (it said so, or the node failed it for its shutdown) does not count, so that
 * restarting nodes one by one (an upgrade) does not leave a service or daemon job with no node it may
 * run on; nor, for a daemon job, one lost
 * with its node (heartbeats missed): a daemon runs on every node, and two network outages would
 * otherwise leave a node without it for good, without a word. Other jobs go elsewhere, as in Go.
 */
import {
  isDiscardedExecutionState,
  JobType,
  type Execution,
  type Job,
  type NodeInfo,
} from '../../../models/index.js';
import { NodeShutDownFailEvent } from '../../../transport/messages.js';
import { NodeLostStopMessage, NodeShutdownStopMessage } from '../../events.js';
import {
  RankPossible,
  RankPreferred,
  RankUnsuitable,
  type NodeRank,
  type NodeRanker,
  type RankingContext,
} from '../types.js';

export const NotExecutedReason = 'job not executed yet';
export const ExecutedMoreThanOnceReason = 'job already executed on this node more than once';
export const JobRejectedReason = 'job rejected';
export const ExecutedOnceReason = 'job already executed on this node';

interface NodeHistory {
  count: number;
  blocked: boolean;
}

/** Stops that say nothing of what the job did on the node. */
function notTheJobs(job: Job): ReadonlySet<string> {
  return job.Type === JobType.Daemon ? daemonNotTheJobs : otherNotTheJobs;
}
const otherNotTheJobs: ReadonlySet<string> = new Set([NodeShutdownStopMessage, NodeShutDownFailEvent]);
const daemonNotTheJobs: ReadonlySet<string> = new Set([...otherNotTheJobs, NodeLostStopMessage]);

function histories(job: Job, executions: readonly Execution[]): Map<string, NodeHistory> {
  const byNode = new Map<string, NodeHistory>();
  const ignored = notTheJobs(job);
  for (const execution of executions) {
    if (execution.JobID !== job.ID || execution.JobVersion !== job.Version) continue;
    if (ignored.has(execution.ComputeState.Message ?? '')) continue;
    let history = byNode.get(execution.NodeID);
    if (history === undefined) {
      history = { count: 0, blocked: false };
      byNode.set(execution.NodeID, history);
    }
    history.count++;
    const state = execution.ComputeState.StateType;
    if (!isDiscardedExecutionState(state) || state === 'AskForBidRejected') history.blocked = true;
  }
  return byNode;
}

export class PreviousExecutionsNodeRanker implements NodeRanker {
  rankNodes(job: Job, nodes: readonly NodeInfo[], context: RankingContext): NodeRank[] {
    const byNode = histories(job, context.executions ?? []);
    return nodes.map((nodeInfo) => {
      const history = byNode.get(nodeInfo.NodeID);
      if (history === undefined) {
        return { nodeInfo, rank: 3 * RankPreferred, reason: NotExecutedReason, retryable: false };
      }
      if (history.count > 1) {
        return { nodeInfo, rank: RankUnsuitable, reason: ExecutedMoreThanOnceReason, retryable: false };
      }
      return history.blocked
        ? { nodeInfo, rank: RankUnsuitable, reason: JobRejectedReason, retryable: false }
        : { nodeInfo, rank: RankPossible, reason: ExecutedOnceReason, retryable: false };
    });
  }
}
