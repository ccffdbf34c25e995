/**
 * The orchestrator's end over NATS, NCL v1 layout: it serves every node's control plane on
 * `bacalhau.global.compute.*.out.ctrl`, reads every node's results on `….*.out.msgs` and publishes to
 * `….<nodeID>.in.msgs`, each data-plane message with a reply subject on which the node acknowledges it.
 *
 * Semantics are those of `../types.ts`. What is particular to NATS:
 * - acknowledgements come per message (Go's ordered publisher protocol) and through heartbeats and
 *   handshakes; the outbox forgets a message once either says the node processed it;
 * - a node is connected from its accepted handshake until it is dropped (`disconnect`, a shutdown notice,
 *   a handler's HandshakeRequired, a newer handshake, or this end's own NATS connection dropping, which
 *   may have lost messages in both directions). Messages of a dropped connection are ignored unprocessed
 *   and unacknowledged, so nothing is skipped: the node replays them after its next handshake;
 * - the orchestrator is not told when a node goes away silently: missing heartbeats are the authority.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { raceSignals, settledOrAborted, unboundedController } from '../../lib/abort.js';
import { anySignal } from '../../lib/any-signal.js';
import { timeoutSignal } from '../../lib/timeout-signal.js';
import { BacalhauError, ErrorCode, NodeConnection } from '../../models/index.js';
import {
  asBacalhauError,
  handshakeRequiredError,
  isHandshakeRequired,
  networkError,
  throwIfAborted,
  transportStoppedError,
  TransportComponent,
} from '../errors.js';
import { DeliveryScheduler } from '../delivery.js';
import { acceptHandshake, handshakeSequence } from '../compute-numbering.js';
import { MessageType } from '../messages.js';
import type {
  ComputeMessage,
  ControlPlaneResponse,
  HandshakeRequest,
  HeartbeatRequest,
  OrchestratorMessage,
  Outgoing,
  ShutdownNoticeRequest,
  UpdateNodeInfoRequest,
} from '../messages.js';
import type {
  Awaitable,
  CallOptions,
  ComputeMessageHandler,
  ControlContext,
  ControlPlaneHandler,
  NodeConnectionEvent,
  NodeSequenceState,
  OrchestratorTransport,
  OrchestratorTransportState,
  Unsubscribe,
} from '../types.js';
import { decodePayload } from '../wire.js';
import { watchConnection } from './connection.js';
import {
  decodeDataMessage,
  decodeMessage,
  encodeError,
  encodeMessage,
  MetadataKey,
  payloadJson,
  readAck,
  type Encoded,
  type Received,
} from './ncl.js';
import { NodeLink, UnnamedConnection } from './node-link.js';
import { badOption, compileOptions, openConnection } from './options.js';
import type { CompiledOptions, NatsTransportOptions } from './options.js';
import { Listeners } from '../listeners.js';
import { ReplyInbox } from './reply-inbox.js';
import { publishQueued, receive, type Inbound, type Queued } from './stream.js';
import {
  allComputeOutSubjects,
  allControlSubjects,
  computeInSubject,
  isSubjectToken,
  nodeOfSubject,
} from './subjects.js';

/** `Bacalhau-Source` of control-plane responses, as Go's orchestrator names its responder. */
const controlSource = 'orchestrator-control';
const side = 'orchestrator transport';

type Reply = (response: ControlPlaneResponse) => void;

export class NatsOrchestratorTransport implements OrchestratorTransport {
  readonly #nc: NatsConnection;
  readonly #owned: boolean;
  readonly #options: CompiledOptions;
  readonly #scheduler = new DeliveryScheduler();
  readonly #links = new Map<string, NodeLink>();
  /** Every control request in flight listens to it (thousands when a fleet reconnects). */
  readonly #stopping = unboundedController();
  readonly #connections = new Listeners<[NodeConnectionEvent]>('node connection');
  readonly #subscriptions: Subscription[];
  readonly #acks: ReplyInbox;
  readonly #unwatch: () => void;
  #state: OrchestratorTransportState = 'running';
  #control: ControlPlaneHandler | undefined;
  #handler: ComputeMessageHandler | undefined;
  #stopped: Promise<void> | undefined;
  /** Whether the connection to the server is up right now. */
  #natsUp = true;
  readonly #network = new Listeners<[boolean]>('network change');

