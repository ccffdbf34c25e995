/**
 * The in-process transport: one hub, its orchestrator side and any number of compute sides. Used by the
 * embedded single-process mode, tests and benchmarks. Semantics are those of `../types.ts`; what is
 * particular to this implementation:
 * - acknowledgements are immediate: when a handler settles, the sender's outbox forgets the message, so
 *   outboxes hold only what is in flight or waiting for a disconnected peer;
 * - delivery is asynchronous (never inside `send`) and batched per event-loop turn (see delivery.ts);
 * - `partition` / `heal` simulate a network split of one node: its connection is dropped (the compute
 *   side learns at once, the orchestrator is not told) and handshakes fail until healed;
 * - messages are shared objects unless `copy` says otherwise (see copy.ts).
 */
import { BacalhauError, ErrorCode, NodeConnection } from '../../models/index.js';
import type { NodeInfo } from '../../models/index.js';
import {
  abortedError,
  asBacalhauError,
  handshakeRejectedError,
  handshakeRequiredError,
  isHandshakeRequired,
  networkError,
  throwIfAborted,
  transportStoppedError,
  TransportComponent,
} from '../errors.js';
import { SequencedOutbox } from '../sequenced-outbox.js';
import { raceSignals, settledOrAborted, unboundedController } from '../../lib/abort.js';
import { anySignal } from '../../lib/any-signal.js';
import { MessageType, handshakeIdentity, sequenced } from '../messages.js';
import type { HandshakeIdentity, HandshakeIdentityOptions } from '../messages.js';
import type {
  ComputeMessage,
  DataPlaneMessage,
  HandshakeRequest,
  HandshakeResponse,
  HeartbeatResponse,
  OrchestratorMessage,
  Outgoing,
  ShutdownNoticeRequest,
  UpdateNodeInfoResponse,
} from '../messages.js';
import type {
  Awaitable,
  CallOptions,
  ComputeMessageHandler,
  ComputeSequenceState,
  ComputeTransport,
  ComputeTransportState,
  ControlContext,
  ControlPlaneHandler,
  HeartbeatCapacity,
  NodeConnectionEvent,
  NodeSequenceState,
  OrchestratorMessageHandler,
  OrchestratorTransport,
  OrchestratorTransportState,
  SendOptions,
  Unsubscribe,
} from '../types.js';
import { copier, type Copier, type CopyMode } from './copy.js';
import { DeliveryScheduler, Mailbox } from '../delivery.js';
import { acceptHandshake, handshakeSequence, type ComputeNumbering } from '../compute-numbering.js';
import { Listeners } from '../listeners.js';

/** A compute message waiting for the orchestrator to process it. */
interface OutboxItem {
  /** The message's, for the outbox. */
  readonly seqNum: number;
  readonly message: ComputeMessage;
  readonly onProcessed?: () => void;
}

export interface HandlerErrorContext {
  side: 'orchestrator' | 'compute';
  nodeId: string;
  message: DataPlaneMessage;
}

export interface InMemoryTransportOptions {
  /** How messages cross the hub; default `none`. See copy.ts. */
  copy?: CopyMode;
  /** Called when a data-plane handler throws or rejects; the stream goes on. Default: console.error. */
  onHandlerError?: (error: unknown, context: HandlerErrorContext) => void;
}

export interface ComputeTransportOptions extends HandshakeIdentityOptions {
  nodeId: string;
}

export type HubState = 'running' | 'stopped';

function badRequest(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.BadRequest, component: TransportComponent });
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}

/** Per-node state on the orchestrator's side; outlives connections and compute incarnations. */
class Link implements ComputeNumbering {
  readonly nodeId: string;
  /** Orchestrator → compute messages not yet processed by the node. */
  readonly outbox = new SequencedOutbox<OrchestratorMessage>((message, seqNum) => ({ ...message, seqNum }));
  /** Compute → orchestrator messages waiting for the orchestrator's handler. */
  readonly inbox: Mailbox<ComputeMessage>;
  lastComputeSeqNum = 0;
  startTime: string | undefined;
  /** The compute side of the live connection. */
  peer: InMemoryComputeTransport | undefined;
  everConnected = false;
  partitioned = false;

