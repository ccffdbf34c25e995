/**
 * The ranker chain Bacalhau's orchestrator uses, in its order (`createNodeRanker` in
 * `pkg/node/requester.go`): the filters first (engines, publishers, storages, labels, max usage,
 * over-subscription, min version, previous executions), then the preferences (available capacity,
 * random jitter).
 */
import type { RandomSource } from '../../../lib/random.js';
import { AvailableCapacityNodeRanker } from './available-capacity.js';
import { ChainRanker } from './chain.js';
import { EnginesNodeRanker } from './engines.js';
import { LabelsNodeRanker } from './labels.js';
import { MaxUsageNodeRanker } from './max-usage.js';
import { MinBacalhauVersion, MinVersionNodeRanker, type VersionTriple } from './min-version.js';
import { DefaultOverSubscriptionFactor, OverSubscriptionNodeRanker } from './over-subscription.js';
import { PreviousExecutionsNodeRanker } from './previous-executions.js';
import { PublishersNodeRanker } from './publishers.js';
import { DefaultRandomnessRange, RandomNodeRanker } from './random.js';
import { StoragesNodeRanker } from './storages.js';

export interface DefaultNodeRankerOptions {
  /** Bacalhau's hidden `OverSubscriptionFactor`; ≥ 1. Default 1.5. */
  overSubscriptionFactor?: number;
  /** Bacalhau's hidden `NodeRankRandomnessRange`; a positive integer. Default 5. */
  randomnessRange?: number;
  /** Oldest node version accepted. Default v1.0.4. */
  minVersion?: VersionTriple;
  /** Source of the jitter. Default `Math.random`. */
  random?: RandomSource;
}

/** @throws BacalhauError (ValidationError) for a bad factor or range */
export function createDefaultNodeRanker(options: DefaultNodeRankerOptions = {}): ChainRanker {
  return new ChainRanker([
    new EnginesNodeRanker(),
    new PublishersNodeRanker(),
    new StoragesNodeRanker(),
    new LabelsNodeRanker(),
    new MaxUsageNodeRanker(),
    new OverSubscriptionNodeRanker(options.overSubscriptionFactor ?? DefaultOverSubscriptionFactor),
    new MinVersionNodeRanker(options.minVersion ?? MinBacalhauVersion),
    new PreviousExecutionsNodeRanker(),
    new AvailableCapacityNodeRanker(),
    new RandomNodeRanker({
      range: options.randomnessRange ?? DefaultRandomnessRange,
      ...(options.random === undefined ? {} : { random: options.random }),
    }),
  ]);
}
