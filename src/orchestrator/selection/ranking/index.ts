export {
  AvailableCapacityNodeRanker,
  DefaultResourceWeights,
  resourceWeights,
  weightedCapacity,
} from './available-capacity.js';
export type { ResourceWeights } from './available-capacity.js';
export { ChainRanker } from './chain.js';
export { jobResources } from './job-resources.js';
export { createDefaultNodeRanker, type DefaultNodeRankerOptions } from './default.js';
export { EnginesNodeRanker } from './engines.js';
export { FeatureNodeRanker, ProvidesAllReason, doesNotSupportReason } from './features.js';
export {
  LabelsNodeRanker,
  PreferredSelectorMatchReason,
  RequiredSelectorMatchReason,
  SelectorsNotSetReason,
} from './labels.js';
export { MaxUsageFitsReason, MaxUsageNodeRanker, MaxUsageNotSetReason, maxUsageReason } from './max-usage.js';
export {
  MinBacalhauVersion,
  MinVersionNodeRanker,
  VersionCompatibleReason,
  VersionIncompatibleReason,
  VersionUnknownReason,
  isCompatibleVersion,
  type VersionTriple,
} from './min-version.js';
export {
  DefaultOverSubscriptionFactor,
  NotOverSubscribedReason,
  OverSubscriptionNodeRanker,
  QueueUsageUnknownReason,
} from './over-subscription.js';
export {
  ExecutedMoreThanOnceReason,
  ExecutedOnceReason,
  JobRejectedReason,
  NotExecutedReason,
  PreviousExecutionsNodeRanker,
} from './previous-executions.js';
export { PublishersNodeRanker } from './publishers.js';
export { DefaultRandomnessRange, RandomNodeRanker } from './random.js';
export { StoragesNodeRanker } from './storages.js';