  constructor(core: Core, nodeId: string) {
    this.nodeId = nodeId;
    this.inbox = new Mailbox<ComputeMessage>(
      core.scheduler,
      (message) => core.deliverToOrchestrator(this, message),
      () => core.messageHandler !== undefined && core.state === 'running',
    );
  }

  sequenceState(): NodeSequenceState {
    return {
      lastOrchestratorSeqNum: this.outbox.lastSeqNum,
      ackedOrchestratorSeqNum: this.outbox.ackedSeqNum,
      lastComputeSeqNum: this.lastComputeSeqNum,
      pending: this.outbox.length,
    };
  }
}

/** The orchestrator's state, shared by the hub and its sides. */
class Core {
  readonly scheduler = new DeliveryScheduler();
  readonly links = new Map<string, Link>();
  readonly copy: Copier;
  readonly onHandlerError: (error: unknown, context: HandlerErrorContext) => void;
  /** Fires when the orchestrator side stops. Every call in flight, from any node, listens to it. */
  readonly stopping = unboundedController();
  state: OrchestratorTransportState = 'running';
  controlHandler: ControlPlaneHandler | undefined;
  messageHandler: ComputeMessageHandler | undefined;
  readonly connectionListeners = new Listeners<[NodeConnectionEvent]>('node connection');
  readonly networkListeners = new Listeners<[boolean]>('network');
  /** The orchestrator's own network link is down (see the hub's `networkDown`). */
  networkDown = false;
  /** The orchestrator's own link answers nothing (see the hub's `networkHangs`). */
  networkHung = false;

  constructor(options: InMemoryTransportOptions) {
    this.copy = copier(options.copy ?? 'none');
    this.onHandlerError =
      options.onHandlerError ??
      ((error, context) =>
        console.error(`transport: ${context.side} handler failed on ${context.message.type}`, error));
  }

  link(nodeId: string): Link {
    let link = this.links.get(nodeId);
    if (link === undefined) {
      link = new Link(this, nodeId);
      this.links.set(nodeId, link);
    }
    return link;
  }

  copyMessage<M extends DataPlaneMessage>(message: M): M {
    const payload = this.copy(message.type, message.payload);
    return payload === message.payload ? message : { ...message, payload };
  }

  /** Drops the node's live connection, if any, and says so; while running only (stop drops them all). */
  drop(link: Link, reason: string): void {
    if (link.peer === undefined || this.state !== 'running') return;
    link.peer.lost(handshakeRequiredError(link.nodeId));
    this.emit({ nodeId: link.nodeId, status: NodeConnection.Disconnected, reason });
  }

  emit(event: NodeConnectionEvent): void {
    this.connectionListeners.emit(event);
  }

  deliverToOrchestrator(link: Link, message: ComputeMessage): void | Promise<void> {
    if (message.seqNum <= link.lastComputeSeqNum) return;
    const handler = this.messageHandler!;
    const done = (): void => {
      if (message.seqNum > link.lastComputeSeqNum) link.lastComputeSeqNum = message.seqNum;
      link.peer?.ackCompute(message.seqNum);
    };
    const failed = (err: unknown): void => {
      // Not processed (see types.ts): the node must handshake again, and replays it.
      if (isHandshakeRequired(err)) return this.drop(link, 'disconnected by orchestrator');
      this.onHandlerError(err, { side: 'orchestrator', nodeId: link.nodeId, message });
      done();
    };
    let result: Awaitable<void>;
    try {
      result = handler(link.nodeId, this.copyMessage(message));
    } catch (err) {
      return failed(err);
    }
    if (isPromise(result)) return result.then(done, failed);
    done();
  }

  /**
   * Runs a control-plane handler for `link`'s node, giving up when the caller's signal fires, the
   * orchestrator stops or the calling compute side stops.
   */
  call<Req extends object, Res>(
    type: MessageType,
    request: Req,
    invoke: (request: Req, context: ControlContext) => Awaitable<Res>,
    link: Link,
    callerSignal: AbortSignal | undefined,
    computeSignal: AbortSignal,
    sequence: NodeSequenceState = link.sequenceState(),
  ): Promise<Res> {
    const signals = [callerSignal, this.stopping.signal, computeSignal];
    const context: ControlContext = {
      nodeId: link.nodeId,
      signal: anySignal(signals.filter((s): s is AbortSignal => s !== undefined)),
      sequence,
    };
    const copied = this.copy(type, request);
    return this.wait((async () => invoke(copied, context))(), callerSignal, computeSignal);
  }

