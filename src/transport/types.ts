/**
 * The transport seam between the orchestrator and compute nodes, modelled on Bacalhau's NCL protocol v1
 * (`pkg/transport/nclprotocol`). Implementations: `in-memory/` (one process) and, later, `nats/`.
 * Every implementation runs `transport.contract.ts` unchanged.
 *
 * ## Planes
 * - **Control plane**: request/response calls made by the compute node: handshake, heartbeat, node info
 *   update, shutdown notice. The orchestrator serves them through one {@link ControlPlaneHandler}.
 * - **Data plane**: one ordered stream per node in each direction, every message with a sequence number
 *   (`seqNum`, from 1, +1 per message on that stream).
 *
 * ## Delivery semantics (both directions)
 * - **Order**: per node and direction, handlers see messages in send order, one at a time: the next
 *   message of a stream is handed over only after the handler's promise for the previous one settled.
 *   Different nodes are delivered concurrently; there is no order across nodes.
 * - **At least once, exactly-once effect**: a message stays in its sender's outbox until the receiver
 *   has processed it (the receiving handler's promise settled). After a broken connection the outbox is
 *   replayed from the sequence numbers exchanged at the next handshake. The receiving transport tracks
 *   the last sequence number processed per stream and drops anything at or below it, so within one
 *   transport's lifetime a handler never sees the same message twice and never sees a gap. Across a
 *   process restart (a new compute incarnation, a new orchestrator) a replay can still reach a handler
 *   twice: handlers must be idempotent (execution ID + state checks), as in Bacalhau.
 * - **Disconnected nodes**: `send` never fails because the peer is away. Messages for a node that is not
 *   connected (never was, partitioned, shut down, disconnected by the orchestrator) are queued and
 *   delivered after its next accepted handshake, starting after the `LastOrchestratorSeqNum` the
 *   handshake response names. Likewise a compute node's results queue while it is disconnected.
 * - **Handler errors**: a handler that throws or rejects does not stop its stream: the error is reported
 *   (implementation option `onHandlerError`) and the message counts as processed, as in NCL. A handler
 *   that needs a retry must do it before settling. One exception, the orchestrator's way to say "not
 *   now" (it is stopping, its store cannot write): its handler rejecting with HandshakeRequired leaves
 *   the message unprocessed and unacknowledged and drops the node's connection, as `disconnect` does;
 *   the node handshakes again and replays it, with what followed it, to whichever orchestrator answers.
 * - **Handlers not yet registered**: messages wait until a handler is registered; nothing is dropped.
 *
 * ## Sequence numbers at handshake (NCL semantics)
 * The compute node sends the last orchestrator sequence number it processed. The orchestrator answers
 * with `LastOrchestratorSeqNum` (where its stream to the node resumes; the compute node adopts it) and
 * `LastComputeSeqNum` (the last message it processed from the node; the compute node replays what
 * follows). A new node, or a restarted one without state, reports 0 and resumes after what its previous
 * incarnation had processed. A compute transport without persisted state numbers its own messages after
 * the `LastComputeSeqNum` of its first accepted handshake, so the orchestrator never mistakes them for
 * replays of a previous incarnation. A Go node numbers by its own store instead, so a handshake without
 * `InstanceID` from another process (another `StartTime`) starts the count over: its response's
 * `LastComputeSeqNum` is 0 (compute-numbering.ts).
 *
 * ## Errors
 * Every rejection is a BacalhauError:
 * - `RequestCancelled` (or `TimeOut` for `AbortSignal.timeout`): the call's signal fired;
 * - `ServiceUnavailable`: this side was stopped, or the orchestrator serves no control plane yet;
 * - `NetworkFailure` (retryable): the orchestrator cannot be reached;
 * - `HandshakeRequired` (retryable, see `errors.ts`): the orchestrator has no connection for the node;
 * - `Forbidden`: the orchestrator refused the handshake (`details.reason`);
 * - any code a control-plane handler threw, passed through to the compute node.
 */
import type { BacalhauError, NodeConnection, NodeInfo } from '../models/index.js';
import type {
  ComputeMessage,
  HandshakeRequest,
  HandshakeResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  OrchestratorMessage,
  Outgoing,
  ShutdownNoticeRequest,
  UpdateNodeInfoRequest,
  UpdateNodeInfoResponse,
} from './messages.js';

export type Awaitable<T> = T | Promise<T>;

/** Our `context.Context`: every I/O method takes one (design example 10). */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface SendOptions extends CallOptions {
  /** Called once the receiver processed the message (see each `send`). */
  onProcessed?: () => void;
}

/** Removes a handler or listener. Idempotent. */
export type Unsubscribe = () => void;

/** Where the data-plane streams of one node stand. */
export interface NodeSequenceState {
  /** The last orchestrator → compute sequence number assigned (sent or queued). */
  lastOrchestratorSeqNum: number;
  /** The last orchestrator → compute sequence number the node is known to have processed. */
  ackedOrchestratorSeqNum: number;
  /** The last compute → orchestrator sequence number the orchestrator processed from the node. */
  lastComputeSeqNum: number;
  /** Messages for the node not yet known to be processed (in flight or queued). */
  pending: number;
}

