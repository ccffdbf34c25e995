/**
 * Available-capacity ranker (Bacalhau `selection/ranking/available_capacity.go`): prefers nodes with
 * more free capacity and less queued work, relative to the best node of the list. Rank 0–100:
 *
 *   80 × (weighted available / largest weighted available)
 *   + 20 × (1 − weighted queued / largest weighted queued)
 *
 * truncated to an integer (a ratio with a zero denominator counts as 0). "Weighted" sums CPU cores,
 * memory in MB (bytes / 1e6), disk in GB (bytes / 1e9) and GPUs, each times a weight: the share of that
 * dimension in the job's own request on the same scale, or 0.4 / 0.3 / 0.2 / 0.1 when the job asks for
 * nothing. Reason: `Ranked based on available capacity {…} and queue capacity {…}`. Retryable.
 * Never vetoes. Two passes over the nodes: one for the maxima, one to rank; the reason is built lazily.
 */
import { add, formatResources, sub, type Job, type NodeInfo, type Resources } from '../../../models/index.js';
import { RankPossible, type NodeRank, type NodeRanker, type RankingContext } from '../types.js';
import { jobResources } from './job-resources.js';
import { withReleased } from './released.js';

const MemoryScale = 1e6;
const DiskScale = 1e9;
const MaxAvailableCapacityRank = 80;
const MaxQueueCapacityRank = 20;

export interface ResourceWeights {
  cpu: number;
  memory: number;
  disk: number;
  gpu: number;
}

export const DefaultResourceWeights: Readonly<ResourceWeights> = Object.freeze({
  cpu: 0.4,
  memory: 0.3,
  disk: 0.2,
  gpu: 0.1,
});

/** Go's `dynamicWeights`: each dimension's share of the job's (scaled) request. */
export function resourceWeights(request: Resources): ResourceWeights {
  const cpu = request.CPU;
  const memory = request.Memory / MemoryScale;
  const disk = request.Disk / DiskScale;
  const gpu = request.GPU;
  const total = cpu + memory + disk + gpu;
  if (total === 0) return { ...DefaultResourceWeights };
  return { cpu: cpu / total, memory: memory / total, disk: disk / total, gpu: gpu / total };
}

export function weightedCapacity(r: Resources, w: ResourceWeights): number {
  return r.CPU * w.cpu + (r.Memory / MemoryScale) * w.memory + (r.Disk / DiskScale) * w.disk + r.GPU * w.gpu;
}

/**
 * A rank whose reason (two resource renderings, the dearest part of ranking) is built only when read:
 * the chain drops the reasons of suitable nodes, and this ranker never vetoes.
 */
class CapacityRank implements NodeRank {
  readonly nodeInfo: NodeInfo;
  rank: number;
  retryable = true;
  #reason: string | undefined;

  constructor(nodeInfo: NodeInfo, rank: number) {
    this.nodeInfo = nodeInfo;
    this.rank = rank;
  }

  get reason(): string {
    const info = this.nodeInfo.ComputeNodeInfo;
    this.#reason ??=
      `Ranked based on available capacity ${formatResources(info.AvailableCapacity)} ` +
      `and queue capacity ${formatResources(info.QueueCapacity)}`;
    return this.#reason;
  }

  set reason(value: string) {
    this.#reason = value;
  }
}

/**
 * The node's last reported capacity, with what the plan stops there given back (`released`), less the
 * work placed on it since (the context's `pendingUsage`),
 * taken from what was available first and queued beyond that: without it every job of a burst went to
 * the node that looked emptiest. A preference only: the over-subscription ranker judges by the reports,
 * as Go's does, so no job is refused that Bacalhau would place.
 */
function withPending(
  node: NodeInfo,
  context: RankingContext | undefined,
): { available: Resources; queued: Resources } {
  const reported = withReleased(node.ComputeNodeInfo, context?.released?.(node.NodeID));
  const pending = context?.pendingUsage?.(node.NodeID);
  if (pending === undefined) return reported;
  return {
    available: sub(reported.available, pending),
    queued: add(reported.queued, sub(pending, reported.available)),
  };
}

export class AvailableCapacityNodeRanker implements NodeRanker {
  rankNodes(job: Job, nodes: readonly NodeInfo[], context?: RankingContext): NodeRank[] {
    const weights = resourceWeights(jobResources(job));
    const available = new Float64Array(nodes.length);
    const queued = new Float64Array(nodes.length);
    let maxAvailable = 0;
    let maxQueued = 0;
    nodes.forEach((node, i) => {
      const capacity = withPending(node, context);
      const a = weightedCapacity(capacity.available, weights);
      const q = weightedCapacity(capacity.queued, weights);
      available[i] = a;
      queued[i] = q;
      if (a > maxAvailable) maxAvailable = a;
      if (q > maxQueued) maxQueued = q;
    });
    return nodes.map((nodeInfo, i) => {
      const availableRatio = maxAvailable > 0 ? (available[i] ?? 0) / maxAvailable : 0;
      const queueRatio = maxQueued > 0 ? (queued[i] ?? 0) / maxQueued : 0;
      let rank = availableRatio * MaxAvailableCapacityRank + (1 - queueRatio) * MaxQueueCapacityRank;
      rank = Math.min(Math.max(rank, RankPossible), MaxAvailableCapacityRank + MaxQueueCapacityRank);
      return new CapacityRank(nodeInfo, Math.trunc(rank));
    });
  }
}