  /** Waits for `promise` on behalf of a compute side's request (see `call`). */
  wait<T>(
    promise: Promise<T>,
    callerSignal: AbortSignal | undefined,
    computeSignal: AbortSignal,
  ): Promise<T> {
    return raceSignals(promise, [callerSignal, this.stopping.signal, computeSignal], (fired) => {
      if (fired === callerSignal) return abortedError(fired);
      if (fired === computeSignal) return transportStoppedError('compute transport');
      return networkError('orchestrator stopped');
    });
  }
}

/** The orchestrator's end of an {@link InMemoryTransportHub}. */
class InMemoryOrchestratorTransport implements OrchestratorTransport {
  readonly #core: Core;
  #stopped: Promise<void> | undefined;

  constructor(core: Core) {
    this.#core = core;
  }

  get state(): OrchestratorTransportState {
    return this.#core.state;
  }

  serveControlPlane(handler: ControlPlaneHandler): Unsubscribe {
    const core = this.#core;
    if (core.controlHandler !== undefined) throw badRequest('a control-plane handler is already registered');
    core.controlHandler = handler;
    return () => {
      if (core.controlHandler === handler) core.controlHandler = undefined;
    };
  }

  onMessage(handler: ComputeMessageHandler): Unsubscribe {
    const core = this.#core;
    if (core.messageHandler !== undefined) throw badRequest('a message handler is already registered');
    core.messageHandler = handler;
    for (const link of core.links.values()) link.inbox.kick();
    return () => {
      if (core.messageHandler === handler) core.messageHandler = undefined;
    };
  }

  onNodeConnection(listener: (event: NodeConnectionEvent) => void): Unsubscribe {
    return this.#core.connectionListeners.add(listener);
  }

  onNetworkChange(listener: (up: boolean) => void): Unsubscribe {
    return this.#core.networkListeners.add(listener);
  }

