export { NatsOrchestratorTransport } from './orchestrator.js';
export { NatsComputeTransport } from './compute.js';
export { DefaultRequestTimeoutMs } from './options.js';
export type {
  HandlerErrorContext,
  NatsComputeTransportOptions,
  NatsTransportOptions,
  ProtocolErrorContext,
} from './options.js';
export type { NatsConnectionOptions, TokenSetting } from './connection.js';
export { decodeEnvelope, encodeEnvelope, SchemaVersion } from './envelope.js';
export type { Envelope } from './envelope.js';
export { BacErrorType, MetadataKey } from './ncl.js';
export { computeInSubject, computeOutSubject, controlSubject } from './subjects.js';
