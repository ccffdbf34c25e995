import { describe, expect, it } from 'vitest';
import type { Resources, ResourcesConfig } from '../../../models/index.js';
import { computeNode, job } from '../testing.js';
import { AvailableCapacityNodeRanker, resourceWeights } from './available-capacity.js';

type R = Partial<Resources>;
const rankAll = (nodes: [string, R, R][], request: ResourcesConfig = {}) =>
  new AvailableCapacityNodeRanker().rankNodes(
    job({}, { Resources: request }),
    nodes.map(([id, available, queue]) =>
      computeNode(id, { availableCapacity: available, queueCapacity: queue }),
    ),
    {},
  );
const order = (ranks: { nodeInfo: { NodeID: string }; rank: number }[]) =>
  [...ranks].sort((a, b) => b.rank - a.rank).map((r) => r.nodeInfo.NodeID);

describe('AvailableCapacityNodeRanker', () => {
  it('prefers more available capacity (Go test "Only available capacity")', () => {
    const ranks = rankAll([
      ['node1', { CPU: 4, Memory: 16000, Disk: 100000, GPU: 1 }, {}],
      ['node2', { CPU: 6, Memory: 24000, Disk: 150000, GPU: 2 }, {}],
      ['node3', { CPU: 2, Memory: 8000, Disk: 50000, GPU: 1 }, {}],
    ]);
    expect(order(ranks)).toEqual(['node2', 'node1', 'node3']);
    expect(ranks.find((r) => r.nodeInfo.NodeID === 'node2')?.rank).toBe(100);
  });

  it('counts work placed since the last report as taken', () => {
    const idle = { CPU: 4, Memory: 16000, Disk: 100000 };
    const nodes = ['busy', 'idle'].map((id) => computeNode(id, { availableCapacity: idle }));
    const pendingUsage = (id: string) => (id === 'busy' ? { CPU: 3, Memory: 0, Disk: 0, GPU: 0 } : undefined);
    const ranks = new AvailableCapacityNodeRanker().rankNodes(job({}, { Resources: { CPU: '1' } }), nodes, {
      pendingUsage,
    });
    expect(order(ranks)).toEqual(['idle', 'busy']);
  });

  it('prefers less queued work (Go test "Only queued capacity")', () => {
    const ranks = rankAll([
      ['node1', {}, { CPU: 2, Memory: 8000, Disk: 40000, GPU: 1 }],
      ['node2', {}, { CPU: 1, Memory: 4000, Disk: 20000, GPU: 0 }],
      ['node3', {}, {}],
    ]);
    expect(order(ranks)).toEqual(['node3', 'node2', 'node1']);
    expect(ranks.map((r) => r.rank)).toEqual([0, 11, 20]);
  });

  it('combines both (Go test "Both available and queued capacities")', () => {
    const ranks = rankAll([
      [
        'node1',
        { CPU: 4, Memory: 16000, Disk: 100000, GPU: 1 },
        { CPU: 2, Memory: 8000, Disk: 40000, GPU: 1 },
      ],
      [
        'node2',
        { CPU: 6, Memory: 24000, Disk: 150000, GPU: 2 },
        { CPU: 1, Memory: 4000, Disk: 20000, GPU: 0 },
      ],
      ['node3', { CPU: 2, Memory: 8000, Disk: 50000, GPU: 1 }, {}],
    ]);
    expect(order(ranks)).toEqual(['node2', 'node1', 'node3']);
  });

  it('ranks equal and zero capacities equally, within 0–100', () => {
    const equal = rankAll([
      ['a', { CPU: 4 }, { CPU: 2 }],
      ['b', { CPU: 4 }, { CPU: 2 }],
    ]);
    expect(equal.map((r) => r.rank)).toEqual([80, 80]);
    const zero = rankAll([
      ['a', {}, {}],
      ['b', {}, {}],
    ]);
    expect(zero.map((r) => r.rank)).toEqual([20, 20]);
  });

  it('weights dimensions by the job request, or 0.4/0.3/0.2/0.1 by default', () => {
    expect(resourceWeights({ CPU: 0, Memory: 0, Disk: 0, GPU: 0 })).toEqual({
      cpu: 0.4,
      memory: 0.3,
      disk: 0.2,
      gpu: 0.1,
    });
    expect(resourceWeights({ CPU: 1, Memory: 1e6, Disk: 2e9, GPU: 0 })).toEqual({
      cpu: 0.25,
      memory: 0.25,
      disk: 0.5,
      gpu: 0,
    });
    // A CPU-only job ranks by CPU only: lots of memory does not help.
    const ranks = rankAll(
      [
        ['cpu-rich', { CPU: 8, Memory: 1e9 }, {}],
        ['memory-rich', { CPU: 2, Memory: 64e9 }, {}],
      ],
      { CPU: '1' },
    );
    expect(ranks.map((r) => r.rank)).toEqual([100, 40]);
  });

  it('explains the rank with both capacities, and is retryable', () => {
    const [r] = rankAll([['a', { CPU: 1.5, Memory: 2e9 }, { CPU: 0.5 }]]);
    expect(r).toMatchObject({
      reason:
        'Ranked based on available capacity {CPU: 1.50, Memory: 2.0 GB, Disk: 0 B, GPU: 0} and queue capacity ' +
        '{CPU: 0.50, Memory: 0 B, Disk: 0 B, GPU: 0}',
      retryable: true,
    });
  });
});
