/**
 * The parts of a data-plane stream both ends share: the sender's outbox entries (payload serialised once,
 * at `send`), the receiver's inbound entries, and processing one inbound message (skip what was
 * processed already, run the handler, acknowledge unless the handler refused it).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataPlaneMessage, MessageType } from '../messages.js';
import type { Awaitable } from '../types.js';
import { isHandshakeRequired } from '../errors.js';
import { ackData, encodeMessage, sequenceMetadata } from './ncl.js';

/** A message in its sender's outbox until the receiver is known to have processed it. */
export interface Queued {
  readonly type: MessageType;
  readonly seqNum: number;
  /** The payload as Bacalhau's JSON text. */
  readonly payload: string;
  /** The sender's `onProcessed` (see `ComputeTransport.send`). */
  readonly onProcessed?: () => void;
}

/** A received message waiting for its handler, with where to acknowledge it. */
export interface Inbound<M extends DataPlaneMessage> {
  readonly message: M;
  readonly reply: string | undefined;
}

export interface PublishTarget {
  subject: string;
  source: string;
  /** Where the receiver's acknowledgement goes. */
  reply: string;
  metadata: Readonly<Record<string, string | undefined>>;
}

/**
 * Publishes one queued message. A failure (connection closed) is not an error: the message stays queued
 * and is replayed after the next handshake.
 */
export function publishQueued(nc: NatsConnection, queued: Queued, target: PublishTarget): void {
  const { data, headers } = encodeMessage(queued.type, queued.payload, target.source, {
    ...target.metadata,
    ...sequenceMetadata(queued.seqNum),
  });
  try {
    nc.publish(target.subject, data, { headers, reply: target.reply });
  } catch {
    // Replayed later, see above.
  }
}

export interface ReceiveHooks<M extends DataPlaneMessage> {
  /** The last sequence number processed on this stream. */
  lastProcessed(): number;
  handle(message: M): Awaitable<void>;
  /** The message counts as processed (also after a handler failure). */
  processed(seqNum: number): void;
  failed(error: unknown, message: M): void;
  /**
   * The handler refused the message with HandshakeRequired (see `types.ts`): it is neither counted nor
   * acknowledged, and the sender must handshake again. Without this hook a refusal is a failure.
   */
  refused?(message: M): void;
}

/**
 * Processes one inbound message in stream order: drops it if its sequence number was processed already,
 * else runs the handler; then acknowledges it. Returns a promise while an asynchronous handler runs, so
 * the caller's mailbox holds back the next message.
 */
export function receive<M extends DataPlaneMessage>(
  nc: NatsConnection,
  inbound: Inbound<M>,
  hooks: ReceiveHooks<M>,
): void | Promise<void> {
  const { message } = inbound;
  const settle = (): void => {
    hooks.processed(message.seqNum);
    acknowledge(nc, inbound.reply);
  };
  if (message.seqNum <= hooks.lastProcessed()) return acknowledge(nc, inbound.reply);
  const fail = (err: unknown): void => {
    if (hooks.refused !== undefined && isHandshakeRequired(err)) return hooks.refused(message);
    hooks.failed(err, message);
    settle();
  };
  let result: Awaitable<void>;
  try {
    result = hooks.handle(message);
  } catch (err) {
    return fail(err);
  }
  if (isThenable(result)) return Promise.resolve(result).then(settle, fail);
  settle();
}

/** Go's `ncl.Ack`: `{}` on the message's reply subject, which Go's ordered publisher waits for. */
function acknowledge(nc: NatsConnection, reply: string | undefined): void {
  if (reply === undefined) return;
  try {
    nc.publish(reply, ackData);
  } catch {
    // The connection is gone; the sender learns from the next heartbeat or handshake instead.
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
