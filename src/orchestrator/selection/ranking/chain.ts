/**
 * The ranker chain (Bacalhau `selection/ranking/chain.go`): runs every ranker over every node and adds
 * up the ranks. A node that any ranker ranks −1 is unsuitable for good: its rank stays −1 and its reason
 * is the one of the first ranker that vetoed it. Suitable nodes keep an empty reason.
 *
 * Deliberate differences from Go:
 * - Go keeps the last veto's reason. The chain runs from what a node is (engines, labels, its largest
 *   job) to how busy it is, so a job asking more memory than any node has was reported as "node
 *   busy"; the first veto says what the user can change.
 * - Go never copies `Retryable` into the chain's result, so "not enough nodes" events are never
 *   retryable there. Here an unsuitable node is retryable when every veto it got was.
 */
import type { Job, NodeInfo } from '../../../models/index.js';
import {
  RankPossible,
  RankUnsuitable,
  meetsRequirement,
  type NodeRank,
  type NodeRanker,
  type RankingContext,
} from '../types.js';

export class ChainRanker implements NodeRanker {
  readonly rankers: readonly NodeRanker[];

  constructor(rankers: readonly NodeRanker[]) {
    this.rankers = Object.freeze([...rankers]);
  }

  rankNodes(job: Job, nodes: readonly NodeInfo[], context: RankingContext): NodeRank[] {
    const result: NodeRank[] = nodes.map((nodeInfo) => ({
      nodeInfo,
      rank: RankPossible,
      reason: '',
      retryable: false,
    }));
    const vetoedRetryable: boolean[] = nodes.map(() => true);
    for (const ranker of this.rankers) {
      const ranks = ranker.rankNodes(job, nodes, context);
      if (ranks.length !== nodes.length) {
        throw new Error(`node ranker returned ${ranks.length} ranks for ${nodes.length} nodes`);
      }
      ranks.forEach((r, i) => {
        const total = result[i];
        if (total === undefined) return;
        if (!meetsRequirement(r)) {
          if (meetsRequirement(total)) total.reason = r.reason;
          total.rank = RankUnsuitable;
          vetoedRetryable[i] = (vetoedRetryable[i] ?? true) && r.retryable;
          total.retryable = vetoedRetryable[i] ?? false;
        } else if (meetsRequirement(total)) {
          total.rank += r.rank;
        }
      });
    }
    return result;
  }
}