/** Handed to every control-plane handler call. */
export interface ControlContext {
  /** The calling node. */
  readonly nodeId: string;
  /** Fires when the caller gives up or the transport stops. */
  readonly signal: AbortSignal;
  /** The node's streams as the transport sees them before this request is applied. */
  readonly sequence: NodeSequenceState;
}

/** The orchestrator's verdict on a handshake; the transport fills in the sequence numbers. */
export interface HandshakeDecision {
  accepted: boolean;
  /** Why not ("node has been rejected"), or "node registered" / "node reconnected". */
  reason?: string;
}

/**
 * The orchestrator's side of the control plane (its node manager). Calls may overlap, also for one
 * node (a heartbeat during a node info update). A handler may throw a BacalhauError; the compute node
 * receives it as is.
 * Throwing HandshakeRequired from `heartbeat`, `updateNodeInfo` or `shutdownNotice` also drops the node's
 * connection, as NCL does, so the node handshakes again.
 */
export interface ControlPlaneHandler {
  /** Accept or refuse a (re)connecting node. A rejected node gets no data-plane traffic. */
  handshake(request: HandshakeRequest, context: ControlContext): Awaitable<HandshakeDecision>;
  /** A connected node is alive; `request.LastOrchestratorSeqNum` also acknowledges messages. */
  heartbeat(request: HeartbeatRequest, context: ControlContext): Awaitable<void>;
  updateNodeInfo(request: UpdateNodeInfoRequest, context: ControlContext): Awaitable<UpdateNodeInfoResponse>;
  /** The node is shutting down gracefully; after this returns the transport drops its connection. */
  shutdownNotice(request: ShutdownNoticeRequest, context: ControlContext): Awaitable<void>;
}

/** Handles a compute → orchestrator message. See the delivery semantics above. */
export type ComputeMessageHandler = (nodeId: string, message: ComputeMessage) => Awaitable<void>;

/** Handles an orchestrator → compute message. See the delivery semantics above. */
export type OrchestratorMessageHandler = (message: OrchestratorMessage) => Awaitable<void>;

/**
 * A node's data plane came up (accepted handshake) or went down. Go-down events are best effort: they
 * are emitted for a shutdown notice and for `disconnect`, never for a silent loss (crash, partition).
 * Missing heartbeats remain the authority on liveness (the node manager's job).
 */
export interface NodeConnectionEvent {
  readonly nodeId: string;
  readonly status: NodeConnection;
  /** `CONNECTED`: "handshake" or "reconnect"; `DISCONNECTED`: "graceful shutdown" or "disconnected by orchestrator". */
  readonly reason: string;
  /** The NodeInfo of the handshake, for `CONNECTED`. */
  readonly nodeInfo?: NodeInfo;
}

export type OrchestratorTransportState = 'running' | 'stopped';

/**
 * The orchestrator's end: one object for all compute nodes.
 *
 * Lifecycle: created running by its implementation's `static create`; `stop()` is idempotent, makes
 * every later call reject with ServiceUnavailable, drops every node's connection (nodes see their next
 * request fail) and resolves once no handler of this side is running.
 */
export interface OrchestratorTransport {
  readonly state: OrchestratorTransportState;

  /**
   * Serves the control plane. At most one handler at a time: registering a second throws (BadRequest).
   * Until one is registered, handshakes fail with ServiceUnavailable.
   */
  serveControlPlane(handler: ControlPlaneHandler): Unsubscribe;

  /** Receives compute → orchestrator messages of every node. At most one handler at a time. */
  onMessage(handler: ComputeMessageHandler): Unsubscribe;

  /** Learns of node data planes coming up and going down. Any number of listeners. */
  onNodeConnection(listener: (event: NodeConnectionEvent) => void): Unsubscribe;

  /**
   * Learns when this end's own link to the nodes goes down (`false`: every node's connection is dropped
   * with it) and comes back (`true`), e.g. its NATS connection. Meanwhile no node can be heard from,
   * which says nothing about the nodes. Any number of listeners.
   */
  onNetworkChange(listener: (up: boolean) => void): Unsubscribe;

  /**
   * Whether this end's own link answers a round trip within `timeoutMs` (NATS: a flush). A link can
   * look up and answer nothing: a hung NATS server keeps its connections open, and the client notices
   * only minutes later. Never rejects.
   */
  checkNetwork(timeoutMs: number): Promise<boolean>;

  /**
   * Appends a message to the node's ordered stream and resolves once it is queued (not delivered).
   * Never fails because the node is disconnected or unknown: the message waits for its handshake.
   * @throws RequestCancelled if the signal fired before the message was queued (then it is not sent);
   *   ServiceUnavailable after stop().
   */
  send(nodeId: string, message: Outgoing<OrchestratorMessage>, options?: CallOptions): Promise<void>;

