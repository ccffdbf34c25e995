/**
 * The execution must fit the largest job this node takes (Go's `resource.MaxCapacityStrategy`): every
 * dimension of its usage at most the node's allocated capacity. Asked on every bid, because the
 * capacity can change while the node runs.
 */
import { formatResources, lessThanEq, type Resources } from '../../models/resources.js';
import type { ResourceBidStrategy } from './types.js';

export function maxCapacityStrategy(maxJobRequirements: () => Resources): ResourceBidStrategy {
  return {
    shouldBidBasedOnUsage(_request, usage) {
      return new Promise((resolve) => {
        const available = maxJobRequirements();
        resolve(
          lessThanEq(usage, available)
            ? { shouldBid: true, reason: '' }
            : {
                shouldBid: false,
                reason: `insufficient resources - requested: ${formatResources(usage)}, available: ${formatResources(available)}`,
              },
        );
      });
    },
  };
}
