/**
 * The streams a producer serves, grouped by consumer: what each heartbeat lists, and cancelling the
 * ones a consumer no longer reads (or all of a consumer that stopped answering).
 */
import type { StreamIdsBySubject } from './wire.js';

export interface ActiveStream {
  readonly consumerId: string;
  readonly streamId: string;
  /** The subject the request came on: heartbeats list the stream under it. */
  readonly subject: string;
  /** Stops serving the stream (the consumer is gone). Called at most once, by {@link ActiveStreams.cancel}. */
  readonly cancel: () => void;
}

/** One heartbeat to send. */
export interface HeartbeatTarget {
  consumerId: string;
  /** The consumer's heartbeat subject. */
  subject: string;
  active: StreamIdsBySubject;
  /** The IDs `active` lists. */
  streamIds: string[];
}

interface Consumer {
  heartbeatSubject: string;
  streams: Map<string, ActiveStream>;
}

export class ActiveStreams {
  readonly #consumers = new Map<string, Consumer>();

  /**
   * Registers a stream; false when the consumer has one of that ID open already. The consumer's first
   * stream sets where its heartbeats go.
   */
  add(stream: ActiveStream, heartbeatSubject: string): boolean {
    let consumer = this.#consumers.get(stream.consumerId);
    if (consumer === undefined) {
      consumer = { heartbeatSubject, streams: new Map() };
      this.#consumers.set(stream.consumerId, consumer);
    }
    if (consumer.streams.has(stream.streamId)) return false;
    consumer.streams.set(stream.streamId, stream);
    return true;
  }

  /** Forgets a stream that ended. Only `stream` itself is removed, not a later one of the same ID. */
  remove(stream: ActiveStream): void {
    const consumer = this.#consumers.get(stream.consumerId);
    if (consumer?.streams.get(stream.streamId) !== stream) return;
    consumer.streams.delete(stream.streamId);
    if (consumer.streams.size === 0) this.#consumers.delete(stream.consumerId);
  }

  /** Cancels and forgets those of the consumer's streams that `streamIds` names. */
  cancel(consumerId: string, streamIds: Iterable<string>): void {
    const consumer = this.#consumers.get(consumerId);
    if (consumer === undefined) return;
    for (const id of streamIds) {
      const stream = consumer.streams.get(id);
      if (stream === undefined) continue;
      this.remove(stream);
      stream.cancel();
    }
  }

  /** A heartbeat for every consumer with open streams. */
  heartbeats(): HeartbeatTarget[] {
    return [...this.#consumers].map(([consumerId, consumer]) => {
      const active: StreamIdsBySubject = {};
      for (const stream of consumer.streams.values()) (active[stream.subject] ??= []).push(stream.streamId);
      return {
        consumerId,
        subject: consumer.heartbeatSubject,
        active,
        streamIds: [...consumer.streams.keys()],
      };
    });
  }
}
