/**
 * Labels ranker (Bacalhau `selection/ranking/labels.go`). The job's constraints are k8s label
 * requirements on node labels:
 * - none (other than `favour_` ones): 0, `selectors not set or unknown`;
 * - all required ones match: +10, `match for required selector`;
 * - otherwise −1, `labels map[<k>:<v> …] don't match required selectors [<key> <op> <v1|v2> …]`
 *   (every constraint listed, `favour_` ones included, as Go prints them).
 * Constraints whose key starts with `favour_` are preferences: with the prefix removed, if all of them
 * match a suitable node it gets another +10 and the reason `match for preferred selector`.
 *
 * Deliberate difference: Go fails the whole ranking (so the job can never be scheduled) when a
 * constraint breaks the k8s rules; submission refuses such constraints here, and for stored ones every
 * node is ranked −1 with `invalid constraint <key> <op> <values>: <k8s errors>` so the job fails with a
 * readable message instead.
 */
import {
  FavourNodeSelectorPrefix,
  formatAggregate,
  labelSelectorRequirementString,
  matchesAll,
  requirementErrors,
  type Job,
  type LabelSelectorRequirement,
  type NodeInfo,
} from '../../../models/index.js';
import {
  RankPossible,
  RankPreferred,
  RankUnsuitable,
  meetsRequirement,
  type NodeRank,
  type NodeRanker,
  type RankingContext,
} from '../types.js';
import { formatGoStringMap } from './go-format.js';

export const SelectorsNotSetReason = 'selectors not set or unknown';
export const RequiredSelectorMatchReason = 'match for required selector';
export const PreferredSelectorMatchReason = 'match for preferred selector';

/** Go's `%s` of `[]*LabelSelectorRequirement`: `[key op v1|v2 key2 op v]`. */
function formatConstraints(constraints: readonly LabelSelectorRequirement[]): string {
  return `[${constraints.map(labelSelectorRequirementString).join(' ')}]`;
}

export class LabelsNodeRanker implements NodeRanker {
  rankNodes(job: Job, nodes: readonly NodeInfo[], _context?: RankingContext): NodeRank[] {
    const constraints = job.Constraints ?? [];
    const must: LabelSelectorRequirement[] = [];
    const favour: LabelSelectorRequirement[] = [];
    for (const constraint of constraints) {
      const favoured = constraint.Key.startsWith(FavourNodeSelectorPrefix);
      const requirement = favoured
        ? { ...constraint, Key: constraint.Key.slice(FavourNodeSelectorPrefix.length) }
        : constraint;
      const problems = [
        ...requirementErrors(constraint),
        ...(favoured ? requirementErrors(requirement) : []),
      ];
      if (problems.length > 0) {
        const reason = `invalid constraint ${labelSelectorRequirementString(constraint)}: ${formatAggregate(problems)}`;
        return nodes.map((nodeInfo) => ({ nodeInfo, rank: RankUnsuitable, reason, retryable: false }));
      }
      (favoured ? favour : must).push(requirement);
    }

    const constraintsText = must.length > 0 ? formatConstraints(constraints) : '';
    return nodes.map((nodeInfo) => {
      const labels = nodeInfo.Labels ?? {};
      let rank: NodeRank;
      if (must.length === 0) {
        rank = { nodeInfo, rank: RankPossible, reason: SelectorsNotSetReason, retryable: false };
      } else if (matchesAll(must, labels)) {
        rank = { nodeInfo, rank: RankPreferred, reason: RequiredSelectorMatchReason, retryable: false };
      } else {
        const reason = `labels ${formatGoStringMap(labels)} don't match required selectors ${constraintsText}`;
        rank = { nodeInfo, rank: RankUnsuitable, reason, retryable: false };
      }
      if (favour.length > 0 && meetsRequirement(rank) && matchesAll(favour, labels)) {
        rank.rank += RankPreferred;
        rank.reason = PreferredSelectorMatchReason;
      }
      return rank;
    });
  }
}
