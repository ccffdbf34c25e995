import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.js';
import type { Job, NodeInfo, NodeState } from '../../models/index.js';
import { notEnoughNodes } from './messages.js';
import { createDefaultNodeRanker } from './ranking/default.js';
import { RankingNodeSelector, isSelectableNode, sampleSize } from './selector.js';
import { computeNode, execution, job, nodeState } from './testing.js';
import type { NodeRank, NodeRanker } from './types.js';

/** Ranks each node by the number in its ID ("n7" → 7; "n-1" → −1) and records what it saw. */
class ByIdRanker implements NodeRanker {
  seen: string[] = [];
  executions: unknown;
  rankNodes(_job: Job, nodes: readonly NodeInfo[], context: { executions?: unknown }): NodeRank[] {
    this.seen = nodes.map((n) => n.NodeID);
    this.executions = context.executions;
    return nodes.map((nodeInfo) => {
      const rank = Number(nodeInfo.NodeID.slice(1));
      return { nodeInfo, rank, reason: rank < 0 ? 'nope' : '', retryable: false };
    });
  }
}

describe('isSelectableNode', () => {
  const info = computeNode('n');
  it.each([
    ['an approved, connected compute node', nodeState(info), true],
    ['a pending node', nodeState(info, 'PENDING'), false],
    ['a rejected node', nodeState(info, 'REJECTED'), false],
    ['a disconnected node', nodeState(info, 'APPROVED', 'DISCONNECTED'), false],
    ['a requester node', nodeState({ ...info, NodeType: 'Requester' }), false],
  ])('%s: %s', (_name, state, expected) => {
    expect(isSelectableNode(state)).toBe(expected);
  });

  it('can waive approval and connection, never the node type', () => {
    const loose = { requireApproval: false, requireConnected: false };
    expect(isSelectableNode(nodeState(info, 'PENDING', 'DISCONNECTED'), loose)).toBe(true);
    expect(isSelectableNode(nodeState({ ...info, NodeType: 'Requester' }), loose)).toBe(false);
  });
});

