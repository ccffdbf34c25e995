/**
 * The compute node's side of log streaming over NATS (Go's `LogStreamHandler` and producer client):
 * serves each request on `node.compute.<nodeID>.ExecutionLogs/v1` as a stream of frames read from
 * `streamLogs`, and heartbeats its consumers so that a stream nobody reads any more is aborted.
 *
 * How a stream ends, as the consumer sees it:
 * - the source ends: Normal close;
 * - the source throws: InternalServerError close whose text is the error's message (`execution … not
 *   found`), which the consumer shows as is;
 * - the request cannot be read: BadRequest close;
 * - the consumer disowns the stream or stops answering heartbeats: the source's signal aborts, then a
 *   Normal close goes out for a reader that may still be there;
 * - `stop()`: GoingAway close at once, then the source's signal aborts.
 *
 * Unlike Go, which serves one request at a time per node, streams are served concurrently.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { settledOrAborted } from '../../../lib/abort.js';
import { InFlight } from '../../../lib/in-flight.js';
import { errorMessage } from '../../../models/index.js';
import type { ExecutionLog } from '../../../models/index.js';
import { asBacalhauError } from '../../errors.js';
import { badOption } from '../options.js';
import { isSubjectToken } from '../subjects.js';
import { ActiveStreams, type ActiveStream } from './active-streams.js';
import { ProducerHeartbeat } from './heartbeat.js';
import { DefaultHeartbeatIntervalMs, DefaultHeartbeatTimeoutMs, positiveMs } from './options.js';
import { CloseCode, decodeStreamRequest, logRequestSubject } from './wire.js';
import type { ExecutionLogsRequest } from './wire.js';
import { FrameWriter } from './writer.js';

/** Where the lines come from: the compute node's `streamLogs`. Must end once `signal` aborts. */
export type LogLineSource = (
  request: ExecutionLogsRequest,
  options: { signal: AbortSignal },
) => AsyncIterable<ExecutionLog>;

export interface NatsLogStreamServerOptions {
  /** Used as is and never closed. */
  connection: NatsConnection;
  /** This compute node's ID: requests for it are served. */
  nodeID: string;
  streamLogs: LogLineSource;
  /** Default 10 s, as Go's. */
  heartbeatIntervalMs?: number;
  /** Default 5 s, as Go's. */
  heartbeatTimeoutMs?: number;
  /**
   * Problems no consumer can be told of: a request without a reply subject, an unreadable heartbeat
   * answer. Default: console.error.
   */
  onError?: (error: unknown) => void;
}

export type NatsLogStreamServerState = 'running' | 'stopped';

/** A stream being served, with how to end it from outside. */
interface Serving {
  writer: FrameWriter;
  controller: AbortController;
}

export class NatsLogStreamServer {
  readonly nodeID: string;
  /** The close text of streams ended by `stop()`. */
  readonly #goingAway: string;
  readonly #nc: NatsConnection;
  readonly #source: LogLineSource;
  readonly #onError: (error: unknown) => void;
  readonly #streams = new ActiveStreams();
  readonly #serving = new Set<Serving>();
  readonly #tasks = new InFlight();
  readonly #heartbeat: ProducerHeartbeat;
  readonly #subscription: Subscription;
  #state: NatsLogStreamServerState = 'running';
  #stopped: Promise<void> | undefined;

