/**
 * The log streams of a NATS node, each on a connection of its own (the transports own theirs): the
 * orchestrator's client, which reads any node's logs, and the compute node's server, which answers
 * log requests for its executions. The server dials in the background and keeps trying, so a compute
 * node that starts before its orchestrator serves logs once it is reachable.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { ApiLogSource } from '../api/server/types.js';
import { dialNats, type NatsConnectionOptions } from '../transport/nats/connection.js';
import {
  NatsLogStreamClient,
  NatsLogStreamServer,
  type LogLineSource,
} from '../transport/nats/logstream/index.js';

export class LogStreams {
  readonly #onError: ((error: unknown, component: string) => void) | undefined;
  readonly #connections: Promise<NatsConnection | undefined>[] = [];
  readonly #closers: (() => Promise<void>)[] = [];
  /** Aborts dials still waiting for a server when the node stops. */
  readonly #stopping = new AbortController();

  constructor(onError: ((error: unknown, component: string) => void) | undefined) {
    this.#onError = onError;
  }

  /** A log source reading through NATS. */
  async client(dial: NatsConnectionOptions): Promise<ApiLogSource> {
    const nc = await this.#dial(dial, false);
    const client = await NatsLogStreamClient.create({
      connection: nc,
      ...(this.#onError === undefined
        ? {}
        : { onError: (error: unknown) => this.#onError?.(error, 'LogStream') }),
    });
    this.#closers.push(() => client.stop());
    return client;
  }

  /** Answers log requests for `nodeID` from `streamLogs`, once NATS is reachable. */
  serve(dial: NatsConnectionOptions, nodeID: string, streamLogs: LogLineSource): void {
    void (async () => {
      const nc = await this.#dial(dial, true);
      if (this.#stopping.signal.aborted) return;
      const server = await NatsLogStreamServer.start({
        connection: nc,
        nodeID,
        streamLogs,
        ...(this.#onError === undefined
          ? {}
          : { onError: (error: unknown) => this.#onError?.(error, 'LogStream') }),
      });
      this.#closers.push(() => server.stop());
    })().catch((err: unknown) => {
      if (!this.#stopping.signal.aborted) this.#onError?.(err, 'LogStream');
    });
  }

  /** Stops the streams and closes their connections. Idempotent; never rejects. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    for (const close of this.#closers.splice(0)) await close().catch(() => undefined);
    for (const connection of this.#connections.splice(0)) {
      await (await connection.catch(() => undefined))?.close().catch(() => undefined);
    }
  }

  async #dial(dial: NatsConnectionOptions, inBackground: boolean): Promise<NatsConnection> {
    const connecting = dialNats(
      { ...dial, servers: dial.servers ?? [], ...(inBackground ? { waitOnFirstConnect: true } : {}) },
      'Compute.Auth.Token',
      this.#stopping.signal,
    );
    this.#connections.push(connecting.catch(() => undefined));
    return connecting;
  }
}
