/**
 * A compute node's end over NATS, NCL v1 layout: control requests on
 * `bacalhau.global.compute.<nodeID>.out.ctrl`, results published on `….out.msgs`, orchestrator messages
 * read from `….in.msgs`; every data-plane message carries a reply subject on which the receiver
 * acknowledges it.
 *
 * Semantics are those of `../types.ts`. What is particular to NATS:
 * - the NATS connection is dialled at the first `connect` (as Go's connection manager does) unless one
 *   was given; losing it drops the node's connection at once (messages may have been lost both ways),
 *   and the next `connect` replays them;
 * - each handshake names a new connection ID: messages the orchestrator addressed to an older
 *   connection (a replaced or dropped one) are ignored, so the orchestrator's view of what this node
 *   processed stays true;
 * - the orchestrator's `disconnect` or a newer connection of the same node is learnt from the next
 *   control request (HandshakeRequired), as in Bacalhau.
 */
import { randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { settledOrAborted } from '../../lib/abort.js';
import { SequencedOutbox } from '../sequenced-outbox.js';
import { ErrorCode } from '../../models/index.js';
import type { BacalhauError, NodeInfo } from '../../models/index.js';
import {
  asBacalhauError,
  handshakeRejectedError,
  handshakeRequiredError,
  isHandshakeRequired,
  networkError,
  throwIfAborted,
  transportStoppedError,
} from '../errors.js';
import { DeliveryScheduler, Mailbox } from '../delivery.js';
import { MessageType, handshakeIdentity, type HandshakeIdentity } from '../messages.js';
import type {
  ComputeMessage,
  HandshakeRequest,
  HandshakeResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  OrchestratorMessage,
  Outgoing,
  ShutdownNoticeRequest,
  ShutdownNoticeResponse,
  UpdateNodeInfoRequest,
  UpdateNodeInfoResponse,
} from '../messages.js';
import type {
  CallOptions,
  ComputeSequenceState,
  ComputeTransport,
  ComputeTransportState,
  HeartbeatCapacity,
  OrchestratorMessageHandler,
  SendOptions,
  Unsubscribe,
} from '../types.js';
import { decodePayload } from '../wire.js';
import { watchConnection } from './connection.js';
import {
  BacErrorType,
  decodeDataMessage,
  decodeError,
  decodeMessage,
  encodeMessage,
  MetadataKey,
  payloadJson,
  protocolError,
  readAck,
} from './ncl.js';
import { badOption, compileOptions, openConnection } from './options.js';
import type { NatsConnectionOptions } from './connection.js';
import type { CompiledOptions, NatsComputeTransportOptions } from './options.js';
import { Listeners } from '../listeners.js';
import { ReplyInbox } from './reply-inbox.js';
import { publishQueued, receive, type Inbound, type Queued } from './stream.js';
import { computeInSubject, computeOutSubject, controlSubject, isSubjectToken } from './subjects.js';

const side = 'compute transport';

/** The NATS side of this end, set up on the first connection. */
interface Nats {
  nc: NatsConnection;
  owned: boolean;
  replies: ReplyInbox;
  subscription: Subscription;
  unwatch: () => void;
  /** Whether the connection to the server is up right now. */
  up: boolean;
}

/** Each control request with its response. */
interface ControlCalls {
  'transport.HandshakeRequest': [HandshakeRequest, HandshakeResponse];
  'transport.HeartbeatRequest': [HeartbeatRequest, HeartbeatResponse];
  'transport.UpdateNodeInfoRequest': [UpdateNodeInfoRequest, UpdateNodeInfoResponse];
  'transport.ShutdownNoticeRequest': [ShutdownNoticeRequest, ShutdownNoticeResponse];
}
type ControlCall = keyof ControlCalls;

const responseType: Record<ControlCall, MessageType> = {
  [MessageType.HandshakeRequest]: MessageType.HandshakeResponse,
  [MessageType.HeartbeatRequest]: MessageType.HeartbeatResponse,
  [MessageType.UpdateNodeInfoRequest]: MessageType.UpdateNodeInfoResponse,
  [MessageType.ShutdownNoticeRequest]: MessageType.ShutdownNoticeResponse,
};

export class NatsComputeTransport implements ComputeTransport {
  readonly nodeId: string;
  readonly #connectionOptions: NatsConnectionOptions;
  readonly #options: CompiledOptions;
  readonly #identity: HandshakeIdentity;
  readonly #scheduler = new DeliveryScheduler();
  readonly #stopping = new AbortController();
  readonly #stateListeners = new Listeners<[ComputeTransportState, BacalhauError | undefined]>('state');
  readonly #reachableListeners = new Listeners<[]>('reachable');
  /** Orchestrator → compute messages of the current (or coming) connection waiting for the handler. */
  readonly #inbox: Mailbox<Inbound<OrchestratorMessage>>;
  /** Compute → orchestrator messages the orchestrator has not processed yet. */
  readonly #outbox = new SequencedOutbox<Queued>((queued, seqNum) => ({ ...queued, seqNum }));
  #nats: Nats | undefined;
  #state: ComputeTransportState = 'disconnected';
  #handler: OrchestratorMessageHandler | undefined;
  #lastOrchestratorSeqNum = 0;
  /** Whether a handshake was accepted once: numbering of own messages is settled from then on. */
  #handshaken = false;
  /** The connection ID of the live connection, or of the handshake in progress. */
  #connection: string | undefined;
  #connecting: Promise<HandshakeResponse> | undefined;
  #response: HandshakeResponse | undefined;
  #stopped: Promise<void> | undefined;

  private constructor(options: NatsComputeTransportOptions, compiled: CompiledOptions) {
    this.nodeId = options.nodeId;
    this.#connectionOptions = options;
    this.#options = compiled;
    this.#identity = handshakeIdentity(options);
    this.#inbox = new Mailbox(
      this.#scheduler,
      (inbound) => this.#deliver(inbound),
      () => this.#handler !== undefined && this.#state === 'connected',
    );
    if (options.connection !== undefined) this.#nats = this.#listen(options.connection, false);
  }

  /**
   * A compute end for `options.nodeId`. With `servers`, nothing is dialled until `connect`.
   * @throws BacalhauError (BadRequest) for invalid options or a node ID that cannot name a subject.
   */
  static create(options: NatsComputeTransportOptions): Promise<NatsComputeTransport> {
    try {
      const compiled = compileOptions(options);
      if (!isSubjectToken(options.nodeId)) {
        throw badOption(`node ID ${JSON.stringify(options.nodeId)} cannot name a subject`);
      }
      return Promise.resolve(new NatsComputeTransport(options, compiled));
    } catch (err) {
      return Promise.reject(asBacalhauError(err));
    }
  }

  get state(): ComputeTransportState {
    return this.#state;
  }

  onMessage(handler: OrchestratorMessageHandler): Unsubscribe {
    if (this.#handler !== undefined) throw badOption('a message handler is already registered');
    this.#handler = handler;
    this.#inbox.kick();
    return () => {
      if (this.#handler === handler) this.#handler = undefined;
    };
  }

  onStateChange(listener: (state: ComputeTransportState, error?: BacalhauError) => void): Unsubscribe {
    return this.#stateListeners.add(listener);
  }

  onReachable(listener: () => void): Unsubscribe {
    return this.#reachableListeners.add(listener);
  }

  connect(nodeInfo: NodeInfo, options?: CallOptions): Promise<HandshakeResponse> {
    if (this.#state === 'stopped') return Promise.reject(transportStoppedError(side));
    if (this.#connecting !== undefined) return this.#connecting;
    if (this.#state === 'connected' && this.#response !== undefined) return Promise.resolve(this.#response);
    if (nodeInfo.NodeID !== this.nodeId) {
      return Promise.reject(badOption(`node info is for ${nodeInfo.NodeID}, not ${this.nodeId}`));
    }
    const connecting = this.#handshake(nodeInfo, options?.signal).finally(() => {
      if (this.#connecting === connecting) this.#connecting = undefined;
    });
    this.#connecting = connecting;
    return connecting;
  }

  async #handshake(nodeInfo: NodeInfo, signal: AbortSignal | undefined): Promise<HandshakeResponse> {
    throwIfAborted(signal);
    this.#setState('connecting');
    const connection = randomUUID();
    try {
      const nats = await this.#dial(signal);
      if (!nats.up) throw networkError('not connected to NATS (reconnecting)');
      // From here on, messages the orchestrator addresses to this handshake wait in the inbox.
      this.#connection = connection;
      this.#inbox.clear();
      const reported = this.#lastOrchestratorSeqNum;
      const response = await this.#request(nats, MessageType.HandshakeRequest, signal, {
        NodeInfo: nodeInfo,
        ...this.#identity,
        LastOrchestratorSeqNum: reported,
      });
      if (this.#state !== 'connecting' || this.#connection !== connection) {
        throw networkError('connection to NATS lost during the handshake');
      }
      if (!response.accepted) throw handshakeRejectedError(this.nodeId, response.reason ?? '');
      this.#attach(nats, response, reported);
      return response;
    } catch (err) {
      const error = asBacalhauError(err);
      if (this.#connection === connection) {
        this.#connection = undefined;
        this.#inbox.clear();
      }
      if (this.#state === 'connecting') this.#setState('disconnected', error);
      throw error;
    }
  }

  /**
   * Starts both streams of an accepted handshake. Synchronous, so no `send` slips in before the replay.
   * `reported` is the LastOrchestratorSeqNum the handshake request carried.
   */
  #attach(nats: Nats, response: HandshakeResponse, reported: number): void {
    // Adopt where the orchestrator resumes, as NCL does (it may have started over: a new orchestrator),
    // except for messages a handler of an older connection finished since the request was sent.
    const resumes = response.LastOrchestratorSeqNum;
    this.#lastOrchestratorSeqNum =
      resumes >= reported ? Math.max(resumes, this.#lastOrchestratorSeqNum) : resumes;
    if (!this.#handshaken) {
      // A fresh incarnation: continue the node's numbering where the orchestrator's knowledge ends.
      this.#handshaken = true;
      this.#outbox.rebase(response.LastComputeSeqNum);
    }
    this.#outbox.acknowledge(response.LastComputeSeqNum);
    this.#response = response;
    for (const queued of this.#outbox) this.#publish(nats, queued);
    this.#setState('connected');
    this.#inbox.kick();
  }

  async heartbeat(capacity: HeartbeatCapacity, options?: CallOptions): Promise<HeartbeatResponse> {
    const nats = this.#live(options?.signal);
    const response = await this.#request(nats, MessageType.HeartbeatRequest, options?.signal, {
      NodeID: this.nodeId,
      ...capacity,
      LastOrchestratorSeqNum: this.#lastOrchestratorSeqNum,
    });
    this.#outbox.acknowledge(response.LastComputeSeqNum);
    return response;
  }

  async updateNodeInfo(nodeInfo: NodeInfo, options?: CallOptions): Promise<UpdateNodeInfoResponse> {
    if (nodeInfo.NodeID !== this.nodeId) {
      throw badOption(`node info is for ${nodeInfo.NodeID}, not ${this.nodeId}`);
    }
    const nats = this.#live(options?.signal);
    return this.#request(nats, MessageType.UpdateNodeInfoRequest, options?.signal, { NodeInfo: nodeInfo });
  }

  send(message: Outgoing<ComputeMessage>, options?: SendOptions): Promise<void> {
    try {
      throwIfAborted(options?.signal);
      if (this.#state === 'stopped') throw transportStoppedError(side);
      const payload = payloadJson(message.type, message.payload);
      const queued: Queued = this.#outbox.push((seqNum) => ({
        type: message.type,
        seqNum,
        payload,
        ...(options?.onProcessed === undefined ? {} : { onProcessed: options.onProcessed }),
      }));
      if (this.#state === 'connected' && this.#nats !== undefined) this.#publish(this.#nats, queued);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(asBacalhauError(err));
    }
  }

  async disconnect(options: CallOptions & { notify?: boolean; reason?: string } = {}): Promise<void> {
    const nats = this.#nats;
    const connection = this.#connection;
    if (this.#state !== 'connected' || nats === undefined) return;
    if (options.notify !== false && options.signal?.aborted !== true) {
      try {
        const response = await this.#request(nats, MessageType.ShutdownNoticeRequest, options.signal, {
          NodeID: this.nodeId,
          ...(options.reason === undefined ? {} : { Reason: options.reason }),
          LastOrchestratorSeqNum: this.#lastOrchestratorSeqNum,
        });
        this.#outbox.acknowledge(response.LastComputeSeqNum);
      } catch {
        // Best effort, as in Bacalhau: the node goes away either way.
      }
    }
    if (this.#connection === connection) this.#lost(undefined);
  }

  sequenceState(): ComputeSequenceState {
    return {
      lastOrchestratorSeqNum: this.#lastOrchestratorSeqNum,
      lastComputeSeqNum: this.#outbox.lastSeqNum,
      ackedComputeSeqNum: this.#outbox.ackedSeqNum,
      pending: this.#outbox.length,
    };
  }

  stop(options?: CallOptions): Promise<void> {
    this.#stopped ??= this.#stop(options);
    return this.#stopped;
  }

  async #stop(options?: CallOptions): Promise<void> {
    if (this.#state === 'connected') {
      await this.disconnect({ notify: true, reason: 'node shutting down', ...options });
    }
    this.#lost(undefined);
    this.#setState('stopped');
    this.#stopping.abort();
    this.#stateListeners.clear();
    this.#reachableListeners.clear();
    this.#inbox.close();
    this.#outbox.clear();
    this.#handler = undefined;
    this.#scheduler.stop();
    const nats = this.#nats;
    if (nats !== undefined) {
      nats.unwatch();
      nats.replies.close();
      nats.subscription.unsubscribe();
      if (nats.owned) await nats.nc.close().catch(() => undefined);
    }
    await settledOrAborted(this.#inbox.idle(), options?.signal);
  }

  // --- NATS ---------------------------------------------------------------------------------------------

  /** The NATS connection, dialling it when there is none (or the dialled one was closed). */
  async #dial(signal: AbortSignal | undefined): Promise<Nats> {
    const current = this.#nats;
    if (current !== undefined && (!current.owned || !current.nc.isClosed())) return current;
    current?.unwatch();
    const { nc } = await openConnection(this.#connectionOptions, 'Compute.Auth.Token', signal);
    if (this.#state === 'stopped') {
      await nc.close();
      throw transportStoppedError(side);
    }
    this.#nats = this.#listen(nc, true);
    return this.#nats;
  }

  #listen(nc: NatsConnection, owned: boolean): Nats {
    const nats: Nats = {
      nc,
      owned,
      up: !nc.isClosed(),
      replies: new ReplyInbox(nc, (token, msg) => {
        if (readAck(msg) === 'processed') this.#outbox.acknowledge(Number(token));
      }),
      subscription: nc.subscribe(computeInSubject(this.nodeId), {
        callback: (_err, msg) => this.#received(msg),
      }),
      unwatch: () => undefined,
    };
    nats.unwatch = watchConnection(nc, {
      down: () => {
        nats.up = false;
        const error = networkError('connection to NATS lost');
        nats.replies.failAll(error);
        this.#lost(error);
      },
      up: () => {
        nats.up = true;
        this.#reachableListeners.emit();
      },
    });
    return nats;
  }

  #publish(nats: Nats, queued: Queued): void {
    publishQueued(nats.nc, queued, {
      subject: computeOutSubject(this.nodeId),
      source: this.nodeId,
      reply: nats.replies.subject(String(queued.seqNum)),
      metadata: { [MetadataKey.ConnectionID]: this.#connection },
    });
  }

  #received(msg: Msg): void {
    // Outside a connection nothing is processed or acknowledged: the orchestrator replays it later.
    if (this.#state !== 'connected' && this.#state !== 'connecting') return;
    let message: OrchestratorMessage;
    let connection: string | undefined;
    try {
      const received = decodeMessage(msg.data);
      connection = received.metadata[MetadataKey.ConnectionID];
      message = decodeDataMessage(received, 'toCompute') as OrchestratorMessage;
    } catch (err) {
      this.#options.onProtocolError(asBacalhauError(err), { side: 'compute', subject: msg.subject });
      return;
    }
    // Addressed to an older connection of this node (or to another process of it): not ours to process.
    if (connection !== undefined && connection !== this.#connection) return;
    this.#inbox.push({ message, reply: msg.reply === '' ? undefined : msg.reply });
  }

  #deliver(inbound: Inbound<OrchestratorMessage>): void | Promise<void> {
    return receive(this.#nats!.nc, inbound, {
      lastProcessed: () => this.#lastOrchestratorSeqNum,
      handle: (message) => this.#handler!(message),
      processed: (seqNum) => {
        if (seqNum > this.#lastOrchestratorSeqNum) this.#lastOrchestratorSeqNum = seqNum;
      },
      failed: (error, message) =>
        this.#options.onHandlerError(error, { side: 'compute', nodeId: this.nodeId, message }),
    });
  }

  // --- control plane ------------------------------------------------------------------------------------

  /** The NATS side for a control request of the live connection; otherwise throws (noting a loss). */
  #live(signal: AbortSignal | undefined): Nats {
    throwIfAborted(signal);
    if (this.#state === 'stopped') throw transportStoppedError(side);
    const nats = this.#nats;
    if (nats !== undefined && !nats.up) {
      const error = networkError('not connected to NATS (reconnecting)');
      this.#lost(error);
      throw error;
    }
    if (this.#state !== 'connected' || nats === undefined) throw handshakeRequiredError(this.nodeId);
    return nats;
  }

  /**
   * Sends a control request and reads its response, or throws the error the orchestrator answered.
   * HandshakeRequired and NetworkFailure also drop the live connection the request was made on.
   */
  async #request<T extends ControlCall>(
    nats: Nats,
    type: T,
    signal: AbortSignal | undefined,
    payload: ControlCalls[T][0],
  ): Promise<ControlCalls[T][1]> {
    const connection = this.#connection;
    try {
      const message = encodeMessage(type, payloadJson(type, payload), this.nodeId, {
        [MetadataKey.ConnectionID]: connection,
      });
      const reply = await nats.replies.request(controlSubject(this.nodeId), message, {
        timeoutMs: this.#options.requestTimeoutMs,
        signal,
        stopping: this.#stopping.signal,
        side,
      });
      const received = decodeMessage(reply.data);
      if (received.type === BacErrorType) throw decodeError(received);
      const expected = responseType[type];
      if (received.type !== expected) throw protocolError(`expected ${expected}, got ${received.type}`);
      return decodePayload<ControlCalls[T][1]>(expected, received.payload);
    } catch (err) {
      const error = asBacalhauError(err);
      const lost = isHandshakeRequired(error) || error.code === ErrorCode.NetworkFailure;
      if (lost && this.#connection === connection) this.#lost(error);
      throw error;
    }
  }

  // --- state --------------------------------------------------------------------------------------------

  /** The live connection is gone (dropped by either side, or NATS lost). */
  #lost(error: BacalhauError | undefined): void {
    if (this.#state !== 'connected') return;
    this.#connection = undefined;
    this.#response = undefined;
    this.#inbox.clear();
    this.#setState('disconnected', error);
  }

  #setState(state: ComputeTransportState, error?: BacalhauError): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#stateListeners.emit(state, error);
  }
}
