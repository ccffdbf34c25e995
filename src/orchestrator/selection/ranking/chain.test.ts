import { describe, expect, it } from 'vitest';
import type { Job, NodeInfo } from '../../../models/index.js';
import type { NodeRank, NodeRanker } from '../types.js';
import { computeNode, job } from '../testing.js';
import { ChainRanker } from './chain.js';

/** A ranker that gives each node (by position) a fixed rank, reason and retryable flag. */
function fixed(...ranks: [number, string?, boolean?][]): NodeRanker {
  return {
    rankNodes: (_job: Job, nodes: readonly NodeInfo[]): NodeRank[] =>
      nodes.map((nodeInfo, i) => {
        const [rank, reason = `r${rank}`, retryable = false] = ranks[i] ?? [0];
        return { nodeInfo, rank, reason, retryable };
      }),
  };
}

const nodes = [computeNode('a'), computeNode('b'), computeNode('c')];

describe('ChainRanker', () => {
  it('sums ranks of suitable nodes and keeps their reason empty', () => {
    const ranks = new ChainRanker([fixed([10], [0], [5]), fixed([30], [3], [0])]).rankNodes(job(), nodes, {});
    expect(ranks.map((r) => [r.nodeInfo.NodeID, r.rank, r.reason])).toEqual([
      ['a', 40, ''],
      ['b', 3, ''],
      ['c', 5, ''],
    ]);
  });

  it('a −1 from any ranker vetoes the node for good, with the first veto reason', () => {
    const ranks = new ChainRanker([
      fixed([10], [-1, 'no engine'], [10]),
      fixed([-1, 'busy', true], [50], [10]),
      fixed([20], [-1, 'too old'], [10]),
    ]).rankNodes(job(), nodes, {});
    expect(ranks.map((r) => [r.rank, r.reason])).toEqual([
      [-1, 'busy'],
      [-1, 'no engine'],
      [30, ''],
    ]);
  });

  it('an unsuitable node is retryable only when every veto was', () => {
    const ranks = new ChainRanker([
      fixed([-1, 'busy', true], [-1, 'no engine', false], [-1, 'busy', true]),
      fixed([-1, 'full', true], [-1, 'busy', true], [0]),
    ]).rankNodes(job(), nodes, {});
    expect(ranks.map((r) => [r.reason, r.retryable])).toEqual([
      ['busy', true],
      ['no engine', false],
      ['busy', true],
    ]);
  });

  it('an empty chain ranks every node 0', () => {
    expect(new ChainRanker([]).rankNodes(job(), nodes, {}).map((r) => r.rank)).toEqual([0, 0, 0]);
  });

  it('refuses a ranker that does not rank every node', () => {
    const broken: NodeRanker = { rankNodes: () => [] };
    expect(() => new ChainRanker([broken]).rankNodes(job(), nodes, {})).toThrow(
      /returned 0 ranks for 3 nodes/,
    );
  });
});
