import type { MessageType } from '../messages.js';
import { roundTripPayload } from '../wire.js';

/**
 * How a message crosses the in-memory hub:
 * - `none`: the same object reaches the receiver (fastest; for benchmarks and the embedded mode, where
 *   both sides promise not to mutate what they sent or received);
 * - `clone`: a deep copy (structuredClone) at send and at every delivery;
 * - `wire`: Bacalhau's JSON and back at send and at every delivery, as over NATS (catches fields the
 *   wire form loses, e.g. empty `omitempty` maps).
 */
export type CopyMode = 'none' | 'clone' | 'wire';

export type Copier = <T extends object>(type: MessageType, value: T) => T;

export function copier(mode: CopyMode): Copier {
  switch (mode) {
    case 'none':
      return (_type, value) => value;
    case 'clone':
      return (_type, value) => structuredClone(value);
    case 'wire':
      return (type, value) => roundTripPayload(type, value);
  }
}
