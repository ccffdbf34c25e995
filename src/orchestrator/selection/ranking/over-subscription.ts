/**
 * Over-subscription ranker (Bacalhau `selection/ranking/over_subscription.go`): a node may take the job
 * while what it runs, what it has queued and the job together stay within `factor` × its capacity:
 * (Max − Available) + Queued + job ≤ Max × factor, in all four dimensions.
 * - fits: 0, `node is not over-subscribed`;
 * - too busy: −1, `node busy with available capacity {…}` plus ` and queue capacity {…}` when something
 *   is queued (resources as Go's `Resources.String`);
 * - the node reports no capacity at all: −1, `node queue usage is unknown`.
 * Every rank is retryable. The factor (Bacalhau's hidden tunable, default 1.5) must be ≥ 1.
 */
import {
  BacalhauError,
  ErrorCode,
  formatResources,
  isZero,
  type Job,
  type NodeInfo,
  type Resources,
} from '../../../models/index.js';
import {
  RankPossible,
  RankUnsuitable,
  type NodeRank,
  type NodeRanker,
  type RankingContext,
} from '../types.js';
import { jobResources } from './job-resources.js';
import { withReleased } from './released.js';

export const DefaultOverSubscriptionFactor = 1.5;
export const NotOverSubscribedReason = 'node is not over-subscribed';
export const QueueUsageUnknownReason = 'node queue usage is unknown';

/**
 * (max − available) + queued + job ≤ max × factor in every dimension, with the arithmetic of the model's
 * `sub` (a difference below zero is 0), `add` and `multiply` (CPU scaled exactly; memory, disk and GPUs
 * truncated to whole units), written out per dimension because it runs for every node of every job.
 */
function fits(
  max: Resources,
  available: Resources,
  queued: Resources,
  job: Resources,
  factor: number,
): boolean {
  return (
    used(max.CPU, available.CPU) + queued.CPU + job.CPU <= max.CPU * factor &&
    used(max.Memory, available.Memory) + queued.Memory + job.Memory <= scaledWhole(max.Memory, factor) &&
    used(max.Disk, available.Disk) + queued.Disk + job.Disk <= scaledWhole(max.Disk, factor) &&
    used(max.GPU, available.GPU) + queued.GPU + job.GPU <= scaledWhole(max.GPU, factor)
  );
}

// Module-level rather than closures inside `fits`: this runs for every node of every job.
function used(max: number, available: number): number {
  return available > max ? 0 : max - available;
}

function scaledWhole(n: number, factor: number): number {
  return Math.max(0, Math.trunc(n * factor));
}

export class OverSubscriptionNodeRanker implements NodeRanker {
  readonly factor: number;

  /** @throws BacalhauError (ValidationError) when `factor` is below 1 */
  constructor(factor: number = DefaultOverSubscriptionFactor) {
    if (!(factor >= 1) || !Number.isFinite(factor)) {
      throw new BacalhauError(`over subscription factor ${factor} must be greater or equal to 1`, {
        code: ErrorCode.ValidationError,
        component: 'NodeSelection',
      });
    }
    this.factor = factor;
  }

  rankNodes(job: Job, nodes: readonly NodeInfo[], context?: RankingContext): NodeRank[] {
    const requested = jobResources(job);
    return nodes.map((nodeInfo) => {
      const info = nodeInfo.ComputeNodeInfo;
      if (isZero(info.MaxCapacity)) {
        return { nodeInfo, rank: RankUnsuitable, reason: QueueUsageUnknownReason, retryable: true };
      }
      const { available, queued } = withReleased(info, context?.released?.(nodeInfo.NodeID));
      if (fits(info.MaxCapacity, available, queued, requested, this.factor)) {
        return { nodeInfo, rank: RankPossible, reason: NotOverSubscribedReason, retryable: true };
      }
      let reason = `node busy with available capacity ${formatResources(info.AvailableCapacity)}`;
      if (!isZero(info.QueueCapacity)) reason += ` and queue capacity ${formatResources(info.QueueCapacity)}`;
      return { nodeInfo, rank: RankUnsuitable, reason, retryable: true };
    });
  }
}
