/**
 * Node selection seams (Bacalhau `orchestrator.NodeRanker`, `orchestrator.NodeSelector`, `NodeRank` in
 * `pkg/orchestrator/types.go`). Rankers and selectors are pure: they read the job, the node list and the
 * job's executions they are given, and never do I/O, so a scheduler stays a function of
 * (job, executions, nodes, now).
 */
import type { Execution, Job, NodeInfo, NodeState, Resources } from '../../models/index.js';

/** The node is known to be unsuitable; any ranker returning it vetoes the node. */
export const RankUnsuitable = -1;
/** Suitability unknown: the node may be asked to bid. */
export const RankPossible = 0;
/** The node is known to suit the job. */
export const RankPreferred = 10;

/** How well one node suits one job. Higher is better; a negative rank means unsuitable. */
export interface NodeRank {
  nodeInfo: NodeInfo;
  rank: number;
  /** Why; shown to users in "not enough nodes" messages when the node is unsuitable. */
  reason: string;
  /**
   * True only when the rank may change without anyone touching the node's configuration (usage,
   * capacity, queue), so waiting and trying again can help. False for missing features or labels.
   */
  retryable: boolean;
}

/** Whether a rank lets the node run the job (Go `NodeRank.MeetsRequirement`). */
export function meetsRequirement(rank: Pick<NodeRank, 'rank'>): boolean {
  return rank.rank > RankUnsuitable;
}

/** What rankers may need besides the job and the nodes. */
export interface RankingContext {
  /**
   * The job's executions, as the scheduler loaded them (any version; rankers that need only the
   * current version filter by `job.Version`). Absent = none.
   */
  executions?: readonly Execution[];
  /**
   * Resources placed on a node that its last capacity report may not count yet (work placed since;
   * see `worker/placement-ledger.ts`): the available-capacity ranker counts them as taken. Absent = none.
   */
  pendingUsage?: (nodeID: string) => Resources | undefined;
  /**
   * Resources of executions on a node that the plan being made stops, and that the node's last report
   * still counts (an update or a rerun cancels the previous version's execution as it places the new
   * one): the capacity rankers count them as free, or the new version would find its node busy with
   * the old one. Absent = none.
   */
  released?: (nodeID: string) => Resources | undefined;
}

export interface NodeRanker {
  /**
   * Ranks every node for the job: exactly one rank per node, in the order of `nodes`. Per-node work
   * does not grow with the job's size (job-derived data is computed once per call). A rank may be
   * relative to the other nodes given (available capacity is), and `nodes` may be a sample of the
   * cluster (see {@link NodeSelector.matchingNodes}).
   *
   * @throws BacalhauError when the job itself cannot be ranked (e.g. unparsable resources), which
   *   validation at submission prevents
   */
  rankNodes(job: Job, nodes: readonly NodeInfo[], context: RankingContext): NodeRank[];
}

export interface MatchingNodesOptions extends RankingContext {
  /**
   * Every node known to the orchestrator; the selector keeps the schedulable ones. Pass the same
   * frozen array for as long as the nodes do not change (as the worker's node cache does): what the
   * selector derives from a frozen list is kept with it, so only the first call pays O(nodes) for it.
   * The records themselves are read-only.
   */
  nodes: readonly NodeState[];
  /**
   * How many nodes the caller will use (a non-negative integer), e.g. the partitions a batch job still
   * needs. Given, the selector may rank a random sample instead of every node; absent (daemon and ops
   * jobs, which run on every matching node), it ranks every schedulable node.
   */
  want?: number;
}

export interface NodeSelection {
  /** Suitable nodes, best first (equal ranks keep the node list's order). */
  matched: NodeRank[];
  /** Unsuitable nodes with the reason, in the node list's order. */
  rejected: NodeRank[];
}

export interface NodeSelector {
  /**
   * Ranks the schedulable nodes (compute nodes that are approved and connected, see
   * {@link NodeSelectionConstraints}) for the job and splits them into matched and rejected.
   *
   * Without `want`, every schedulable node is ranked. With `want`, the result may come from a
   * sample, so that the work per job does not grow with the cluster:
   * - a sample is a uniformly random subset of the schedulable nodes, ranked exactly as if the list
   *   held only those nodes, in the list's order; `matched` and `rejected` then hold the sample only;
   * - the first sample has max(2·want, 2·⌈log₂ n⌉, 8) of the n nodes, so there is a choice; it is
   *   grown while it holds fewer than `want` suitable nodes;
   * - when no sample of fewer than half the nodes holds `want` suitable ones, every node is ranked, as
   *   without `want`. So `matched.length < want` only after a full ranking, and a "not enough nodes"
   *   message built from the result is the one a full ranking gives.
   * What users may notice: the best node of the cluster is not always chosen, only the best of a
   * random sample; among equally good nodes placement is random (as the jitter ranker makes it anyway).
   * Hard constraints are never relaxed: a node that a ranker vetoes is never in `matched`.
   */
  matchingNodes(job: Job, options: MatchingNodesOptions): NodeSelection;
}

/** Which nodes may be ranked at all (Go `orchestrator.NodeSelectionConstraints`). */
export interface NodeSelectionConstraints {
  /** Only nodes with membership APPROVED. Default true. */
  readonly requireApproval: boolean;
  /** Only nodes whose connection state is CONNECTED. Default true. */
  readonly requireConnected: boolean;
}
