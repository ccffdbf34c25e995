import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.js';
import type { Job, NodeInfo } from '../../models/index.js';
import { createDefaultNodeRanker } from './ranking/default.js';
import { RankingNodeSelector, isSelectableNode } from './selector.js';
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
