/**
 * The orchestrator's side of log streaming over NATS (Go's `LogStreamProxy` and consumer client): asks
 * the node that ran an execution for its logs and reads the frames back. It serves the API as its
 * `ApiLogSource`.
 *
 * One client holds two subscriptions whatever the number of streams: `_SINBOX.<nuid>.*` for the frames
 * of all its streams (the last token names the stream), and `_HEARTBEAT._SINBOX.<nuid>` where producers
 * ask which streams it still reads. A stream whose reader aborted is forgotten at once: its frames are
 * dropped and the next heartbeat tells the producer to stop serving it.
 *
 * Each stream yields `{ value }` per line and ends: quietly on a Normal close; with one `{ error }` on
 * any other close, an error item, an unreadable frame, a node that does not answer (no responders, or
 * silence for `requestTimeoutMs`), or `stop()`.
 */
import { nuid } from '@nats-io/transport-node';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { errorMessage, type BacalhauError } from '../../../models/index.js';
import { asBacalhauError, networkError, transportStoppedError } from '../../errors.js';
import { badOption } from '../options.js';
import { isSubjectToken } from '../subjects.js';
import { ConsumerStream, type ExecutionLogResult } from './consumer-stream.js';
import { closedStreamError, notAnsweringError, producerError, unreadableStreamError } from './errors.js';
import { DefaultLogRequestTimeoutMs, positiveMs } from './options.js';
import {
  CloseCode,
  decodeFrame,
  decodeHeartbeatRequest,
  decodeLogItem,
  encodeHeartbeatResponse,
  encodeStreamRequest,
  logRequestSubject,
} from './wire.js';
import type { ExecutionLogsRequest, StreamIdsBySubject } from './wire.js';

export interface NatsLogStreamClientOptions {
  /** Used as is and never closed. */
  connection: NatsConnection;
  /**
   * How long a stream may go without a word from its node (no frame, no heartbeat naming it) before it
   * fails: the first time with "did not answer", later with "stopped answering". Default 30 s.
   */
  requestTimeoutMs?: number;
  /** A producer's heartbeat that cannot be read (it goes unanswered). Default: console.error. */
  onError?: (error: unknown) => void;
}

export type NatsLogStreamClientState = 'running' | 'stopped';

export class NatsLogStreamClient {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;
  readonly #onError: (error: unknown) => void;
  /** Every stream's reply subject is this plus `.<streamId>`. */
  readonly #inbox = `_SINBOX.${nuid.next()}`;
  readonly #heartbeatSubject = `_HEARTBEAT.${this.#inbox}`;
  readonly #frames: Subscription;
  readonly #heartbeats: Subscription;
  /** Open streams by stream ID. */
  readonly #streams = new Map<string, ConsumerStream>();
  #lastStreamId = 0;
  #state: NatsLogStreamClientState = 'running';