  /**
   * Drops the node's connection (as NCL does when the node manager marks a node DISCONNECTED). Queued
   * messages stay queued; the node's next control request fails with HandshakeRequired and its next
   * handshake replays them. Emits a DISCONNECTED event if the node was connected. Idempotent.
   */
  disconnect(nodeId: string, options?: CallOptions): Promise<void>;

  /** The node's stream positions, or undefined for a node this transport has never heard of. */
  sequenceState(nodeId: string): NodeSequenceState | undefined;

  /**
   * The largest message, in bytes of its encoded payload, that can reach a node now (NATS: the server's
   * `max_payload`); undefined when there is no such limit (in memory) or it is not known yet.
   */
  maxMessageBytes(): number | undefined;

  stop(options?: CallOptions): Promise<void>;
}

export type ComputeTransportState = 'disconnected' | 'connecting' | 'connected' | 'stopped';

/** The figures a heartbeat carries; the transport adds NodeID and LastOrchestratorSeqNum. */
export type HeartbeatCapacity = Omit<HeartbeatRequest, 'NodeID' | 'LastOrchestratorSeqNum'>;

/** Where a compute node's streams stand. */
export interface ComputeSequenceState {
  /** The last orchestrator → compute sequence number this node processed. */
  lastOrchestratorSeqNum: number;
  /** The last compute → orchestrator sequence number assigned. */
  lastComputeSeqNum: number;
  /** The last compute → orchestrator sequence number the orchestrator is known to have processed. */
  ackedComputeSeqNum: number;
  /** Messages not yet known to be processed by the orchestrator (in flight or queued). */
  pending: number;
}

/**
 * A compute node's end, for one node ID. Timing policy (heartbeat interval, reconnect backoff) belongs to
 * the caller; this object performs single operations and tracks the connection state.
 *
 * State: `disconnected` → `connecting` (connect) → `connected` (handshake accepted) or back to
 * `disconnected` (refused or failed). A connected transport falls back to `disconnected` when its
 * connection is lost: partition, orchestrator stop, orchestrator `disconnect`, a newer connection for the
 * same node, or a control request failing with NetworkFailure or HandshakeRequired. `stop()` is final.
 */
export interface ComputeTransport {
  readonly nodeId: string;
  readonly state: ComputeTransportState;

  /** Receives orchestrator → compute messages. At most one handler at a time. */
  onMessage(handler: OrchestratorMessageHandler): Unsubscribe;

  /** Learns of state changes; `error` says why a connection was lost. Any number of listeners. */
  onStateChange(listener: (state: ComputeTransportState, error?: BacalhauError) => void): Unsubscribe;

  /**
   * Learns when the network to the orchestrator is back after an outage (NATS: the client reconnected
   * to a server), so a disconnected node can handshake at once instead of waiting out its backoff.
   * Optional: a transport without a network of its own never calls it.
   */
  onReachable?(listener: () => void): Unsubscribe;

  /**
   * Handshakes with `nodeInfo` (whose NodeID must be this transport's) and, when accepted, starts both
   * data-plane streams, replaying what the other side has not processed. Idempotent while connected or
   * connecting (resolves with the same response). Call it again after a loss to reconnect.
   * @throws Forbidden when refused (`details.reason`), NetworkFailure, ServiceUnavailable,
   *   RequestCancelled, or the handler's error. The state is `disconnected` afterwards.
   */
  connect(nodeInfo: NodeInfo, options?: CallOptions): Promise<HandshakeResponse>;

  /**
   * Tells the orchestrator the node is alive, with its capacity and an acknowledgement of processed
   * messages. The response acknowledges what the orchestrator processed.
   * @throws HandshakeRequired when not connected (state becomes `disconnected`), NetworkFailure, …
   */
  heartbeat(capacity: HeartbeatCapacity, options?: CallOptions): Promise<HeartbeatResponse>;

  /** Sends changed node info (labels, capacity, engines). Same errors as heartbeat. */
  updateNodeInfo(nodeInfo: NodeInfo, options?: CallOptions): Promise<UpdateNodeInfoResponse>;

  /**
   * Appends a message to the node's ordered stream to the orchestrator; resolves once queued. Never
   * fails because the orchestrator is unreachable: the message waits for the next handshake.
   * `onProcessed` is called once the orchestrator processed it; never for a message this side dropped
   * unprocessed (at `stop`), which the caller must then send again after its restart.
   * @throws RequestCancelled (not sent), ServiceUnavailable after stop().
   */
  send(message: Outgoing<ComputeMessage>, options?: SendOptions): Promise<void>;

  /**
   * Drops the connection. With `notify` (default true) and a live connection, first sends a shutdown
   * notice with `reason` (best effort: its failure is ignored). Without it the orchestrator is not told,
   * as after a crash. Queued and unprocessed messages are kept for the next `connect`. Idempotent.
   */
  disconnect(options?: CallOptions & { notify?: boolean; reason?: string }): Promise<void>;

  sequenceState(): ComputeSequenceState;

  /**
   * Final: disconnects (with a shutdown notice when connected), drops queued messages and resolves once
   * no handler of this side is running. Idempotent; later calls reject with ServiceUnavailable.
   */
  stop(options?: CallOptions): Promise<void>;
}