describe('RankingNodeSelector', () => {
  it('ranks only schedulable nodes, sorts matches best first (stable) and lists rejections in order', () => {
    const ranker = new ByIdRanker();
    const executions = [execution('n5', 'Failed')];
    const { matched, rejected } = new RankingNodeSelector(ranker).matchingNodes(job(), {
      nodes: [
        nodeState(computeNode('n1')),
        nodeState(computeNode('n-1')),
        nodeState(computeNode('n9'), 'PENDING'),
        nodeState(computeNode('n5')),
        nodeState(computeNode('n8'), 'APPROVED', 'DISCONNECTED'),
        nodeState({ ...computeNode('n7'), NodeType: 'Requester' }),
        // A second node ranked 5 (same ID for brevity): equal ranks keep the list's order.
        nodeState(computeNode('n5')),
        nodeState(computeNode('n0')),
      ],
      executions,
    });
    expect(ranker.seen).toEqual(['n1', 'n-1', 'n5', 'n5', 'n0']);
    expect(ranker.executions).toBe(executions);
    expect(matched.map((r) => [r.nodeInfo.NodeID, r.rank])).toEqual([
      ['n5', 5],
      ['n5', 5],
      ['n1', 1],
      ['n0', 0],
    ]);
    expect(rejected.map((r) => [r.nodeInfo.NodeID, r.reason])).toEqual([['n-1', 'nope']]);
  });

  it('passes an empty execution list when none is given', () => {
    const ranker = new ByIdRanker();
    new RankingNodeSelector(ranker).matchingNodes(job(), { nodes: [] });
    expect(ranker.executions).toEqual([]);
  });

  it('with the default chain: filters, vetoes with reasons and prefers idle, never-tried nodes', () => {
    const selector = new RankingNodeSelector(createDefaultNodeRanker({ random: seededRandom(1) }));
    const busy = { CPU: 8, Memory: 16e9, Disk: 100e9 };
    const { matched, rejected } = selector.matchingNodes(
      job({ Constraints: [{ Key: 'favour_zone', Operator: '=', Values: ['a'] }] }),
      {
        nodes: [
          nodeState(computeNode('idle')),
          nodeState(computeNode('favoured', { labels: { zone: 'a' } })),
          nodeState(computeNode('half-busy', { availableCapacity: { CPU: 4, Memory: 8e9, Disk: 50e9 } })),
          nodeState(computeNode('tried')),
          nodeState(computeNode('wasm-only', { engines: ['wasm'] })),
          nodeState(
            computeNode('overloaded', {
              maxCapacity: busy,
              availableCapacity: {},
              queueCapacity: { CPU: 4 },
            }),
          ),
          nodeState(computeNode('old', { version: { Major: '1', Minor: '0', GitVersion: 'v1.0.3' } })),
          nodeState(computeNode('pending'), 'PENDING'),
        ],
        executions: [execution('tried', 'Failed')],
      },
    );
    // half-busy: capacity 60 instead of 100; tried: previous executions 0 instead of 30.
    expect(matched.map((r) => r.nodeInfo.NodeID)).toEqual(['favoured', 'idle', 'tried', 'half-busy']);
    // engines 10 + publishers 10 + storages 10 + labels 0 (+10 favoured) + max usage 10 + min version 10
    // + previous executions 30 (0 when tried once) + capacity 0–100 + jitter 0–4.
    const byId = Object.fromEntries(matched.map((r) => [r.nodeInfo.NodeID, r.rank]));
    expect(byId['idle']).toBeGreaterThanOrEqual(180);
    expect(byId['idle']).toBeLessThan(185);
    expect(byId['favoured']).toBeGreaterThanOrEqual(190);
    expect(byId['tried']).toBeGreaterThanOrEqual(150);
    expect(byId['tried']).toBeLessThan(155);
    expect(byId['half-busy']).toBeGreaterThanOrEqual(140);
    expect(byId['half-busy']).toBeLessThan(145);
    expect(rejected.map((r) => [r.nodeInfo.NodeID, r.reason, r.retryable])).toEqual([
      ['wasm-only', 'does not support docker, only wasm', false],
      [
        'overloaded',
        'node busy with available capacity {CPU: 0.00, Memory: 0 B, Disk: 0 B, GPU: 0} and queue capacity ' +
          '{CPU: 4.00, Memory: 0 B, Disk: 0 B, GPU: 0}',
        true,
      ],
      ['old', 'Bacalhau version is incompatible', false],
    ]);
  });

  it('the default chain jitter is reproducible with a seed and breaks ties', () => {
    const nodes = Array.from({ length: 20 }, (_, i) => nodeState(computeNode(`n${i}`)));
    const pick = (seed: number): string[] =>
      new RankingNodeSelector(createDefaultNodeRanker({ random: seededRandom(seed) }))
        .matchingNodes(job(), { nodes })
        .matched.map((r) => r.nodeInfo.NodeID);
    expect(pick(42)).toEqual(pick(42));
    expect(pick(42)).not.toEqual(pick(43));
  });

  it('the default chain refuses bad tunables', () => {
    expect(() => createDefaultNodeRanker({ overSubscriptionFactor: 0.5 })).toThrow(
      /over subscription factor/,
    );
    expect(() => createDefaultNodeRanker({ randomnessRange: 0 })).toThrow(/randomness range/);
  });

  it('ranks in the order of Bacalhau requester.go', () => {
    expect(createDefaultNodeRanker().rankers.map((r) => r.constructor.name)).toEqual([
      'EnginesNodeRanker',
      'PublishersNodeRanker',
      'StoragesNodeRanker',
      'LabelsNodeRanker',
      'MaxUsageNodeRanker',
      'OverSubscriptionNodeRanker',
      'MinVersionNodeRanker',
      'PreviousExecutionsNodeRanker',
      'AvailableCapacityNodeRanker',
      'RandomNodeRanker',
    ]);
  });
});

