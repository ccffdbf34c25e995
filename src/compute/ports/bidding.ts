/**
 * Refuses a bid when the job needs more dynamic ports than the node's range can still provide, so the
 * orchestrator places it elsewhere instead of the execution failing at start. The check is a snapshot:
 * executions accepted but not yet started hold no ports, so a start can still find the range used up
 * (the allocator's error then fails the execution).
 */
import type { Job } from '../../models/job.js';
import { supportsPortAllocation } from '../../models/network.js';
import type { BidDecider } from '../node.js';
import type { PortAllocator } from './allocator.js';

/** How many ports of the job's task the node picks from its range (those with `Static` 0). */
export function dynamicPortCount(job: Job): number {
  const network = job.Tasks[0]?.Network;
  if (network === undefined || !supportsPortAllocation(network.Type)) return 0;
  return (network.Ports ?? []).filter((port) => (port.Static ?? 0) === 0).length;
}

/** `bidder` with the port check added; its refusal joins the others' reasons like a strategy's. */
export function withPortCheck(
  bidder: BidDecider,
  ports: Pick<PortAllocator, 'availableInRange'>,
): BidDecider {
  return {
    async bid(request, options) {
      const outcome = await bidder.bid(request, options);
      const needed = dynamicPortCount(request.job);
      const left = ports.availableInRange;
      if (needed <= left) return outcome;
      const reason =
        `rejected bid: this node does not have ${needed} free ports for the job (${left} left in ` +
        'Compute.Network.PortRangeStart/PortRangeEnd)';
      return {
        ...outcome,
        shouldBid: false,
        reason: outcome.reason === '' ? reason : `${outcome.reason}; ${reason}`,
      };
    },
  };
}