  private constructor(options: NatsLogStreamClientOptions, timeoutMs: number) {
    this.#nc = options.connection;
    this.#timeoutMs = timeoutMs;
    this.#onError = options.onError ?? ((error) => console.error('nats log stream client:', error));
    this.#frames = this.#nc.subscribe(`${this.#inbox}.*`, { callback: (_err, msg) => this.#onFrame(msg) });
    this.#heartbeats = this.#nc.subscribe(this.#heartbeatSubject, {
      callback: (_err, msg) => this.#onHeartbeat(msg),
    });
  }

  /** @throws BacalhauError (BadRequest) for an invalid timeout. */
  static create(options: NatsLogStreamClientOptions): Promise<NatsLogStreamClient> {
    try {
      const timeoutMs = positiveMs('requestTimeoutMs', options.requestTimeoutMs, DefaultLogRequestTimeoutMs);
      return Promise.resolve(new NatsLogStreamClient(options, timeoutMs));
    } catch (err) {
      return Promise.reject(asBacalhauError(err));
    }
  }

  get state(): NatsLogStreamClientState {
    return this.#state;
  }

  /**
   * The execution's logs from `request.NodeID`. Nothing is sent until the first item is asked for.
   * Aborting `signal` ends the iteration (without an error item) and drops the stream.
   */
  async *streamLogs(
    request: ExecutionLogsRequest,
    options: { signal: AbortSignal },
  ): AsyncGenerator<ExecutionLogResult, void, undefined> {
    const { signal } = options;
    if (signal.aborted) return;
    const stream = this.#open(request);
    const onAbort = (): void => stream.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (let item = await stream.next(); item !== undefined; item = await stream.next()) yield item;
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.cancel();
    }
  }

  /** Unsubscribes and ends every open stream with a ServiceUnavailable error. Idempotent. */
  stop(): Promise<void> {
    if (this.#state === 'stopped') return Promise.resolve();
    this.#state = 'stopped';
    this.#frames.unsubscribe();
    this.#heartbeats.unsubscribe();
    for (const stream of [...this.#streams.values()]) stream.fail(stoppedError());
    return Promise.resolve();
  }

  /** Registers a stream and sends its request; a stream that cannot start is returned failed. */
  #open(request: ExecutionLogsRequest): ConsumerStream {
    const nodeId = request.NodeID;
    const streamId = String(++this.#lastStreamId);
    const subject = logRequestSubject(nodeId);
    const stream = new ConsumerStream({
      nodeId,
      subject,
      timeoutMs: this.#timeoutMs,
      onEnd: () => this.#streams.delete(streamId),
    });
    const refused = this.#refusal(nodeId);
    if (refused !== undefined) {
      stream.fail(refused);
      return stream;
    }
    this.#streams.set(streamId, stream);
    const header = { consumerId: `${this.#inbox}.`, streamId, heartBeatRequestSub: this.#heartbeatSubject };
    try {
      this.#nc.publish(subject, encodeStreamRequest(header, request), {
        reply: `${this.#inbox}.${streamId}`,
      });
    } catch (err) {
      stream.fail(networkError(`cannot send the log request to node ${nodeId}: ${errorMessage(err)}`));
      return stream;
    }
    stream.watch();
    return stream;
  }

  /** Why a stream to `nodeId` cannot start, if it cannot. */
  #refusal(nodeId: string): BacalhauError | undefined {
    if (this.#state === 'stopped') return stoppedError();
    if (!isSubjectToken(nodeId)) return badOption(`node ID ${JSON.stringify(nodeId)} cannot name a subject`);
    return undefined;
  }

  #onFrame(msg: Msg): void {
    const stream = this.#streams.get(msg.subject.slice(this.#inbox.length + 1));
    // A stream that ended already (its reader went away): the producer learns at the next heartbeat.
    if (stream === undefined) return;
    // The server's own answer when nobody subscribes to the request subject (503 no responders).
    if (msg.headers?.hasError === true) {
      stream.fail(notAnsweringError(stream.nodeId));
      return;
    }
    try {
      const frame = decodeFrame(msg.data);
      if (frame === undefined) {
        // A kind of frame this side does not know: skipped, as Go does, but the node is alive.
        stream.heard();
        return;
      }
      if (frame.kind === 'close') {
        const { closeError } = frame;
        if (closeError.Code === CloseCode.Normal) stream.end();
        else stream.fail(closedStreamError(stream.nodeId, closeError));
        return;
      }
      const item = decodeLogItem(frame.data);
      if ('error' in item) stream.fail(producerError(stream.nodeId, item.error));
      else stream.push(item.value);
    } catch (err) {
      stream.fail(unreadableStreamError(stream.nodeId, err));
    }
  }

  /** Answers which of the streams a producer serves this client no longer reads. */
  #onHeartbeat(msg: Msg): void {
    if (msg.reply === undefined || msg.reply === '') return;
    let active: StreamIdsBySubject;
    try {
      active = decodeHeartbeatRequest(msg.data);
    } catch (err) {
      this.#onError(err);
      return;
    }
    const nonActive: StreamIdsBySubject = {};
    for (const [subject, streamIds] of Object.entries(active)) {
      for (const streamId of streamIds) {
        const stream = this.#streams.get(streamId);
        if (stream?.subject === subject) stream.heard();
        else (nonActive[subject] ??= []).push(streamId);
      }
    }
    try {
      this.#nc.publish(msg.reply, encodeHeartbeatResponse(nonActive));
    } catch {
      // The producer hears nothing and drops this client's streams, which have no connection either.
    }
  }
}

function stoppedError(): BacalhauError {
  return transportStoppedError('log stream client');
}
