import { describe, expect, it } from 'vitest';
import type { Resources } from '../../models/resources.js';
import { maxCapacityStrategy } from './max-capacity.js';
import { requestWith } from './testing.js';

describe('maxCapacityStrategy', () => {
  let max: Resources = { CPU: 2, Memory: 4e9, Disk: 100e9, GPU: 0 };
  const strategy = maxCapacityStrategy(() => max);

  it('accepts usage within every dimension of the limit, with no reason', async () => {
    expect(
      await strategy.shouldBidBasedOnUsage(requestWith(), { CPU: 2, Memory: 4e9, Disk: 0, GPU: 0 }),
    ).toEqual({
      shouldBid: true,
      reason: '',
    });
  });

  it("refuses with Go's exact message when one dimension is over", async () => {
    const usage = { CPU: 0.5, Memory: 512e6, Disk: 0, GPU: 1 };
    expect(await strategy.shouldBidBasedOnUsage(requestWith(), usage)).toEqual({
      shouldBid: false,
      reason:
        'insufficient resources - requested: {CPU: 0.50, Memory: 512 MB, Disk: 0 B, GPU: 1}, available: {CPU: 2.00, Memory: 4.0 GB, Disk: 100 GB, GPU: 0}',
    });
  });

  it('reads the limit on every bid', async () => {
    max = { CPU: 8, Memory: 64e9, Disk: 1e12, GPU: 1 };
    expect(
      (await strategy.shouldBidBasedOnUsage(requestWith(), { CPU: 0.5, Memory: 512e6, Disk: 0, GPU: 1 }))
        .shouldBid,
    ).toBe(true);
  });
});
