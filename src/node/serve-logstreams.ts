/**
 * The log streams of a NATS node, each on a connection of its own (the transports own theirs): the
 * orchestrator's client, which reads any node's logs, and the compute node's server, which answers
 * log requests for its executions. The server dials in the background and keeps trying (every 2 s),
 * so a compute node that starts before its orchestrator serves logs once it is reachable, and dials
 * again whenever its connection is closed for good. The retries are ours, not nats.js's
 * `waitOnFirstConnect`, which cannot be cancelled and would keep a stopped node's process alive.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ApiLogSource } from '../api/server/types.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { dialNats, type NatsConnectionOptions, type TokenSetting } from '../transport/nats/connection.js';
import {
  NatsLogStreamClient,
  NatsLogStreamServer,
  type LogLineSource,
} from '../transport/nats/logstream/index.js';

const RetryMs = 2000;

export class LogStreams {
  readonly #onError: ((error: unknown, component: string) => void) | undefined;
  readonly #connections: NatsConnection[] = [];
  readonly #closers: (() => Promise<void>)[] = [];
  /** Aborts dials still waiting for a server when the node stops. */
  readonly #stopping = new AbortController();

  constructor(onError: ((error: unknown, component: string) => void) | undefined) {
    this.#onError = onError;
  }

  /** A log source reading through NATS, for the orchestrator's API. */
  async client(dial: NatsConnectionOptions): Promise<ApiLogSource> {
    const nc = await this.#dial(dial, 'Orchestrator.Auth.Token');
    const client = await NatsLogStreamClient.create({ connection: nc, ...this.#errorOption() });
    this.#closers.push(() => client.stop());
    return client;
  }

  /**
   * Answers log requests for `nodeID` from `streamLogs`, once NATS is reachable. `tokenSetting` names
   * where the token in `dial` came from, for the error a refused token gives.
   */
  serve(
    dial: NatsConnectionOptions,
    tokenSetting: TokenSetting,
    nodeID: string,
    streamLogs: LogLineSource,
  ): void {
    this.#serveUntilStopped(dial, tokenSetting, nodeID, streamLogs).catch((err: unknown) => {
      if (!this.#stopping.signal.aborted) this.#onError?.(err, 'LogStream');
    });
  }

  /**
   * Serves on a connection, and on a new one whenever it closes: nats.js gives a connection up for
   * good after repeated authorization errors (an orchestrator restarted with another token), while
   * the node's transport reconnects by itself; without a new connection, a node shown CONNECTED
   * would answer no log request until it was restarted.
   */
  async #serveUntilStopped(
    dial: NatsConnectionOptions,
    tokenSetting: TokenSetting,
    nodeID: string,
    streamLogs: LogLineSource,
  ): Promise<void> {
    for (;;) {
      const nc = await this.#dialUntilConnected(dial, tokenSetting);
      const server = await NatsLogStreamServer.start({
        connection: nc,
        nodeID,
        streamLogs,
        ...this.#errorOption(),
      });
      const stopServer = (): Promise<void> => server.stop();
      this.#closers.push(stopServer);
      await nc.closed();
      this.#stopping.signal.throwIfAborted();
      this.#closers.splice(this.#closers.indexOf(stopServer), 1);
      this.#connections.splice(this.#connections.indexOf(nc), 1);
      await stopServer().catch(() => undefined);
    }
  }

  /** The `onError` option of a log stream end, reporting as component LogStream. */
  #errorOption(): { onError?: (error: unknown) => void } {
    const onError = this.#onError;
    return onError === undefined ? {} : { onError: (error) => onError(error, 'LogStream') };
  }

  /** Stops the streams and closes their connections. Idempotent; never rejects. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    for (const close of this.#closers.splice(0)) await close().catch(() => undefined);
    for (const connection of this.#connections.splice(0)) await connection.close().catch(() => undefined);
  }

  /**
   * Dials until a server answers; rejects (quietly, see `serve`) once the streams stop. A refused
   * token is reported, once until a dial succeeds, and tried again: the orchestrator may come back
   * with the token this node has.
   */
  async #dialUntilConnected(
    dial: NatsConnectionOptions,
    tokenSetting: TokenSetting,
  ): Promise<NatsConnection> {
    let refused = false;
    for (;;) {
      try {
        return await this.#dial(dial, tokenSetting);
      } catch (err) {
        this.#stopping.signal.throwIfAborted();
        if (!refused && err instanceof BacalhauError && err.code === ErrorCode.Unauthorized) {
          refused = true;
          this.#onError?.(err, 'LogStream');
        }
      }
      await sleep(RetryMs, undefined, { signal: this.#stopping.signal });
    }
  }

  async #dial(dial: NatsConnectionOptions, tokenSetting: TokenSetting): Promise<NatsConnection> {
    // A dial that completes after the stop is closed by dialNats itself.
    const nc = await dialNats({ ...dial, servers: dial.servers ?? [] }, tokenSetting, this.#stopping.signal);
    this.#connections.push(nc);
    return nc;
  }
}