  checkNetwork(): Promise<boolean> {
    return Promise.resolve(!this.#core.networkDown && !this.#core.networkHung);
  }

  send(nodeId: string, message: Outgoing<OrchestratorMessage>, options?: CallOptions): Promise<void> {
    try {
      throwIfAborted(options?.signal);
      const core = this.#core;
      if (core.state === 'stopped') throw transportStoppedError('orchestrator transport');
      const link = core.link(nodeId);
      const payload = core.copy(message.type, message.payload);
      const queued = link.outbox.push((seqNum) =>
        sequenced<OrchestratorMessage>(
          { type: message.type, payload } as Outgoing<OrchestratorMessage>,
          seqNum,
        ),
      );
      link.peer?.inbox.push(queued);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(asBacalhauError(err));
    }
  }

  disconnect(nodeId: string, options?: CallOptions): Promise<void> {
    try {
      throwIfAborted(options?.signal);
      const core = this.#core;
      if (core.state === 'stopped') throw transportStoppedError('orchestrator transport');
      const link = core.links.get(nodeId);
      if (link !== undefined) core.drop(link, 'disconnected by orchestrator');
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(asBacalhauError(err));
    }
  }

  /** Messages are objects handed over in memory: no size limit. */
  maxMessageBytes(): undefined {
    return undefined;
  }

  sequenceState(nodeId: string): NodeSequenceState | undefined {
    return this.#core.links.get(nodeId)?.sequenceState();
  }

  stop(options?: CallOptions): Promise<void> {
    this.#stopped ??= this.#stop();
    return settledOrAborted(this.#stopped, options?.signal);
  }

  async #stop(): Promise<void> {
    const core = this.#core;
    core.state = 'stopped';
    core.stopping.abort();
    const idle: Promise<void>[] = [];
    for (const link of core.links.values()) {
      link.peer?.lost(networkError('orchestrator stopped'));
      link.inbox.close();
      link.outbox.clear();
      idle.push(link.inbox.idle());
    }
    core.controlHandler = undefined;
    core.messageHandler = undefined;
    core.connectionListeners.clear();
    core.networkListeners.clear();
    await Promise.all(idle);
  }
}

/** A compute node's end of an {@link InMemoryTransportHub}. */
class InMemoryComputeTransport implements ComputeTransport {
  readonly nodeId: string;
  /** Orchestrator → compute messages waiting for this side's handler. */
  readonly inbox: Mailbox<OrchestratorMessage>;
  readonly #core: Core;
  readonly #identity: HandshakeIdentity;
  /** Every call of this node in flight listens to it. */
  readonly #stopping = unboundedController();
  readonly #stateListeners = new Listeners<[ComputeTransportState, BacalhauError | undefined]>('state');
  /** Compute → orchestrator messages the orchestrator has not processed yet, with their senders' `onProcessed`. */
  readonly #outbox = new SequencedOutbox<OutboxItem>((item, seqNum) => ({
    ...item,
    seqNum,
    message: sequenced(item.message, seqNum),
  }));
  #state: ComputeTransportState = 'disconnected';
  #handler: OrchestratorMessageHandler | undefined;
  #lastOrchestratorSeqNum = 0;
  /** Whether a handshake was accepted once: numbering of own messages is settled from then on. */
  #handshaken = false;
  #connecting: Promise<HandshakeResponse> | undefined;
  #response: HandshakeResponse | undefined;
  /** Set while connected. */
  #link: Link | undefined;
  #stopped: Promise<void> | undefined;

  constructor(core: Core, options: ComputeTransportOptions) {
    this.#core = core;
    this.nodeId = options.nodeId;
    this.#identity = handshakeIdentity(options);
    this.inbox = new Mailbox<OrchestratorMessage>(
      core.scheduler,
      (message) => this.#deliver(message),
      () => this.#handler !== undefined,
    );
  }

  get state(): ComputeTransportState {
    return this.#state;
  }

  onMessage(handler: OrchestratorMessageHandler): Unsubscribe {
    if (this.#handler !== undefined) throw badRequest('a message handler is already registered');
    this.#handler = handler;
    this.inbox.kick();
    return () => {
      if (this.#handler === handler) this.#handler = undefined;
    };
  }

  onStateChange(listener: (state: ComputeTransportState, error?: BacalhauError) => void): Unsubscribe {
    return this.#stateListeners.add(listener);
  }

  connect(nodeInfo: NodeInfo, options?: CallOptions): Promise<HandshakeResponse> {
    if (this.#state === 'stopped') return Promise.reject(transportStoppedError('compute transport'));
    if (this.#connecting !== undefined) return this.#connecting;
    if (this.#link !== undefined && this.#response !== undefined) return Promise.resolve(this.#response);
    if (nodeInfo.NodeID !== this.nodeId) {
      return Promise.reject(badRequest(`node info is for ${nodeInfo.NodeID}, not ${this.nodeId}`));
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
    const core = this.#core;
    try {
      const link = this.#reachable();
      const handler = this.#controlHandler();
      const request: HandshakeRequest = {
        NodeInfo: nodeInfo,
        ...this.#identity,
        LastOrchestratorSeqNum: this.#lastOrchestratorSeqNum,
      };
      const decision = await core.call(
        MessageType.HandshakeRequest,
        request,
        (req, ctx) => handler.handshake(req, ctx),
        link,
        signal,
        this.#stopping.signal,
        handshakeSequence(link.sequenceState(), link.startTime, request),
      );
      this.#reachable();
      if (!decision.accepted) throw handshakeRejectedError(this.nodeId, decision.reason ?? '');

      // Let the orchestrator finish a message of this node it is still handling (from an older
      // connection or incarnation), so the sequence numbers below are final.
      const previous = link.peer;
      if (previous !== undefined && previous !== this) {
        previous.lost(networkError('connection replaced by a newer one of the same node'));
      }
      await core.wait(link.inbox.idle(), signal, this.#stopping.signal);
      this.#reachable();
      acceptHandshake(link, request);

      // Resume after what this side processed (a handler still running during the handshake may have
      // moved it since the request), never before what the node is known to have processed, never
      // beyond what was sent.
      const start = Math.min(
        Math.max(this.#lastOrchestratorSeqNum, link.outbox.ackedSeqNum),
        link.outbox.lastSeqNum,
      );
      const response: HandshakeResponse = {
        accepted: true,
        ...(decision.reason === undefined ? {} : { reason: decision.reason }),
        LastComputeSeqNum: link.lastComputeSeqNum,
        LastOrchestratorSeqNum: start,
      };
      this.#attach(link, response, nodeInfo);
      return core.copy(MessageType.HandshakeResponse, response);
    } catch (err) {
      const error = asBacalhauError(err);
      if (this.#state === 'connecting') this.#setState('disconnected', error);
      throw error;
    }
  }

  /** Starts both streams of an accepted handshake. Synchronous, so nothing slips in between. */
  #attach(link: Link, response: HandshakeResponse, nodeInfo: NodeInfo): void {
    const core = this.#core;
    link.peer?.lost(networkError('connection replaced by a newer one of the same node'));
    link.peer = this;
    link.inbox.clear();
    this.inbox.clear();

    link.outbox.acknowledge(response.LastOrchestratorSeqNum);
    this.#lastOrchestratorSeqNum = response.LastOrchestratorSeqNum;
    if (!this.#handshaken) {
      // A fresh incarnation: continue the node's numbering where the orchestrator's knowledge ends.
      this.#handshaken = true;
      this.#outbox.rebase(response.LastComputeSeqNum);
    }
    this.ackCompute(response.LastComputeSeqNum);

    this.#link = link;
    this.#response = response;
    for (const message of link.outbox) {
      if (message.seqNum > response.LastOrchestratorSeqNum) this.inbox.push(message);
    }
    for (const { message } of this.#outbox) link.inbox.push(message);

    const reconnect = link.everConnected;
    link.everConnected = true;
    this.#setState('connected');
    core.emit({
      nodeId: this.nodeId,
      status: NodeConnection.Connected,
      reason: reconnect ? 'reconnect' : 'handshake',
      nodeInfo,
    });
  }

  async heartbeat(capacity: HeartbeatCapacity, options?: CallOptions): Promise<HeartbeatResponse> {
    const link = this.#connected(options?.signal);
    const handler = this.#controlHandler();
    const request = {
      NodeID: this.nodeId,
      ...capacity,
      LastOrchestratorSeqNum: this.#lastOrchestratorSeqNum,
    };
    await this.#request(
      MessageType.HeartbeatRequest,
      request,
      (req, ctx) => handler.heartbeat(req, ctx),
      link,
      options,
    );
    link.outbox.acknowledge(request.LastOrchestratorSeqNum);
    const response: HeartbeatResponse = { LastComputeSeqNum: link.lastComputeSeqNum };
    return this.#core.copy(MessageType.HeartbeatResponse, response);
  }

  async updateNodeInfo(nodeInfo: NodeInfo, options?: CallOptions): Promise<UpdateNodeInfoResponse> {
    if (nodeInfo.NodeID !== this.nodeId) {
      throw badRequest(`node info is for ${nodeInfo.NodeID}, not ${this.nodeId}`);
    }
    const link = this.#connected(options?.signal);
    const handler = this.#controlHandler();
    const response = await this.#request(
      MessageType.UpdateNodeInfoRequest,
      { NodeInfo: nodeInfo },
      (req, ctx) => handler.updateNodeInfo(req, ctx),
      link,
      options,
    );
    return this.#core.copy(MessageType.UpdateNodeInfoResponse, response);
  }

  send(message: Outgoing<ComputeMessage>, options?: SendOptions): Promise<void> {
    try {
      throwIfAborted(options?.signal);
      if (this.#state === 'stopped') throw transportStoppedError('compute transport');
      const payload = this.#core.copy(message.type, message.payload);
      const onProcessed = options?.onProcessed;
      const { message: queued } = this.#outbox.push((seqNum) => ({
        seqNum,
        message: sequenced<ComputeMessage>(
          { type: message.type, payload } as Outgoing<ComputeMessage>,
          seqNum,
        ),
        ...(onProcessed === undefined ? {} : { onProcessed }),
      }));
      this.#link?.inbox.push(queued);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(asBacalhauError(err));
    }
  }

  async disconnect(options: CallOptions & { notify?: boolean; reason?: string } = {}): Promise<void> {
    const link = this.#link;
    if (link === undefined || this.#state === 'stopped') return;
    const core = this.#core;
    let noticed = false;
    const handler = core.controlHandler;
    if (options.notify !== false && handler !== undefined && options.signal?.aborted !== true) {
      const request: ShutdownNoticeRequest = {
        NodeID: this.nodeId,
        ...(options.reason === undefined ? {} : { Reason: options.reason }),
        LastOrchestratorSeqNum: this.#lastOrchestratorSeqNum,
      };
      try {
        noticed = true;
        await core.call(
          MessageType.ShutdownNoticeRequest,
          request,
          (req, ctx) => handler.shutdownNotice(req, ctx),
          link,
          options.signal,
          this.#stopping.signal,
        );
        link.outbox.acknowledge(request.LastOrchestratorSeqNum);
      } catch {
        // Best effort, as in Bacalhau: the node goes away either way.
      }
    }
    if (this.#link !== link) return;
    this.lost(undefined);
    if (noticed && core.state === 'running') {
      core.emit({ nodeId: this.nodeId, status: NodeConnection.Disconnected, reason: 'graceful shutdown' });
    }
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
    this.lost(undefined);
    this.#setState('stopped');
    this.#stopping.abort();
    this.#stateListeners.clear();
    this.inbox.close();
    this.#outbox.clear();
    this.#handler = undefined;
    await settledOrAborted(this.inbox.idle(), options?.signal);
  }

  // --- internal, used by the hub's other parts ---------------------------------------------------------

  /** The connection is gone (dropped by either side, partitioned or replaced). */
  lost(error: BacalhauError | undefined): void {
    const link = this.#link;
    if (link === undefined) return;
    this.#link = undefined;
    this.#response = undefined;
    if (link.peer === this) {
      link.peer = undefined;
      link.inbox.clear();
    }
    this.inbox.clear();
    if (this.#state === 'connected') this.#setState('disconnected', error);
  }

  /** The orchestrator processed this node's messages up to `seqNum`. */
  ackCompute(seqNum: number): void {
    this.#outbox.acknowledge(seqNum);
  }

  // --- private ----------------------------------------------------------------------------------------

  #deliver(message: OrchestratorMessage): void | Promise<void> {
    if (message.seqNum <= this.#lastOrchestratorSeqNum) return;
    const handler = this.#handler as OrchestratorMessageHandler;
    const done = (): void => {
      if (message.seqNum > this.#lastOrchestratorSeqNum) this.#lastOrchestratorSeqNum = message.seqNum;
      this.#core.links.get(this.nodeId)?.outbox.acknowledge(message.seqNum);
    };
    const failed = (err: unknown): void => {
      this.#core.onHandlerError(err, { side: 'compute', nodeId: this.nodeId, message });
      done();
    };
    let result: Awaitable<void>;
    try {
      result = handler(this.#core.copyMessage(message));
    } catch (err) {
      return failed(err);
    }
    if (isPromise(result)) return result.then(done, failed);
    done();
  }

  #setState(state: ComputeTransportState, error?: BacalhauError): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#stateListeners.emit(state, error);
  }

  /** The node's link, if the orchestrator can be reached at all. */
  #reachable(): Link {
    if (this.#state === 'stopped') throw transportStoppedError('compute transport');
    if (this.#core.state === 'stopped') throw networkError('orchestrator unavailable');
    const link = this.#core.link(this.nodeId);
    if (link.partitioned || this.#core.networkDown) {
      throw networkError(`orchestrator unreachable from node ${this.nodeId}`);
    }
    return link;
  }

  #controlHandler(): ControlPlaneHandler {
    const handler = this.#core.controlHandler;
    if (handler === undefined) {
      throw new BacalhauError('orchestrator does not serve the control plane yet', {
        code: ErrorCode.ServiceUnavailable,
        component: TransportComponent,
        retryable: true,
      });
    }
    return handler;
  }

  /** The live connection for a control request; otherwise throws (and notes the loss). */
  #connected(signal: AbortSignal | undefined): Link {
    throwIfAborted(signal);
    let link: Link;
    try {
      link = this.#reachable();
    } catch (err) {
      if (err instanceof BacalhauError && err.code === ErrorCode.NetworkFailure) this.lost(err);
      throw err;
    }
    if (this.#link !== link) throw handshakeRequiredError(this.nodeId);
    return link;
  }

  async #request<Req extends object, Res>(
    type: MessageType,
    request: Req,
    invoke: (request: Req, context: ControlContext) => Awaitable<Res>,
    link: Link,
    options: CallOptions | undefined,
  ): Promise<Res> {
    try {
      return await this.#core.call(type, request, invoke, link, options?.signal, this.#stopping.signal);
    } catch (err) {
      const error = asBacalhauError(err);
      if (isHandshakeRequired(error) || error.code === ErrorCode.NetworkFailure) {
        if (this.#link === link) this.lost(error);
      }
      throw error;
    }
  }
}

/**
 * An in-process network: one orchestrator side (`orchestrator`) and compute sides made with
 * `createComputeTransport`. `stop()` stops all of them and cancels the delivery turn; it is idempotent.
 */
export class InMemoryTransportHub {
  readonly orchestrator: OrchestratorTransport;
  readonly #core: Core;
  readonly #computes = new Set<InMemoryComputeTransport>();
  #state: HubState = 'running';
  #stopped: Promise<void> | undefined;

  private constructor(options: InMemoryTransportOptions) {
    this.#core = new Core(options);
    this.orchestrator = new InMemoryOrchestratorTransport(this.#core);
  }

  static create(options: InMemoryTransportOptions = {}): Promise<InMemoryTransportHub> {
    return Promise.resolve(new InMemoryTransportHub(options));
  }

  get state(): HubState {
    return this.#state;
  }

  /** A compute side for `nodeId`. Several may exist for one node (a restarted node is a new one). */
  createComputeTransport(options: ComputeTransportOptions): Promise<ComputeTransport> {
    if (this.#state === 'stopped') return Promise.reject(transportStoppedError('in-memory hub'));
    if (options.nodeId === '') return Promise.reject(badRequest('node ID required'));
    const compute = new InMemoryComputeTransport(this.#core, options);
    this.#computes.add(compute);
    compute.onStateChange((state) => {
      if (state === 'stopped') this.#computes.delete(compute);
    });
    return Promise.resolve(compute);
  }

  /** Cuts the node off: its connection drops (the compute side learns at once, the orchestrator not). */
  partition(nodeId: string): void {
    const link = this.#core.link(nodeId);
    link.partitioned = true;
    link.peer?.lost(networkError(`orchestrator unreachable from node ${nodeId}`));
  }

  /** Ends a partition; the node must connect again. */
  heal(nodeId: string): void {
    this.#core.link(nodeId).partitioned = false;
  }

  /**
   * Simulates the orchestrator losing its own network link (its NATS connection): every node's
   * connection is dropped, unannounced, handshakes fail, and the orchestrator side's network listeners
   * hear `false`; {@link networkUp} ends it.
   */
  networkDown(): void {
    this.#core.networkDown = true;
    for (const link of this.#core.links.values()) {
      link.peer?.lost(networkError(`orchestrator unreachable from node ${link.nodeId}`));
    }
    this.#core.networkListeners.emit(false);
  }

  networkUp(): void {
    this.#core.networkDown = false;
    this.#core.networkListeners.emit(true);
  }

  /**
   * Simulates the orchestrator's link hanging (a NATS server that stopped answering): nothing says it
   * is down, but `checkNetwork` fails until {@link networkAnswers}. Messages still flow: a test sends
   * nothing meanwhile.
   */
  networkHangs(): void {
    this.#core.networkHung = true;
  }

  networkAnswers(): void {
    this.#core.networkHung = false;
  }

  /** Stops every side; with a signal, stops waiting for running handlers when it fires. */
  stop(options?: CallOptions): Promise<void> {
    this.#stopped ??= this.#stop(options);
    return this.#stopped;
  }

  async #stop(options?: CallOptions): Promise<void> {
    this.#state = 'stopped';
    await this.orchestrator.stop(options);
    await Promise.all([...this.#computes].map((compute) => compute.stop(options)));
    this.#core.scheduler.stop();
  }
}
