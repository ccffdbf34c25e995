/** The public surface of the publisher layer: the seam, its registry, and the publishers. */
export type { IoOptions, Publisher, PublishRequest } from './types.js';
export { PublisherRegistry, type PublisherType } from './registry.js';
export { publishExecution } from './publish.js';
export { NoopPublisher } from './noop/noop.js';
export { LocalPublisher, type LocalPublisherOptions, type LocalPublisherState } from './local/local.js';
export { addressOfType, advertisedHost, isAddressType, listenHost } from './local/address.js';
