/**
 * Max-usage ranker (Bacalhau `selection/ranking/max_usage.go`): compares what the job asks for with the
 * largest job the node accepts (`ComputeNodeInfo.MaxJobRequirements`), in all four dimensions:
 * - the job asks for nothing: 0, `max job resource requirements not set or unknown`;
 * - it fits: +10, `job requires less resources than are available`;
 * - otherwise −1, `job requires more CPU (<n>) than the maximum available (<n>) and more memory (<bytes>)
 *   than …` (only the dimensions that do not fit: CPU, memory, disk, GPUs; bytes as go-humanize).
 * Every rank is retryable (Go marks them so: node limits can change).
 */
import {
  humanizeBytes,
  isZero,
  lessThanEq,
  type Job,
  type NodeInfo,
  type Resources,
} from '../../../models/index.js';
import {
  RankPossible,
  RankPreferred,
  RankUnsuitable,
  type NodeRank,
  type NodeRanker,
  type RankingContext,
} from '../types.js';
import { formatGoFloat } from './go-format.js';
import { jobResources } from './job-resources.js';

export const MaxUsageNotSetReason = 'max job resource requirements not set or unknown';
export const MaxUsageFitsReason = 'job requires less resources than are available';

function more(what: string, requested: string, maximum: string): string {
  return `more ${what} (${requested}) than the maximum available (${maximum})`;
}

/** Go's `formatReason`: one clause per dimension the job exceeds, joined by " and ". */
export function maxUsageReason(requested: Resources, maximum: Resources): string {
  const clauses: string[] = [];
  if (requested.CPU > maximum.CPU)
    clauses.push(more('CPU', formatGoFloat(requested.CPU), formatGoFloat(maximum.CPU)));
  if (requested.Memory > maximum.Memory) {
    clauses.push(more('memory', humanizeBytes(requested.Memory), humanizeBytes(maximum.Memory)));
  }
  if (requested.Disk > maximum.Disk) {
    clauses.push(more('disk', humanizeBytes(requested.Disk), humanizeBytes(maximum.Disk)));
  }
  if (requested.GPU > maximum.GPU) clauses.push(more('GPUs', String(requested.GPU), String(maximum.GPU)));
  return `job requires ${clauses.join(' and ')}`;
}

export class MaxUsageNodeRanker implements NodeRanker {
  rankNodes(job: Job, nodes: readonly NodeInfo[], _context?: RankingContext): NodeRank[] {
    const requested = jobResources(job);
    const asksForSomething = !isZero(requested);
    return nodes.map((nodeInfo) => {
      if (!asksForSomething) {
        return { nodeInfo, rank: RankPossible, reason: MaxUsageNotSetReason, retryable: true };
      }
      const maximum = nodeInfo.ComputeNodeInfo.MaxJobRequirements;
      return lessThanEq(requested, maximum)
        ? { nodeInfo, rank: RankPreferred, reason: MaxUsageFitsReason, retryable: true }
        : { nodeInfo, rank: RankUnsuitable, reason: maxUsageReason(requested, maximum), retryable: true };
    });
  }
}