/** Ranks nodes by a predicate (suitable 1, else −1 with a reason) and records every call's node IDs. */
class SpyRanker implements NodeRanker {
  calls: string[][] = [];
  constructor(private readonly suitable: (id: string) => boolean = () => true) {}
  rankNodes(_job: Job, nodes: readonly NodeInfo[]): NodeRank[] {
    this.calls.push(nodes.map((n) => n.NodeID));
    return nodes.map((nodeInfo) =>
      this.suitable(nodeInfo.NodeID)
        ? { nodeInfo, rank: 1, reason: '', retryable: false }
        : { nodeInfo, rank: -1, reason: 'unsuitable', retryable: false },
    );
  }
  get ranked(): number {
    return this.calls.reduce((n, call) => n + call.length, 0);
  }
}

/** `n0000` … `n<count−1>`, approved and connected, frozen as the node cache hands them out. */
function cluster(count: number): readonly NodeState[] {
  return Object.freeze(
    Array.from({ length: count }, (_, i) => nodeState(computeNode(`n${String(i).padStart(4, '0')}`))),
  );
}

const idNumber = (id: string): number => Number(id.slice(1));
const isSorted = (ids: readonly string[]): boolean => ids.every((id, i) => i === 0 || ids[i - 1]! < id);

describe('sampleSize', () => {
  it.each([
    [1, 0, 0],
    [1, 5, 5],
    [1, 100, 14],
    [1, 1000, 20],
    [1, 10_000, 28],
    [3, 9, 8],
    [3, 100, 14],
    [10, 1000, 20],
    [50, 1000, 100],
    [600, 1000, 1000],
  ])('want %i of %i nodes: %i', (want, n, expected) => {
    expect(sampleSize(want, n)).toBe(expected);
  });
});

