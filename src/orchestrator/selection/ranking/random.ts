/**
 * Random ranker (Bacalhau `selection/ranking/random.go`): adds an integer in [0, range) to every node
 * so equally ranked nodes share the load. Reason empty, not retryable, never vetoes. Go draws from
 * `crypto/rand`; jitter needs no secrecy, so the source is injectable (default `Math.random`) and tests
 * seed it.
 */
import { mathRandom, randomInt, type RandomSource } from '../../../lib/random.js';
import { BacalhauError, ErrorCode, type Job, type NodeInfo } from '../../../models/index.js';
import type { NodeRank, NodeRanker, RankingContext } from '../types.js';

/** Bacalhau's hidden tunable `NodeRankRandomnessRange`. */
export const DefaultRandomnessRange = 5;

export class RandomNodeRanker implements NodeRanker {
  readonly range: number;
  readonly #random: RandomSource;

  /** @throws BacalhauError (ValidationError) unless `range` is a positive integer */
  constructor(options: { range?: number; random?: RandomSource } = {}) {
    const range = options.range ?? DefaultRandomnessRange;
    if (!Number.isInteger(range) || range <= 0) {
      throw new BacalhauError(`randomness range must be a positive integer: ${range}`, {
        code: ErrorCode.ValidationError,
        component: 'NodeSelection',
      });
    }
    this.range = range;
    this.#random = options.random ?? mathRandom;
  }

  rankNodes(_job: Job, nodes: readonly NodeInfo[], _context?: RankingContext): NodeRank[] {
    return nodes.map((nodeInfo) => ({
      nodeInfo,
      rank: randomInt(this.#random, this.range),
      reason: '',
      retryable: false,
    }));
  }
}