  private constructor(nc: NatsConnection, owned: boolean, options: CompiledOptions) {
    this.#nc = nc;
    this.#owned = owned;
    this.#options = options;
    this.#acks = new ReplyInbox(nc, (token, msg) => this.#acknowledged(token, msg));
    this.#subscriptions = [
      nc.subscribe(allControlSubjects, { callback: (_err, msg) => void this.#serveControl(msg) }),
      nc.subscribe(allComputeOutSubjects, { callback: (_err, msg) => this.#received(msg) }),
    ];
    // Messages published while this end was away are lost both ways: every node must handshake again.
    this.#unwatch = watchConnection(nc, {
      down: () => {
        this.#natsUp = false;
        this.#links.forEach((link) => link.drop());
        this.#network.emit(false);
      },
      up: () => {
        this.#natsUp = true;
        this.#network.emit(true);
      },
    });
  }

  /**
   * Opens (or adopts) the NATS connection and listens; resolves once the server has the subscriptions.
   * @throws BacalhauError: BadRequest for invalid options, Unauthorized for a wrong token
   *   (`Orchestrator.Auth.Token`), NetworkFailure, RequestCancelled.
   */
  static async create(
    options: NatsTransportOptions,
    call: CallOptions = {},
  ): Promise<NatsOrchestratorTransport> {
    const compiled = compileOptions(options);
    const { nc, owned } = await openConnection(options, 'Orchestrator.Auth.Token', call.signal);
    const transport = new NatsOrchestratorTransport(nc, owned, compiled);
    try {
      await nc.flush();
    } catch (err) {
      await transport.stop();
      throw networkError(`NATS did not confirm the subscriptions: ${(err as Error).message}`);
    }
    return transport;
  }

  get state(): OrchestratorTransportState {
    return this.#state;
  }

  serveControlPlane(handler: ControlPlaneHandler): Unsubscribe {
    if (this.#control !== undefined) throw badOption('a control-plane handler is already registered');
    this.#control = handler;
    return () => {
      if (this.#control === handler) this.#control = undefined;
    };
  }

  onMessage(handler: ComputeMessageHandler): Unsubscribe {
    if (this.#handler !== undefined) throw badOption('a message handler is already registered');
    this.#handler = handler;
    for (const link of this.#links.values()) link.inbox.kick();
    return () => {
      if (this.#handler === handler) this.#handler = undefined;
    };
  }

  onNodeConnection(listener: (event: NodeConnectionEvent) => void): Unsubscribe {
    return this.#connections.add(listener);
  }

  onNetworkChange(listener: (up: boolean) => void): Unsubscribe {
    return this.#network.add(listener);
  }

  checkNetwork(timeoutMs: number): Promise<boolean> {
    if (this.#state !== 'running' || !this.#natsUp) return Promise.resolve(false);
    const noAnswer = () => new Error('no answer');
    return raceSignals(this.#nc.flush(), [timeoutSignal(timeoutMs)], noAnswer).then(
      () => true,
      () => false,
    );
  }

  send(nodeId: string, message: Outgoing<OrchestratorMessage>, options?: CallOptions): Promise<void> {
    try {
      throwIfAborted(options?.signal);
      if (this.#state === 'stopped') throw transportStoppedError(side);
      if (!isSubjectToken(nodeId)) throw badOption(`node ID ${JSON.stringify(nodeId)} cannot name a subject`);
      const payload = payloadJson(message.type, message.payload);
      const link = this.#link(nodeId);
      const queued: Queued = link.outbox.push((seqNum) => ({ type: message.type, seqNum, payload }));
      if (link.connection !== undefined) this.#publish(link, queued);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(asBacalhauError(err));
    }
  }

  disconnect(nodeId: string, options?: CallOptions): Promise<void> {
    try {
      throwIfAborted(options?.signal);
      if (this.#state === 'stopped') throw transportStoppedError(side);
      const link = this.#links.get(nodeId);
      if (link !== undefined) this.#drop(link, 'disconnected by orchestrator');
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(asBacalhauError(err));
    }
  }

  maxMessageBytes(): number | undefined {
    const limit = this.#nc.info?.max_payload;
    return limit !== undefined && limit > 0 ? limit : undefined;
  }

  sequenceState(nodeId: string): NodeSequenceState | undefined {
    return this.#links.get(nodeId)?.sequenceState();
  }

  /** Drops the node's live connection, if any, and says so; while running only (stop drops them all). */
  #drop(link: NodeLink, reason: string): void {
    if (link.connection === undefined || this.#state !== 'running') return;
    link.drop();
    this.#connections.emit({ nodeId: link.nodeId, status: NodeConnection.Disconnected, reason });
  }

  stop(options?: CallOptions): Promise<void> {
    this.#stopped ??= this.#stop();
    return settledOrAborted(this.#stopped, options?.signal);
  }

  async #stop(): Promise<void> {
    this.#state = 'stopped';
    this.#stopping.abort();
    this.#unwatch();
    const idle: Promise<void>[] = [];
    for (const link of this.#links.values()) {
      link.drop();
      link.inbox.close();
      link.outbox.clear();
      idle.push(link.inbox.idle());
    }
    this.#control = undefined;
    this.#handler = undefined;
    this.#connections.clear();
    this.#network.clear();
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#acks.close();
    this.#scheduler.stop();
    // Make sure the server forgot the subscriptions, so nodes see "no responders" from now on (a shared
    // connection that is down forgot them already, and a flush would wait for it to come back).
    if (this.#owned) await this.#nc.close().catch(() => undefined);
    else if (this.#natsUp) await this.#nc.flush().catch(() => undefined);
    await Promise.all(idle);
  }

  // --- data plane ---------------------------------------------------------------------------------------

  #link(nodeId: string): NodeLink {
    let link = this.#links.get(nodeId);
    if (link === undefined) {
      link = new NodeLink(
        nodeId,
        this.#scheduler,
        (l, inbound) => this.#deliver(l, inbound),
        () => this.#handler !== undefined && this.#state === 'running',
      );
      this.#links.set(nodeId, link);
    }
    return link;
  }

  #publish(link: NodeLink, queued: Queued): void {
    const subject = computeInSubject(link.nodeId);
    publishQueued(this.#nc, queued, {
      subject,
      source: `orchestrator-${link.nodeId}`,
      reply: this.#acks.subject(`${queued.seqNum}.${link.nodeId}`),
      metadata: {
        [MetadataKey.Subject]: subject,
        [MetadataKey.ConnectionID]: link.connection || undefined,
      },
    });
  }

  /** A node's acknowledgement of message `<seqNum>.<nodeId>`. */
  #acknowledged(token: string, msg: Msg): void {
    const dot = token.indexOf('.');
    const link = this.#links.get(token.slice(dot + 1));
    if (link !== undefined && readAck(msg) === 'processed')
      link.outbox.acknowledge(Number(token.slice(0, dot)));
  }

  #received(msg: Msg): void {
    const link = this.#links.get(nodeOfSubject(msg.subject));
    // Of no connection: left unprocessed and unacknowledged, the node replays it after its handshake.
    if (this.#state === 'stopped' || link?.connection === undefined) return;
    let received: Received;
    let message: ComputeMessage;
    try {
      received = decodeMessage(msg.data);
      message = decodeDataMessage(received, 'toOrchestrator') as ComputeMessage;
    } catch (err) {
      this.#options.onProtocolError(asBacalhauError(err), { side: 'orchestrator', subject: msg.subject });
      return;
    }
    // Of an older connection of the node: likewise.
    if (!link.isLive(received.metadata[MetadataKey.ConnectionID])) return;
    link.inbox.push({ message, reply: msg.reply === '' ? undefined : msg.reply });
  }

  #deliver(link: NodeLink, inbound: Inbound<ComputeMessage>): void | Promise<void> {
    return receive(this.#nc, inbound, {
      lastProcessed: () => link.lastComputeSeqNum,
      handle: (message) => this.#handler!(link.nodeId, message),
      processed: (seqNum) => {
        if (seqNum > link.lastComputeSeqNum) link.lastComputeSeqNum = seqNum;
      },
      failed: (error, message) =>
        this.#options.onHandlerError(error, { side: 'orchestrator', nodeId: link.nodeId, message }),
      refused: () => this.#drop(link, 'disconnected by orchestrator'),
    });
  }

  // --- control plane ------------------------------------------------------------------------------------

  async #serveControl(msg: Msg): Promise<void> {
    let requestId: string | undefined;
    let replied = false;
    const respond = (encoded: Encoded): void => {
      if (replied) return;
      replied = true;
      try {
        msg.respond(encoded.data, { headers: encoded.headers });
      } catch {
        // The connection is gone; the node's request times out and it retries.
      }
    };
    const reply: Reply = (response) =>
      respond(
        encodeMessage(response.type, payloadJson(response.type, response.payload), controlSource, {
          [MetadataKey.MessageID]: requestId,
        }),
      );
    try {
      if (this.#state === 'stopped') throw transportStoppedError(side);
      const received = decodeMessage(msg.data);
      requestId = received.metadata[MetadataKey.MessageID];
      await this.#dispatch(received, reply);
    } catch (err) {
      respond(encodeError(asBacalhauError(err), controlSource, { [MetadataKey.MessageID]: requestId }));
    }
  }

  #dispatch(received: Received, reply: Reply): Promise<void> {
    const connection = received.metadata[MetadataKey.ConnectionID];
    switch (received.type) {
      case MessageType.HandshakeRequest:
        return this.#handshake(decodePayload(received.type, received.payload), connection, reply);
      case MessageType.HeartbeatRequest:
        return this.#heartbeat(decodePayload(received.type, received.payload), connection, reply);
      case MessageType.UpdateNodeInfoRequest:
        return this.#updateNodeInfo(decodePayload(received.type, received.payload), connection, reply);
      case MessageType.ShutdownNoticeRequest:
        return this.#shutdownNotice(decodePayload(received.type, received.payload), connection, reply);
      default:
        // Go's responder answers an unknown type so.
        throw new BacalhauError(`no handler found for message type: ${received.type}`, {
          code: ErrorCode.NotFound,
          component: TransportComponent,
        });
    }
  }

  async #handshake(request: HandshakeRequest, connection: string | undefined, reply: Reply): Promise<void> {
    const nodeId = request.NodeInfo.NodeID;
    if (!isSubjectToken(nodeId)) throw badOption(`node ID ${JSON.stringify(nodeId)} cannot name a subject`);
    const control = this.#controlHandler();
    const known = this.#links.has(nodeId);
    const link = this.#link(nodeId);
    const decision = await this.#invoke(
      link,
      request,
      (req, ctx) => control.handshake(req, ctx),
      handshakeSequence(link.sequenceState(), link.startTime, request),
    );
    if (!decision.accepted) {
      // Refused before it ever connected, with nothing sent to it: kept, every made-up ID would stay.
      if (!known && !link.everConnected && link.outbox.length === 0) this.#links.delete(nodeId);
      const payload = {
        accepted: false,
        reason: decision.reason ?? '',
        LastComputeSeqNum: 0,
        LastOrchestratorSeqNum: 0,
      };
      return reply({ type: MessageType.HandshakeResponse, payload });
    }

    // Let a message of this node still being handled (from an older connection or incarnation) finish, so
    // the sequence numbers below are final.
    link.drop();
    await raceSignals(link.inbox.idle(), [this.#stopping.signal], () => transportStoppedError(side));

    // From here to the replay nothing may interleave: a `send` in between would overtake the replay.
    acceptHandshake(link, request);
    // A node's first handshake with this end (or a count beyond anything sent) reports what it processed
    // of a previous orchestrator's stream: none of ours was published yet, so ours continue its numbering.
    if (!link.everConnected || request.LastOrchestratorSeqNum > link.outbox.lastSeqNum) {
      link.outbox.rebase(request.LastOrchestratorSeqNum);
    }
    // Resume after what the node processed, never before what it acknowledged, never beyond what was sent.
    const start = Math.min(
      Math.max(request.LastOrchestratorSeqNum, link.outbox.ackedSeqNum),
      link.outbox.lastSeqNum,
    );
    link.outbox.acknowledge(start);
    link.drop(); // a concurrent handshake of the node may have attached meanwhile: the newest wins
    link.connection = connection ?? UnnamedConnection;
    const reconnect = link.everConnected;
    link.everConnected = true;
    this.#connections.emit({
      nodeId,
      status: NodeConnection.Connected,
      reason: reconnect ? 'reconnect' : 'handshake',
      nodeInfo: request.NodeInfo,
    });
    reply({
      type: MessageType.HandshakeResponse,
      payload: {
        accepted: true,
        ...(decision.reason === undefined ? {} : { reason: decision.reason }),
        LastComputeSeqNum: link.lastComputeSeqNum,
        LastOrchestratorSeqNum: start,
      },
    });
    for (const queued of link.outbox) if (queued.seqNum > start) this.#publish(link, queued);
  }

  async #heartbeat(request: HeartbeatRequest, connection: string | undefined, reply: Reply): Promise<void> {
    const link = this.#live(request.NodeID, connection);
    const control = this.#controlHandler();
    await this.#guarded(link, connection, () =>
      this.#invoke(link, request, (req, ctx) => control.heartbeat(req, ctx)),
    );
    link.outbox.acknowledge(request.LastOrchestratorSeqNum);
    reply({ type: MessageType.HeartbeatResponse, payload: { LastComputeSeqNum: link.lastComputeSeqNum } });
  }