describe('RankingNodeSelector with `want` (bounded sampling)', () => {
  it('ranks one random sample, not every node, when it holds enough suitable nodes', () => {
    const nodes = cluster(1000);
    const spy = new SpyRanker();
    const selector = new RankingNodeSelector(spy, { random: seededRandom(1) });
    const { matched, rejected } = selector.matchingNodes(job(), { nodes, want: 3 });
    expect(spy.calls).toHaveLength(1);
    const sample = spy.calls[0] ?? [];
    expect(sample).toHaveLength(sampleSize(3, 1000));
    expect(new Set(sample).size).toBe(sample.length);
    // Ranked in the list's order, as if the list held only the sample.
    expect(isSorted(sample)).toBe(true);
    expect(matched.map((r) => r.nodeInfo.NodeID)).toEqual(sample);
    expect(rejected).toEqual([]);
  });

  it('draws a different sample each time, from all over the list', () => {
    const nodes = cluster(64);
    const spy = new SpyRanker();
    const selector = new RankingNodeSelector(spy, { random: seededRandom(2) });
    for (let i = 0; i < 200; i++) selector.matchingNodes(job(), { nodes, want: 1 });
    expect(spy.calls.every((call) => call.length === sampleSize(1, 64))).toBe(true);
    expect(new Set(spy.calls.map((call) => call.join())).size).toBeGreaterThan(190);
    expect(new Set(spy.calls.flat()).size).toBe(64);
  });

  it('grows the sample while it holds too few suitable nodes', () => {
    // One node in four is suitable: a first sample of 20 has about 5 of the 10 wanted.
    const spy = new SpyRanker((id) => idNumber(id) % 4 === 0);
    const selector = new RankingNodeSelector(spy, { random: seededRandom(3) });
    const { matched, rejected } = selector.matchingNodes(job(), { nodes: cluster(1000), want: 10 });
    const [first = [], grown = []] = spy.calls;
    // Enough for 10 at the rate seen in the first sample, with a margin; at least twice the size.
    const seen = first.filter((id) => idNumber(id) % 4 === 0).length;
    expect(seen).toBeLessThan(10);
    expect(spy.calls.map((call) => call.length)).toEqual([
      20,
      Math.max(40, Math.ceil((1.5 * 10 * 20) / seen)),
    ]);
    // Grown, not drawn again: the first sample is part of the second.
    expect(first.every((id) => grown.includes(id))).toBe(true);
    expect(isSorted(grown)).toBe(true);
    expect(matched.length).toBeGreaterThanOrEqual(10);
    expect(matched.length + rejected.length).toBe(grown.length);
    expect(spy.ranked).toBeLessThan(1000);
  });

  it('ranks every node, exactly as without `want`, when samples cannot hold enough', () => {
    const suitable = (id: string): boolean => idNumber(id) % 100 === 7;
    const nodes = cluster(1000);
    const spy = new SpyRanker(suitable);
    const sampled = new RankingNodeSelector(spy, { random: seededRandom(4) }).matchingNodes(job(), {
      nodes,
      want: 20,
    });
    const full = new RankingNodeSelector(new SpyRanker(suitable)).matchingNodes(job(), { nodes });
    expect(spy.calls.at(-1)).toEqual(nodes.map((n) => n.Info.NodeID));
    expect(sampled).toEqual(full);
    expect(sampled.matched).toHaveLength(10);
  });

  it('gives the full ranking\'s "not enough nodes" message with the default chain', () => {
    // 300 nodes: 290 run only wasm, 5 are busy (retryable), 5 fit; the job wants 6.
    const nodes = Object.freeze(
      Array.from({ length: 300 }, (_, i) => {
        const id = `node-${i}`;
        if (i % 60 === 0) return nodeState(computeNode(id));
        if (i % 60 === 1) {
          return nodeState(
            computeNode(id, {
              maxCapacity: { CPU: 8, Memory: 16e9, Disk: 100e9 },
              availableCapacity: {},
              queueCapacity: { CPU: 8 },
            }),
          );
        }
        return nodeState(computeNode(id, { engines: ['wasm'] }));
      }),
    );
    const message = (want?: number): ReturnType<typeof notEnoughNodes> => {
      const selector = new RankingNodeSelector(createDefaultNodeRanker({ random: seededRandom(5) }), {
        random: seededRandom(6),
      });
      const { matched, rejected } = selector.matchingNodes(job({ Count: 6 }), {
        nodes,
        ...(want === undefined ? {} : { want }),
      });
      return notEnoughNodes(6, [...matched, ...rejected]);
    };
    const sampled = message(6);
    expect(sampled).toEqual(message());
    expect(sampled.message).toBe(
      'not enough nodes to run job. requested: 6, available: 300, suitable: 5.' +
        '\n• 5 of 300 nodes: node busy with available capacity {CPU: 0.00, Memory: 0 B, Disk: 0 B, GPU: 0} ' +
        'and queue capacity {CPU: 8.00, Memory: 0 B, Disk: 0 B, GPU: 0}' +
        '\n• 290 of 300 nodes: does not support docker, only wasm',
    );
    expect(sampled.retryable).toBe(true);
  });

  it('never relaxes hard constraints nor the previous-executions rule', () => {
    // Even nodes run only wasm; every third ran the job twice already (vetoed); n0001 rejected its bid.
    const nodes = Object.freeze(
      Array.from({ length: 200 }, (_, i) =>
        nodeState(computeNode(`n${String(i).padStart(4, '0')}`, i % 2 === 0 ? { engines: ['wasm'] } : {})),
      ),
    );
    const executions = [
      execution('n0001', 'AskForBidRejected', { ID: 'e-rejected' }),
      ...nodes
        .map((n) => n.Info.NodeID)
        .filter((id) => idNumber(id) % 3 === 0)
        .flatMap((id) => [
          execution(id, 'Failed', { ID: `e-${id}-1` }),
          execution(id, 'Failed', { ID: `e-${id}-2` }),
        ]),
    ];
    const allowed = (id: string): boolean =>
      idNumber(id) % 2 === 1 && idNumber(id) % 3 !== 0 && id !== 'n0001';
    for (let seed = 0; seed < 50; seed++) {
      const selector = new RankingNodeSelector(createDefaultNodeRanker({ random: seededRandom(seed) }), {
        random: seededRandom(seed),
      });
      const { matched, rejected } = selector.matchingNodes(job({ Count: 3 }), { nodes, executions, want: 3 });
      expect(matched.length).toBeGreaterThanOrEqual(3);
      expect(matched.every((r) => allowed(r.nodeInfo.NodeID))).toBe(true);
      expect(rejected.every((r) => !allowed(r.nodeInfo.NodeID))).toBe(true);
      expect(matched.length + rejected.length).toBeLessThan(200);
    }
  });

  it('is reproducible with a seeded random source', () => {
    const nodes = cluster(500);
    const picks = (seed: number): string[][] => {
      const spy = new SpyRanker();
      const selector = new RankingNodeSelector(spy, { random: seededRandom(seed) });
      for (let i = 0; i < 5; i++) selector.matchingNodes(job(), { nodes, want: 2 });
      return spy.calls;
    };
    expect(picks(7)).toEqual(picks(7));
    expect(picks(7)).not.toEqual(picks(8));
  });

  it('ranks every node, in one call, when the cluster is no larger than the sample', () => {
    const spy = new SpyRanker();
    const nodes = cluster(8);
    new RankingNodeSelector(spy).matchingNodes(job(), { nodes, want: 1 });
    new RankingNodeSelector(spy).matchingNodes(job(), { nodes: cluster(30), want: 15 });
    expect(spy.calls.map((call) => call.length)).toEqual([8, 30]);
  });

  it('ranks every node without `want` (what daemon and ops jobs need)', () => {
    const spy = new SpyRanker();
    new RankingNodeSelector(spy).matchingNodes(job(), { nodes: cluster(1000) });
    expect(spy.calls.map((call) => call.length)).toEqual([1000]);
  });

  it('refuses a `want` that is not a non-negative integer', () => {
    const selector = new RankingNodeSelector(new SpyRanker());
    for (const want of [-1, 1.5, Number.NaN]) {
      expect(() => selector.matchingNodes(job(), { nodes: cluster(3), want })).toThrow(/wanted node count/);
    }
  });
});

