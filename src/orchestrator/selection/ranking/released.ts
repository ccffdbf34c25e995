import { add, sub, type ComputeNodeInfo, type Resources } from '../../../models/index.js';

/**
 * The node's reported load with `released` (`RankingContext.released`) given back: taken first from
 * what it runs, then from what it has queued, never beyond either.
 */
export function withReleased(
  info: ComputeNodeInfo,
  released: Resources | undefined,
): { available: Resources; queued: Resources } {
  if (released === undefined) return { available: info.AvailableCapacity, queued: info.QueueCapacity };
  const running = sub(info.MaxCapacity, info.AvailableCapacity);
  const fromQueue = sub(released, running);
  const fromRunning = sub(released, fromQueue);
  return { available: add(info.AvailableCapacity, fromRunning), queued: sub(info.QueueCapacity, fromQueue) };
}
