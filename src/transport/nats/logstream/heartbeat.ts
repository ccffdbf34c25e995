/**
 * The producer's heartbeats: every interval, each consumer with open streams is asked which of them it
 * still reads. Streams it disowns are cancelled; when it does not answer in time (gone, partitioned, or
 * nobody subscribed any more) all the streams it was asked about are. Consumers are asked concurrently,
 * and one whose previous heartbeat is still out is skipped, so a dead consumer delays nobody.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { ActiveStreams, HeartbeatTarget } from './active-streams.js';
import { decodeHeartbeatResponse, encodeHeartbeatRequest } from './wire.js';

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  /** A consumer answered something unreadable; its streams are kept, as Go does. */
  onError: (error: unknown) => void;
}

export class ProducerHeartbeat {
  readonly #nc: NatsConnection;
  readonly #streams: ActiveStreams;
  readonly #options: HeartbeatOptions;
  readonly #timer: NodeJS.Timeout;
  /** Consumers whose heartbeat is out. */
  readonly #asking = new Set<string>();
  #stopped = false;

  constructor(nc: NatsConnection, streams: ActiveStreams, options: HeartbeatOptions) {
    this.#nc = nc;
    this.#streams = streams;
    this.#options = options;
    this.#timer = setInterval(() => this.#beat(), options.intervalMs);
  }

  /** No more heartbeats; answers still out are ignored. Idempotent. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #beat(): void {
    for (const target of this.#streams.heartbeats()) {
      if (this.#asking.has(target.consumerId)) continue;
      this.#asking.add(target.consumerId);
      void this.#ask(target).finally(() => this.#asking.delete(target.consumerId));
    }
  }

  async #ask(target: HeartbeatTarget): Promise<void> {
    let reply;
    try {
      reply = await this.#nc.request(target.subject, encodeHeartbeatRequest(target.active), {
        timeout: this.#options.timeoutMs,
      });
    } catch {
      if (!this.#stopped) this.#streams.cancel(target.consumerId, target.streamIds);
      return;
    }
    if (this.#stopped) return;
    try {
      const nonActive = decodeHeartbeatResponse(reply.data);
      this.#streams.cancel(target.consumerId, Object.values(nonActive).flat());
    } catch (err) {
      this.#options.onError(err);
    }
  }
}