describe('RankingNodeSelector node-list cache', () => {
  /** A node whose `Info` reads are counted. */
  function countingNode(id: string, counter: { reads: number }): NodeState {
    const state = nodeState(computeNode(id));
    const info = state.Info;
    return Object.defineProperty({ ...state }, 'Info', {
      get: () => {
        counter.reads++;
        return info;
      },
    });
  }

  it('filters a frozen list once, however often it is ranked', () => {
    const counter = { reads: 0 };
    const nodes = Object.freeze([countingNode('a', counter), countingNode('b', counter)]);
    const spy = new SpyRanker();
    const selector = new RankingNodeSelector(spy);
    selector.matchingNodes(job(), { nodes });
    const afterFirst = counter.reads;
    selector.matchingNodes(job(), { nodes });
    selector.matchingNodes(job(), { nodes, want: 1 });
    expect(counter.reads).toBe(afterFirst);
    expect(spy.calls).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('does not cache a list that may still change', () => {
    const nodes: NodeState[] = [nodeState(computeNode('a'))];
    const spy = new SpyRanker();
    const selector = new RankingNodeSelector(spy);
    selector.matchingNodes(job(), { nodes });
    nodes.push(nodeState(computeNode('b')));
    selector.matchingNodes(job(), { nodes });
    expect(spy.calls).toEqual([['a'], ['a', 'b']]);
  });
});
