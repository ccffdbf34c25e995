export { InMemoryTransportHub } from './transport.js';
export type {
  ComputeTransportOptions,
  HandlerErrorContext,
  HubState,
  InMemoryTransportOptions,
} from './transport.js';
export type { CopyMode } from './copy.js';