  private constructor(
    options: NatsLogStreamServerOptions,
    heartbeat: { intervalMs: number; timeoutMs: number },
  ) {
    this.nodeID = options.nodeID;
    this.#goingAway = `node ${options.nodeID} is shutting down`;
    this.#nc = options.connection;
    this.#source = options.streamLogs;
    this.#onError =
      options.onError ?? ((error) => console.error(`nats log stream of node ${this.nodeID}:`, error));
    this.#heartbeat = new ProducerHeartbeat(this.#nc, this.#streams, {
      ...heartbeat,
      onError: this.#onError,
    });
    this.#subscription = this.#nc.subscribe(logRequestSubject(this.nodeID), {
      callback: (_err, msg) => this.#track(this.#serve(msg)),
    });
  }

  /**
   * Serves the node's log requests; resolves once the server knows of the subscription, so a request
   * sent afterwards reaches it.
   * @throws BacalhauError: BadRequest for a node ID that cannot name a subject or invalid timings,
   *   NetworkFailure when the connection is closed.
   */
  static async start(options: NatsLogStreamServerOptions): Promise<NatsLogStreamServer> {
    if (!isSubjectToken(options.nodeID)) {
      throw badOption(`node ID ${JSON.stringify(options.nodeID)} cannot name a subject`);
    }
    const heartbeat = {
      intervalMs: positiveMs('heartbeatIntervalMs', options.heartbeatIntervalMs, DefaultHeartbeatIntervalMs),
      timeoutMs: positiveMs('heartbeatTimeoutMs', options.heartbeatTimeoutMs, DefaultHeartbeatTimeoutMs),
    };
    const server = new NatsLogStreamServer(options, heartbeat);
    try {
      await options.connection.flush();
    } catch (err) {
      await server.stop();
      throw asBacalhauError(err);
    }
    return server;
  }

  get state(): NatsLogStreamServerState {
    return this.#state;
  }

  /**
   * Stops listening, ends every open stream with a GoingAway close and aborts its source; resolves once
   * every source has settled, or when `signal` fires. Idempotent; never rejects.
   */
  stop(options?: { signal?: AbortSignal }): Promise<void> {
    this.#stopped ??= this.#stop();
    return settledOrAborted(this.#stopped, options?.signal);
  }

  async #stop(): Promise<void> {
    this.#state = 'stopped';
    this.#subscription.unsubscribe();
    this.#heartbeat.stop();
    for (const { writer, controller } of this.#serving) {
      writer.close(CloseCode.GoingAway, this.#goingAway);
      controller.abort(new Error(this.#goingAway));
    }
    await this.#tasks.settled();
  }

  /** Known to the stop until it settles; a failure (none is expected) is reported, never unhandled. */
  #track(task: Promise<void>): void {
    this.#tasks.add(task.catch((err: unknown) => this.#onError(err)));
  }

  async #serve(msg: Msg): Promise<void> {
    if (msg.reply === undefined || msg.reply === '') {
      this.#onError(new Error(`log request on ${msg.subject} has no reply subject: ignored`));
      return;
    }
    const writer = new FrameWriter(this.#nc, msg.reply);
    if (this.#state === 'stopped') {
      // Delivered while stop() was unsubscribing.
      writer.close(CloseCode.GoingAway, this.#goingAway);
      return;
    }
    let decoded: ReturnType<typeof decodeStreamRequest>;
    try {
      decoded = decodeStreamRequest(msg.data);
    } catch (err) {
      writer.close(CloseCode.BadRequest, errorMessage(err));
      return;
    }
    const { header, request } = decoded;
    const controller = new AbortController();
    const stream: ActiveStream = {
      consumerId: header.consumerId,
      streamId: header.streamId,
      subject: msg.subject,
      cancel: () => controller.abort(new Error(`the consumer of log stream ${header.streamId} went away`)),
    };
    if (!this.#streams.add(stream, header.heartBeatRequestSub)) {
      writer.close(CloseCode.InternalServerError, `log stream ${header.streamId} is open already`);
      return;
    }
    const serving: Serving = { writer, controller };
    this.#serving.add(serving);
    try {
      await this.#pump(request, serving);
    } finally {
      this.#serving.delete(serving);
      this.#streams.remove(stream);
    }
  }

  /** Copies the source's lines to the writer until either ends, then closes the stream. */
  async #pump(request: ExecutionLogsRequest, { writer, controller }: Serving): Promise<void> {
    const { signal } = controller;
    try {
      for await (const line of this.#source(request, { signal })) {
        if (signal.aborted || writer.closed) break;
        await writer.write(line);
      }
      writer.close(CloseCode.Normal);
    } catch (err) {
      // A source aborted by us ends however it likes; that is no failure of the stream.
      if (signal.aborted) writer.close(CloseCode.Normal);
      else writer.close(CloseCode.InternalServerError, errorMessage(err));
    }
  }
}
