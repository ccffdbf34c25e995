/** Bidding of a compute node: the bidder and its strategies. */
export {
  createBidder,
  type AdmissionControl,
  type BidOutcome,
  type Bidder,
  type BidderOptions,
} from './bidder.js';
export {
  bidResponse,
  type BidRequest,
  type BidResponse,
  type ResourceBidStrategy,
  type SemanticBidStrategy,
} from './types.js';
export { networkingStrategy } from './networking.js';
export { statelessJobStrategy } from './stateless-job.js';
export { providerInstalledStrategy, specType, type InstalledLookup } from './provider-installed.js';
export { storageInstalledStrategy } from './storage-installed.js';
export { inputLocalityStrategy, type Locality } from './input-locality.js';
export { externalCommandStrategy, type ExternalCommandOptions } from './external-command.js';
export { externalHttpStrategy, type ExternalHttpOptions } from './external-http.js';
export { envResolverStrategy } from './env-resolver.js';
export {
  executorResourceStrategy,
  executorSemanticStrategy,
  type EngineLookup,
} from './executor-specific.js';
export { maxCapacityStrategy } from './max-capacity.js';
export { probeData, ProbeDataEnvVar, DefaultProbeTimeoutMs } from './probe.js';
