/**
 * The shared logic of the engines, publishers and storages rankers (Bacalhau
 * `selection/ranking/features.go`): a node must offer every plug-in type the job needs, compared
 * case-insensitively.
 */
import type { ComputeNodeInfo, Job, NodeInfo } from '../../../models/index.js';
import {
  RankPreferred,
  RankUnsuitable,
  type NodeRank,
  type NodeRanker,
  type RankingContext,
} from '../types.js';

export const ProvidesAllReason = 'provides all the specified required types';

/** `does not support <required>, only <provided joined by ", ">`. */
export function doesNotSupportReason(required: string, provided: readonly string[]): string {
  return `does not support ${required}, only ${provided.join(', ')}`;
}

export abstract class FeatureNodeRanker implements NodeRanker {
  /** The plug-in types the job needs, in the order they are checked. */
  protected abstract required(job: Job): string[];
  /** The plug-in types the node offers. */
  protected abstract provided(info: ComputeNodeInfo): readonly string[] | null | undefined;
  /** How a node comes to offer a type it lacks, where its operator must ask for it; said after Go's reason. */
  protected howToOffer(_type: string): string | undefined {
    return undefined;
  }

  rankNodes(job: Job, nodes: readonly NodeInfo[], _context?: RankingContext): NodeRank[] {
    const required = this.required(job);
    const wanted = required.map((type) => type.toLowerCase());
    return nodes.map((nodeInfo) => {
      // A Go node with no plug-ins of a kind sends `null`.
      const provided = this.provided(nodeInfo.ComputeNodeInfo) ?? [];
      const offered = provided.map((type) => type.toLowerCase());
      const missing = wanted.findIndex((type) => !offered.includes(type));
      if (missing < 0) return { nodeInfo, rank: RankPreferred, reason: ProvidesAllReason, retryable: false };
      const type = required[missing] ?? '';
      const how = this.howToOffer(type.toLowerCase());
      const reason = doesNotSupportReason(type, provided);
      return {
        nodeInfo,
        rank: RankUnsuitable,
        reason: how === undefined ? reason : `${reason} (${how})`,
        retryable: false,
      };
    });
  }
}
