import { describe, expect, it } from 'vitest';
import type { Resources } from '../../../models/index.js';
import { computeNode, job } from '../testing.js';
import { OverSubscriptionNodeRanker } from './over-subscription.js';

type R = Partial<Resources>;
const rank = (factor: number, requestCpu: string, max: R, available: R, queue: R = {}) =>
  new OverSubscriptionNodeRanker(factor).rankNodes(
    job({}, { Resources: { CPU: requestCpu } }),
    [computeNode('n', { maxCapacity: max, availableCapacity: available, queueCapacity: queue })],
    {},
  )[0];

describe('OverSubscriptionNodeRanker', () => {
  const max = { CPU: 4, Memory: 8e9, Disk: 10e9 };
  it.each<[string, number, string, R, R, number, string]>([
    ['an idle node', 1, '1', { CPU: 4, Memory: 8e9, Disk: 10e9 }, {}, 0, 'node is not over-subscribed'],
    [
      'a full node with factor 1',
      1,
      '1',
      { CPU: 0, Memory: 8e9, Disk: 10e9 },
      {},
      -1,
      'node busy with available capacity {CPU: 0.00, Memory: 8.0 GB, Disk: 10 GB, GPU: 0}',
    ],
    [
      'a full node within factor 1.5',
      1.5,
      '2',
      { CPU: 0, Memory: 8e9, Disk: 10e9 },
      {},
      0,
      'node is not over-subscribed',
    ],
    [
      'exactly at the limit',
      1.5,
      '1',
      { CPU: 0, Memory: 8e9, Disk: 10e9 },
      { CPU: 1 },
      0,
      'node is not over-subscribed',
    ],
    [
      'beyond the limit with a queue',
      1.5,
      '1',
      { CPU: 0, Memory: 8e9, Disk: 10e9 },
      { CPU: 1.5 },
      -1,
      'node busy with available capacity {CPU: 0.00, Memory: 8.0 GB, Disk: 10 GB, GPU: 0} and queue capacity ' +
        '{CPU: 1.50, Memory: 0 B, Disk: 0 B, GPU: 0}',
    ],
  ])('%s', (_name, factor, cpu, available, queue, expectedRank, reason) => {
    expect(rank(factor, cpu, max, available, queue)).toMatchObject({
      rank: expectedRank,
      reason,
      retryable: true,
    });
  });

  it('counts what the plan stops on the node as free: running first, then queued, no more than reported', () => {
    const rankReleasing = (released: R, queue: R) =>
      new OverSubscriptionNodeRanker(1).rankNodes(
        job({}, { Resources: { CPU: '3' } }),
        [computeNode('n', { maxCapacity: max, availableCapacity: { ...max, CPU: 1 }, queueCapacity: queue })],
        { released: () => ({ CPU: 0, Memory: 0, Disk: 0, GPU: 0, ...released }) },
      )[0]?.rank;
    expect(rankReleasing({}, {})).toBe(-1); // 3 in use + 3 > 4
    expect(rankReleasing({ CPU: 3 }, {})).toBe(0);
    expect(rankReleasing({ CPU: 2 }, { CPU: 1 })).toBe(-1); // 1 in use + 1 queued + 3 > 4
    expect(rankReleasing({ CPU: 4 }, { CPU: 2 })).toBe(0); // 3 from what runs, 1 from the queue
    expect(rankReleasing({ CPU: 9 }, { CPU: 2 })).toBe(0); // never below zero: 0 in use, 0 queued
  });

  it('vetoes a node that reports no capacity', () => {
    expect(rank(1.5, '1', {}, {})).toMatchObject({
      rank: -1,
      reason: 'node queue usage is unknown',
      retryable: true,
    });
  });

  it('refuses a factor below 1', () => {
    expect(() => new OverSubscriptionNodeRanker(0.9)).toThrow(
      'over subscription factor 0.9 must be greater or equal to 1',
    );
    expect(new OverSubscriptionNodeRanker().factor).toBe(1.5);
  });
});
