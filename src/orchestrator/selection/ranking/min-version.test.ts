import { describe, expect, it } from 'vitest';
import { computeNode, job } from '../testing.js';
import { MinVersionNodeRanker, isCompatibleVersion } from './min-version.js';

const v = (Major: string, Minor: string, GitVersion: string) => ({ Major, Minor, GitVersion });
const rank = (version: ReturnType<typeof v>, ranker = new MinVersionNodeRanker()) =>
  ranker.rankNodes(job(), [computeNode('n', { version })], {})[0];

describe('MinVersionNodeRanker', () => {
  it.each([
    [v('1', '0', 'v1.0.4'), 10, 'Bacalhau version compatible'],
    [v('1', '0', 'v1.0.5'), 10, 'Bacalhau version compatible'],
    [v('1', '1', 'v1.1.0'), 10, 'Bacalhau version compatible'],
    [v('2', '0', 'v2.0.0'), 10, 'Bacalhau version compatible'],
    [v('1', '0', 'v1.0.3'), -1, 'Bacalhau version is incompatible'],
    [v('0', '9', 'v0.9.0'), -1, 'Bacalhau version is incompatible'],
    [v('0', '0', 'v0.0.0-xxxxxxx'), 10, 'Bacalhau version compatible'],
    [v('0', '0', ''), 10, 'Bacalhau version compatible'],
    [v('', '', ''), 0, 'Bacalhau version unknown'],
  ])('%o ranks %d', (version, expectedRank, reason) => {
    expect(rank(version)).toMatchObject({ rank: expectedRank, reason, retryable: false });
  });

  it('compares as strings, as Go does', () => {
    expect(isCompatibleVersion(v('1', '0', 'v1.0.10'), v('1', '0', 'v1.0.4'))).toBe(false);
    expect(isCompatibleVersion(v('10', '0', 'v10.0.0'), v('9', '0', 'v9.0.0'))).toBe(false);
  });

  it('takes another minimum', () => {
    const ranker = new MinVersionNodeRanker(v('0', '1', 'v0.1.0'));
    expect(rank(v('0', '1', 'v0.1.0'), ranker)?.rank).toBe(10);
    expect(rank(v('1', '0', 'v1.0.0'), ranker)?.rank).toBe(10);
  });
});
