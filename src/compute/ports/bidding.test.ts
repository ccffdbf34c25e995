import { describe, expect, it } from 'vitest';
import { zeroResources } from '../../models/resources.js';
import type { NetworkConfig } from '../../models/network.js';
import { testJob } from '../../transport/testing/index.js';
import type { BidDecider } from '../node.js';
import { dynamicPortCount, withPortCheck } from './bidding.js';

const jobWith = (Network: NetworkConfig) =>
  testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'docker' }, Network }] });
const twoDynamicOneStatic = jobWith({
  Type: 'Bridge',
  Ports: [{ Name: 'a' }, { Name: 'b', Target: 80 }, { Name: 'c', Static: 8080 }],
});
const decider = (shouldBid: boolean, reason = ''): BidDecider => ({
  bid: () => Promise.resolve({ shouldBid, reason, usage: zeroResources() }),
});

describe('dynamicPortCount', () => {
  it('counts the ports without Static, in modes that map ports', () => {
    expect(dynamicPortCount(twoDynamicOneStatic)).toBe(2);
    expect(dynamicPortCount(jobWith({ Type: 'None', Ports: [{ Name: 'a' }] }))).toBe(0);
    expect(dynamicPortCount(testJob())).toBe(0);
  });
});

describe('withPortCheck', () => {
  it('keeps the outcome when the range still has enough ports', async () => {
    const bidder = withPortCheck(decider(true), { availableInRange: 2 });
    expect(await bidder.bid({ job: twoDynamicOneStatic })).toMatchObject({ shouldBid: true, reason: '' });
  });

  it('refuses, naming the range keys, when it has not', async () => {
    const bidder = withPortCheck(decider(true), { availableInRange: 1 });
    expect(await bidder.bid({ job: twoDynamicOneStatic })).toMatchObject({
      shouldBid: false,
      reason:
        'rejected bid: this node does not have 2 free ports for the job (1 left in ' +
        'Compute.Network.PortRangeStart/PortRangeEnd)',
    });
  });

  it("adds its reason to the other strategies' refusals", async () => {
    const bidder = withPortCheck(decider(false, 'rejected bid: no'), { availableInRange: 0 });
    const outcome = await bidder.bid({ job: twoDynamicOneStatic });
    expect(outcome.reason).toMatch(/^rejected bid: no; rejected bid: this node does not have 2 free ports/);
  });
});
