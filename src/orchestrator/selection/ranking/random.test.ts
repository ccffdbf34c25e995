import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../lib/random.js';
import { computeNode, job } from '../testing.js';
import { RandomNodeRanker } from './random.js';

describe('RandomNodeRanker', () => {
  const nodes = Array.from({ length: 200 }, (_, i) => computeNode(`n${i}`));

  it('adds an integer jitter in [0, range) that never vetoes', () => {
    const ranks = new RandomNodeRanker({ random: seededRandom(3) }).rankNodes(job(), nodes, {});
    const values = new Set(ranks.map((r) => r.rank));
    expect([...values].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(ranks.every((r) => r.reason === '' && !r.retryable)).toBe(true);
  });

  it('is reproducible with a seeded source', () => {
    const a = new RandomNodeRanker({ random: seededRandom(9), range: 100 }).rankNodes(job(), nodes, {});
    const b = new RandomNodeRanker({ random: seededRandom(9), range: 100 }).rankNodes(job(), nodes, {});
    expect(a.map((r) => r.rank)).toEqual(b.map((r) => r.rank));
  });

  it('refuses a range that is not a positive integer', () => {
    expect(() => new RandomNodeRanker({ range: 0 })).toThrow(
      'randomness range must be a positive integer: 0',
    );
    expect(() => new RandomNodeRanker({ range: 2.5 })).toThrow(/positive integer/);
    expect(new RandomNodeRanker().range).toBe(5);
  });
});
