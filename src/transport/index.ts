/**
 * The transport between the orchestrator and compute nodes: messages (the only thing the two share),
 * the seam (types.ts), errors, the wire form, and the in-memory implementation. Test helpers (fake
 * compute node, fixtures, manual clock) are in `./testing/index.js`.
 */
export * from './messages.js';
export type * from './types.js';
export {
  HandshakeRequiredCode,
  TransportComponent,
  handshakeRequiredError,
  isHandshakeRequired,
} from './errors.js';
export { decodeMessage, decodePayload, encodeMessage, encodePayload, roundTripPayload } from './wire.js';
export type { EncodedMessage } from './wire.js';
export * from './in-memory/index.js';
export { NatsComputeTransport, NatsOrchestratorTransport } from './nats/index.js';
export type {
  NatsComputeTransportOptions,
  NatsConnectionOptions,
  NatsTransportOptions,
} from './nats/index.js';
