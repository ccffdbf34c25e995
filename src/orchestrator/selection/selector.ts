/**
 * The node selector (Bacalhau `pkg/orchestrator/selection/selector/node_selector.go`): keeps the
 * schedulable nodes, ranks them with one ranker (normally the chain of ranking/default.ts) and splits
 * the result. Nodes filtered out here (requester nodes, pending/rejected or disconnected compute nodes)
 * appear in neither list, so they do not count as "available" in not-enough-nodes messages.
 */
import { NodeConnection, NodeMembership, NodeType, type Job, type NodeState } from '../../models/index.js';
import {
  meetsRequirement,
  type MatchingNodesOptions,
  type NodeRank,
  type NodeRanker,
  type NodeSelection,
  type NodeSelectionConstraints,
  type NodeSelector,
} from './types.js';

const defaultConstraints: NodeSelectionConstraints = Object.freeze({
  requireApproval: true,
  requireConnected: true,
});

/** A compute node that satisfies the constraints (by default: approved and connected). */
export function isSelectableNode(
  node: NodeState,
  constraints: NodeSelectionConstraints = defaultConstraints,
): boolean {
  if (node.Info.NodeType !== NodeType.Compute) return false;
  if (constraints.requireApproval && node.Membership !== NodeMembership.Approved) return false;
  if (constraints.requireConnected && node.ConnectionState.Status !== NodeConnection.Connected) return false;
  return true;
}

export class RankingNodeSelector implements NodeSelector {
  readonly #ranker: NodeRanker;
  readonly constraints: NodeSelectionConstraints;

  constructor(ranker: NodeRanker, constraints: Partial<NodeSelectionConstraints> = {}) {
    this.#ranker = ranker;
    this.constraints = Object.freeze({ ...defaultConstraints, ...constraints });
  }

  matchingNodes(job: Job, options: MatchingNodesOptions): NodeSelection {
    const infos = options.nodes.filter((n) => isSelectableNode(n, this.constraints)).map((n) => n.Info);
    const ranks = this.#ranker.rankNodes(job, infos, { executions: options.executions ?? [] });
    const matched: NodeRank[] = [];
    const rejected: NodeRank[] = [];
    for (const rank of ranks) (meetsRequirement(rank) ? matched : rejected).push(rank);
    // Array.prototype.sort is stable: equal ranks keep the node list's order.
    matched.sort((a, b) => b.rank - a.rank);
    return { matched, rejected };
  }
}