  async #updateNodeInfo(
    request: UpdateNodeInfoRequest,
    connection: string | undefined,
    reply: Reply,
  ): Promise<void> {
    const link = this.#live(request.NodeInfo.NodeID, connection);
    const control = this.#controlHandler();
    const response = await this.#guarded(link, connection, () =>
      this.#invoke(link, request, (req, ctx) => control.updateNodeInfo(req, ctx)),
    );
    reply({ type: MessageType.UpdateNodeInfoResponse, payload: response });
  }

  async #shutdownNotice(
    request: ShutdownNoticeRequest,
    connection: string | undefined,
    reply: Reply,
  ): Promise<void> {
    const link = this.#live(request.NodeID, connection);
    const control = this.#controlHandler();
    try {
      await this.#invoke(link, request, (req, ctx) => control.shutdownNotice(req, ctx));
      link.outbox.acknowledge(request.LastOrchestratorSeqNum);
    } finally {
      // The node goes away whatever the handler said.
      if (link.isLive(connection)) this.#drop(link, 'graceful shutdown');
    }
    reply({
      type: MessageType.ShutdownNoticeResponse,
      payload: { LastComputeSeqNum: link.lastComputeSeqNum },
    });
  }

  /** The node's link if `connection` is its live one; otherwise the node must handshake (again). */
  #live(nodeId: string, connection: string | undefined): NodeLink {
    const link = this.#links.get(nodeId);
    if (link === undefined || !link.isLive(connection)) throw handshakeRequiredError(nodeId);
    return link;
  }

  /** A handler answering HandshakeRequired also drops the node's connection, as NCL does. */
  async #guarded<T>(link: NodeLink, connection: string | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (isHandshakeRequired(err) && link.isLive(connection)) link.drop();
      throw err;
    }
  }

  #controlHandler(): ControlPlaneHandler {
    const control = this.#control;
    if (control === undefined) {
      throw new BacalhauError('orchestrator does not serve the control plane yet', {
        code: ErrorCode.ServiceUnavailable,
        component: TransportComponent,
        retryable: true,
      });
    }
    return control;
  }

  /**
   * Runs a control-plane handler. Its context's signal fires when the request timeout passes (the node
   * has given up by then) or this end stops; this end stops waiting for it on stop.
   */
  async #invoke<Req, Res>(
    link: NodeLink,
    request: Req,
    handler: (request: Req, context: ControlContext) => Awaitable<Res>,
    sequence: NodeSequenceState = link.sequenceState(),
  ): Promise<Res> {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException('control request timed out', 'TimeoutError')),
      this.#options.requestTimeoutMs,
    );
    const context: ControlContext = {
      nodeId: link.nodeId,
      signal: anySignal([deadline.signal, this.#stopping.signal]),
      sequence,
    };
    try {
      return await raceSignals((async () => handler(request, context))(), [this.#stopping.signal], () =>
        transportStoppedError(side),
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
