/**
 * A node's capacity as the capacity rankers see it: what its last heartbeat reported, less what was
 * placed on it since (the context's `pendingUsage`), taken from what was available first and queued
 * beyond that. Without this, every job of a burst went to the node that looked emptiest, far past its
 * over-subscription limit, while others idled (Go has the same weakness).
 */
import { add, sub, type NodeInfo, type Resources } from '../../../models/index.js';
import type { RankingContext } from '../types.js';

export interface NodeCapacity {
  readonly available: Resources;
  readonly queued: Resources;
}

export function reportedCapacity(node: NodeInfo, context: RankingContext | undefined): NodeCapacity {
  const info = node.ComputeNodeInfo;
  const pending = context?.pendingUsage?.(node.NodeID);
  if (pending === undefined) return { available: info.AvailableCapacity, queued: info.QueueCapacity };
  return {
    available: sub(info.AvailableCapacity, pending),
    queued: add(info.QueueCapacity, sub(pending, info.AvailableCapacity)),
  };
}
