/**
 * The node manager (Bacalhau `pkg/orchestrator/nodes/manager.go`): the orchestrator's side of the
 * control plane. It decides who may connect, tracks liveness by heartbeats, keeps every node's
 * `NodeState` in the store, and turns connections and losses into evaluations (through the
 * {@link NodeReEvaluator}).
 *
 * ## State
 * The store holds every node's `NodeState` (`Info`, `Membership`, `ConnectionState`). Connection
 * changes (handshake, timeout, shutdown, rejection) are written at once, so the schedulers, which read
 * nodes from the store, never place work on a node this manager considers gone. Heartbeats only
 * refresh `LastHeartbeat`, capacities and sequence numbers: they are kept in memory and written at
 * most once per `persistIntervalMs`, all dirty nodes in one transaction ("one heartbeat write per
 * interval"). `get` / `list` overlay the in-memory figures, as Go's `enrichState` does.
 *
 * ## Concurrency
 * Control-plane calls may overlap, also for one node. Everything that reads and writes a node's stored
 * state runs serialised per node; heartbeats touch memory only and never wait. Each write is one store
 * transaction that re-reads what it changes.
 *
 * ## Restart
 * After a restart, compute nodes the store still lists as CONNECTED get a grace period of one
 * `DisconnectTimeout`: their connection is gone (they must handshake again, heartbeats are refused
 * with HandshakeRequired), but they are not declared lost unless they stay away. Nodes stored as
 * DISCONNECTED are re-announced as "left", so work still recorded on them is re-evaluated even if the
 * previous process died before doing it.
 *
 * ## The orchestrator's own network
 * While the transport says this end's own link is down (its NATS connection: `onNetworkChange`), no
 * node can be heard from, which says nothing about the nodes: none is declared lost meanwhile, and once
 * the link is back every node gets a full `DisconnectTimeout` to be heard again. Not doing so failed
 * every running job after a NATS outage longer than the timeout (Go embeds its NATS server, so its
 * orchestrator cannot lose it alone). A link can also hang without going down (a NATS server that
 * stopped answering keeps its connections open, and the client notices minutes later): before it
 * declares a node lost, the health check asks the link for a round trip (`checkNetwork`), and one that
 * does not answer counts as down. The same holds when this process itself stood still (stopped,
 * paused, blocked) for longer than a health-check interval: found by the health check's late timer.
 *
 * ## One process per node ID
 * While a node is connected, a handshake under its ID from another data dir (another `InstanceID`)
 * is refused: it is a second node given the same name, and accepting it would hand it the first one's
 * executions. A handshake from the same data dir is the node restarted (one process holds a data dir
 * at a time) and is accepted at once. One from another data dir once the first is gone is a new
 * process that knows nothing of the old one's executions: they are failed (replaced.ts). Go's nodes
 * send no InstanceID; between two of them the newest handshake wins. Two live processes on one data
 * dir (a copied one) are told apart by their handshakes' StartTime once the displaced one comes back:
 * it is refused while the other stays connected (twin-process.ts).
 *
 * Deliberate differences from Go are listed in this folder's README.
 */
import type { Timer } from '../../lib/clock.js';
import {
  BacalhauError,
  ErrorCode,
  NodeConnection,
  NodeMembership,
  NodeType,
  ZeroTime,
  newEvaluationID,
  lessThanEq,
  zeroResources,
  type ConnectionState,
  type NodeInfo,
  type NodeState,
  type Resources,
} from '../../models/index.js';
import type { JobStoreReader } from '../../store/types.js';
import {
  NodeRejectedReason,
  type HandshakeRequest,
  type HeartbeatRequest,
} from '../../transport/messages.js';
import type {
  ControlContext,
  ControlPlaneHandler,
  HandshakeDecision,
  NodeSequenceState,
  Unsubscribe,
} from '../../transport/types.js';
import type {
  ShutdownNoticeRequest,
  UpdateNodeInfoRequest,
  UpdateNodeInfoResponse,
} from '../../transport/messages.js';
import {
  handshakeRequired,
  nodeAlreadyApproved,
  nodeAlreadyRejected,
  nodeManagerStopped,
  ownNode,
} from './errors.js';
import {
  compileNodeManagerOptions,
  type CompiledNodeManagerOptions,
  type NodeManagerOptions,
} from './options.js';
import { HeartbeatPace } from './pace.js';
import { NodeReEvaluator } from './reevaluator.js';
import { failNodeWork, NodeDeletedMessage, NodeReplacedMessage } from './abandoned-work.js';
import { isDisplacedTwin, lineageAfter, twinProcessReason, type ProcessLineage } from './twin-process.js';
import { goTime, parseGoTime } from '../../models/go-time.js';

/** The texts Bacalhau uses, in handshake replies and `ConnectionState.LastError`. */
export const NodeManagerMessages = Object.freeze({
  registered: 'node registered',
  reconnected: 'node reconnected',
  rejected: NodeRejectedReason,
  notCompute: 'node is not a compute node',
  registrationRejected: 'node registration rejected',
  heartbeatTimeout: 'heartbeat timeout',
  gracefulShutdown: 'graceful shutdown',
  nodeRejected: 'node rejected',
  nodeDeleted: 'node deleted',
});

/** A node's connection changed (Go's `NodeConnectionEvent`, with the reason). */
export interface NodeConnectionChange {
  readonly nodeId: string;
  readonly previous: NodeConnection;
  readonly current: NodeConnection;
  /** Epoch milliseconds on the manager's clock. */
  readonly time: number;
  /** "node registered" / "node reconnected", or the LastError of a disconnection ("node deleted" on delete). */
  readonly reason: string;
  /**
   * A known node connecting: from when on (epoch ms) it may have missed messages. Its last stored
   * heartbeat, less the interval heartbeats are stored at, so that it also covers messages an earlier
   * process of this orchestrator sent but a crash lost.
   */
  readonly missedSince?: number;
  /** Connected while PENDING (manual approval): it is given no work until an operator approves it. */
  readonly awaitingApproval?: true;
}

export type NodeManagerState = 'running' | 'stopped';

/** What the manager knows of a connected node beyond the store. */
interface LiveNode {
  /** The connection as decided at handshake; heartbeats move the fields below, not this object's time. */
  readonly connection: ConnectionState;
  /** The handshake's InstanceID: which data dir the connected process runs on (none from Go's nodes). */
  readonly instanceID: string | undefined;
  /** Which process holds the connection, and which it displaced (twin-process.ts). */
  readonly lineage: ProcessLineage;
  lastHeartbeatMs: number;
  /** How often the node heartbeats: as it said in its handshake (ms), or as seen (`pace`). */
  readonly declaredIntervalMs: number | undefined;
  readonly pace: HeartbeatPace;
  /** What the node last reported of its use. */
  load: NodeLoad;
  /** Heartbeat data not yet written. */
  dirty: boolean;
  /** Seeded from the store after a restart: a grace period before the node counts as lost, not a connection. */
  readonly provisional: boolean;
}

export class NodeManager implements ControlPlaneHandler {
  readonly #o: CompiledNodeManagerOptions;
  readonly #reEvaluator: NodeReEvaluator;
  readonly #live = new Map<string, LiveNode>();
  readonly #paces = new Map<string, HeartbeatPace>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #listeners = new Set<(change: NodeConnectionChange) => void>();
  #healthTimer: Timer | undefined;
  #persistTimer: Timer | undefined;
  #soonTimer: Timer | undefined;
  /** Nodes whose capacity came free since the last such flush. */
  #freed = new Set<string>();
  #lastSoonFlush = -Infinity;
  #checking: Promise<void> | undefined;
  #flushing: Promise<boolean> = Promise.resolve(true);
  #unserve: Unsubscribe | undefined;
  #unwatchNetwork: Unsubscribe | undefined;
  /** False while the transport's own link is down. */
  #networkUp = true;
  /** The link's last round trip, asked for by the health check, went unanswered. */
  #linkSilent = false;
  /**
   * When this end could hear nodes again, after its link was down or it stood still: liveness counts
   * from then.
   */
  #hearingBackAt = -Infinity;
  #state: NodeManagerState = 'running';
  #stopped: Promise<void> | undefined;

  private constructor(options: CompiledNodeManagerOptions) {
    this.#o = options;
    if (options.onConnectionChange !== undefined) this.#listeners.add(options.onConnectionChange);
    this.#reEvaluator = new NodeReEvaluator({
      store: options.store,
      clock: options.clock,
      batchDelayMs: options.batchDelayMs,
      maxBatchSize: options.maxBatchSize,
      onError: options.onError,
      ...(options.newEvaluationId === undefined ? {} : { newEvaluationId: options.newEvaluationId }),
    });
  }

  /**
   * Registers the orchestrator's own node, picks up nodes from the store (see "Restart"), starts the
   * health check and persistence timers and, with a transport, serves its control plane.
   * @throws BadRequest for invalid options; the store's errors.
   */
  static async create(options: NodeManagerOptions): Promise<NodeManager> {
    const manager = new NodeManager(compileNodeManagerOptions(options));
    try {
      await manager.#start();
    } catch (err) {
      await manager.stop();
      throw err;
    }
    return manager;
  }

  get state(): NodeManagerState {
    return this.#state;
  }

  /** Compute nodes connected now (handshake accepted, not yet lost). */
  get connectedNodes(): number {
    let count = 0;
    for (const live of this.#live.values()) if (!live.provisional) count++;
    return count;
  }

  /** The node-join / node-leave batcher, e.g. to `flush()` it in tests. */
  get reEvaluator(): NodeReEvaluator {
    return this.#reEvaluator;
  }

  /** Learns of connection changes, after they were stored. Any number of listeners. */
  onConnectionChange(listener: (change: NodeConnectionChange) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // --- control plane --------------------------------------------------------------------------------

  /**
   * Accepts a compute node unless it was rejected (`node has been rejected`), is not a compute node
   * (`node is not a compute node`), or its ID is connected from another data dir (see "One process
   * per node ID"). A new node starts PENDING with manual approval, else APPROVED; a known one keeps
   * its membership. The node is stored CONNECTED before this resolves, and a node-join re-evaluation
   * follows.
   */
  handshake(request: HandshakeRequest, context: ControlContext): Promise<HandshakeDecision> {
    const nodeId = context.nodeId;
    return this.#withNode(nodeId, async () => {
      this.#assertRunning();
      const info = request.NodeInfo;
      const now = this.#o.clock.now();
      const holder = this.#live.get(nodeId);
      const holderLive = holder !== undefined && !this.#expired(holder, now);
      const holderConnected = holderLive && !holder.provisional;
      if (holderLive && heldByAnother(holder, request)) {
        return { accepted: false, reason: nodeIdInUse(holder) };
      }
      if (holderConnected && isDisplacedTwin(holder.lineage, request)) {
        const reason = twinProcessReason(holder.connection.ConnectedSince);
        this.#o.onTwinRefused?.(nodeId, reason);
        return { accepted: false, reason };
      }
      const outcome = await this.#o.store.transaction((tx) => {
        const existing = findNode(tx, nodeId);
        const lastInstance = tx.getNodeInstance(nodeId);
        const replaced =
          lastInstance !== '' && request.InstanceID !== undefined && lastInstance !== request.InstanceID;
        if (existing?.Membership === NodeMembership.Rejected) {
          return { accepted: false as const, reason: NodeManagerMessages.rejected };
        }
        if (info.NodeType !== NodeType.Compute) {
          return { accepted: false as const, reason: NodeManagerMessages.notCompute };
        }
        const connection: ConnectionState = {
          Status: NodeConnection.Connected,
          LastHeartbeat: goTime(now),
          LastComputeSeqNum: context.sequence.lastComputeSeqNum,
          LastOrchestratorSeqNum: startingOrchestratorSeqNum(request, context.sequence),
          ConnectedSince: goTime(now),
          DisconnectedSince: ZeroTime,
        };
        if (replaced) {
          const event = { Message: NodeReplacedMessage, Topic: 'Scheduling', Timestamp: goTime(now) };
          failNodeWork(tx, nodeId, event, this.#o.newEvaluationId ?? newEvaluationID);
        }
        const membership = existing?.Membership ?? this.#o.defaultMembership;
        tx.putNode({
          Info: info,
          Membership: membership,
          Connection: NodeConnection.Connected,
          ConnectionState: connection,
        });
        if (request.InstanceID !== undefined) tx.setNodeInstance(nodeId, request.InstanceID);
        const reason =
          existing === undefined ? NodeManagerMessages.registered : NodeManagerMessages.reconnected;
        const lastHeard = parseGoTime(existing?.ConnectionState.LastHeartbeat);
        const missedSince = lastHeard === undefined ? undefined : lastHeard - this.#o.persistIntervalMs;
        const awaitingApproval = membership === NodeMembership.Pending;
        return { accepted: true as const, reason, connection, missedSince, awaitingApproval };
      });
      if (!outcome.accepted) return { accepted: false, reason: outcome.reason };
      const pace = this.#paceOf(nodeId);
      pace.arrive(now);
      const previous = this.#live.get(nodeId);
      this.#live.set(nodeId, {
        connection: outcome.connection,
        instanceID: request.InstanceID,
        lineage: lineageAfter(holder?.lineage, holderConnected, request),
        lastHeartbeatMs: now,
        declaredIntervalMs: declaredInterval(request),
        pace,
        load: loadOf(info),
        dirty: false,
        provisional: false,
      });
      const wasConnected = previous !== undefined && !previous.provisional;
      this.#o.onCapacityReport?.(nodeId, { handshake: true, atMs: now });
      this.#changed(nodeId, wasConnected, true, now, outcome.reason, outcome);
      return { accepted: true, reason: outcome.reason };
    });
  }

  /**
   * Records that the node is alive, with its capacity and sequence numbers, in memory (written by the
   * next persistence tick). Capacity that changed is written on the next clock turn instead: the
   * schedulers read nodes from the store, and a node must not look busy to the next job for up to a
   * persistence interval after its work ended, nor idle after it filled up (it would be given work
   * beyond its over-subscription limit, to wait in its queue where the job's QueueTimeout does not
   * apply; Go's node list has each node's last heartbeat). Synchronous and never waits for the store.
   * @throws HandshakeRequired when the node has no live connection here.
   */
  heartbeat(request: HeartbeatRequest, context: ControlContext): void {
    this.#assertRunning();
    const now = this.#o.clock.now();
    // heard from, even when refused: the pace of a node taken for lost too early is learnt here
    this.#paces.get(context.nodeId)?.arrive(now);
    const live = this.#live.get(context.nodeId);
    if (live === undefined || live.provisional) throw handshakeRequired(context.nodeId);
    const capacityFreed =
      !lessThanEq(request.AvailableCapacity, live.load.available) ||
      !lessThanEq(live.load.queueUsed, request.QueueUsedCapacity);
    const capacityTaken =
      !lessThanEq(live.load.available, request.AvailableCapacity) ||
      !lessThanEq(request.QueueUsedCapacity, live.load.queueUsed);
    live.lastHeartbeatMs = now;
    live.load = {
      available: request.AvailableCapacity,
      queueUsed: request.QueueUsedCapacity,
      ...heartbeatCounts(request, live),
    };
    updateSequenceNumbers(live.connection, request.LastOrchestratorSeqNum, context.sequence);
    live.dirty = true;
    if (capacityFreed) this.#freed.add(context.nodeId);
    if (capacityFreed || capacityTaken) this.#flushSoon();
  }

  /**
   * Replaces the node's info (labels, engines, capacity). Refused (`node registration rejected`) for a
   * rejected node. @throws HandshakeRequired when the node has no live connection here.
   */
  updateNodeInfo(request: UpdateNodeInfoRequest, context: ControlContext): Promise<UpdateNodeInfoResponse> {
    const nodeId = context.nodeId;
    return this.#withNode(nodeId, async () => {
      this.#assertRunning();
      const info = request.NodeInfo;
      if (info.NodeID !== nodeId) {
        return { accepted: false, reason: `node info is for ${info.NodeID}, not ${nodeId}` };
      }
      const live = this.#live.get(nodeId);
      if (live === undefined || live.provisional) throw handshakeRequired(nodeId);
      const outcome = await this.#o.store.transaction((tx) => {
        const existing = findNode(tx, nodeId);
        if (existing === undefined) return 'unknown';
        if (existing.Membership === NodeMembership.Rejected) return 'rejected';
        tx.putNode({
          ...existing,
          Info: info,
          Connection: NodeConnection.Connected,
          ConnectionState: connectionOf(live),
        });
        return 'accepted';
      });
      if (outcome === 'unknown') throw handshakeRequired(nodeId);
      if (outcome === 'rejected')
        return { accepted: false, reason: NodeManagerMessages.registrationRejected };
      live.load = loadOf(info);
      return { accepted: true };
    });
  }

  /**
   * The node is going away: stored DISCONNECTED ("graceful shutdown") with its final sequence numbers
   * and no capacity, followed by a node-leave re-evaluation.
   * @throws HandshakeRequired when the node has no live connection here.
   */
  shutdownNotice(request: ShutdownNoticeRequest, context: ControlContext): Promise<void> {
    const nodeId = context.nodeId;
    return this.#withNode(nodeId, async () => {
      this.#assertRunning();
      const live = this.#live.get(nodeId);
      if (live === undefined || live.provisional) throw handshakeRequired(nodeId);
      updateSequenceNumbers(live.connection, request.LastOrchestratorSeqNum, context.sequence);
      const now = this.#o.clock.now();
      await this.#disconnect(nodeId, live, now, NodeManagerMessages.gracefulShutdown);
      this.#changed(nodeId, true, false, now, NodeManagerMessages.gracefulShutdown);
    });
  }

  // --- reads ------------------------------------------------------------------------------------------

  /**
   * The node with this ID or unique ID prefix, with live heartbeat figures.
   * @throws NotFound (`node not found: %s`), MultipleNodesFound.
   */
  async get(idOrPrefix: string): Promise<NodeState> {
    return this.#enrich(await this.#o.store.getNode(idOrPrefix));
  }

  /** Every node (ordered by ID), with live heartbeat figures, that passes `filter`. */
  async list(filter?: (node: NodeState) => boolean): Promise<NodeState[]> {
    const nodes = (await this.#o.store.listNodes()).map((node) => this.#enrich(node));
    return filter === undefined ? nodes : nodes.filter(filter);
  }

  // --- node actions (API) -----------------------------------------------------------------------------

  /**
   * PENDING (or REJECTED) → APPROVED. A connected node then gets a node-join re-evaluation, so daemon
   * jobs reach it. @throws NotFound, MultipleNodesFound, ConflictNodeState (`node %s already approved`).
   */
  async approveNode(idOrPrefix: string): Promise<void> {
    this.#assertRunning();
    const nodeId = (await this.#o.store.getNode(idOrPrefix)).Info.NodeID;
    await this.#withNode(nodeId, async () => {
      await this.#o.store.transaction((tx) => {
        const state = tx.getNode(nodeId);
        if (state.Membership === NodeMembership.Approved) throw nodeAlreadyApproved(idOrPrefix);
        tx.putNode({ ...state, Membership: NodeMembership.Approved });
      });
      const live = this.#live.get(nodeId);
      if (live !== undefined && !live.provisional) this.#reEvaluator.nodeJoined(nodeId);
    });
  }

  /**
   * → REJECTED and DISCONNECTED ("node rejected"); its connection is dropped and later handshakes are
   * refused. @throws NotFound, MultipleNodesFound, ConflictNodeState (`node %s already rejected`, or the
   *   orchestrator's own node).
   */
  async rejectNode(idOrPrefix: string): Promise<void> {
    this.#assertRunning();
    const nodeId = (await this.#o.store.getNode(idOrPrefix)).Info.NodeID;
    if (nodeId === this.#o.selfInfo?.NodeID) throw ownNode(nodeId, 'reject');
    await this.#withNode(nodeId, async () => {
      const now = this.#o.clock.now();
      const live = this.#live.get(nodeId);
      const wasConnected = await this.#o.store.transaction((tx) => {
        const state = tx.getNode(nodeId);
        if (state.Membership === NodeMembership.Rejected) throw nodeAlreadyRejected(idOrPrefix);
        const connected = live !== undefined || state.ConnectionState.Status === NodeConnection.Connected;
        tx.putNode({
          ...disconnectedState(state, live, now, NodeManagerMessages.nodeRejected),
          Membership: NodeMembership.Rejected,
        });
        return connected;
      });
      this.#live.delete(nodeId);
      if (live !== undefined) await this.#dropConnection(nodeId);
      this.#changed(nodeId, wasConnected, false, now, NodeManagerMessages.nodeRejected);
    });
  }

  /**
   * Removes the node from the store and fails its executions in progress (abandoned-work.ts); a
   * connected one is disconnected (it may handshake again and register as new). @throws NotFound,
   * MultipleNodesFound, ConflictNodeState (the orchestrator's own).
   */
  async deleteNode(idOrPrefix: string): Promise<void> {
    this.#assertRunning();
    const nodeId = (await this.#o.store.getNode(idOrPrefix)).Info.NodeID;
    if (nodeId === this.#o.selfInfo?.NodeID) throw ownNode(nodeId, 'delete');
    await this.#withNode(nodeId, async () => {
      const live = this.#live.get(nodeId);
      const now = this.#o.clock.now();
      await this.#o.store.transaction((tx) => {
        const event = { Message: NodeDeletedMessage, Topic: 'Scheduling', Timestamp: goTime(now) };
        failNodeWork(tx, nodeId, event, this.#o.newEvaluationId ?? newEvaluationID);
        tx.deleteNode(nodeId);
      });
      this.#live.delete(nodeId);
      this.#paces.delete(nodeId);
      if (live === undefined) return;
      await this.#dropConnection(nodeId);
      this.#changed(nodeId, true, false, now, NodeManagerMessages.nodeDeleted);
    });
  }

  // --- background work ----------------------------------------------------------------------------------

  /**
   * Marks every node without a heartbeat for longer than the disconnect timeout DISCONNECTED
   * ("heartbeat timeout"), drops its connection and announces its departure. Runs on the health-check
   * timer; callable directly. Overlapping calls share one run.
   */
  checkHealth(): Promise<void> {
    if (this.#state !== 'running') return Promise.resolve();
    this.#checking ??= this.#checkHealth().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  /**
   * Writes buffered heartbeat data (LastHeartbeat, capacities, sequence numbers) of every node in one
   * transaction. Runs on the persistence timer and at stop; callable directly. Failures are reported to
   * `onError` and retried at the next flush.
   */
  flush(): Promise<void> {
    return this.#flushInTurn().then(() => undefined);
  }

  /** One flush after those already started; whether it wrote. */
  #flushInTurn(): Promise<boolean> {
    const run = this.#flushing.then(() => this.#flush());
    this.#flushing = run;
    return run;
  }

  /**
   * Stops serving the control plane and the timers, waits for running calls, writes buffered
   * heartbeats and processes pending re-evaluations. Idempotent; later calls fail with
   * ServiceUnavailable.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  // --- internals ----------------------------------------------------------------------------------------

  async #start(): Promise<void> {
    const { clock, store, selfInfo } = this.#o;
    const now = clock.now();
    if (selfInfo !== undefined) await this.#selfRegister(selfInfo, now);
    for (const node of await store.listNodes((n) => n.Info.NodeType === NodeType.Compute)) {
      const id = node.Info.NodeID;
      if (node.ConnectionState.Status === NodeConnection.Connected) {
        this.#live.set(id, {
          connection: { ...node.ConnectionState },
          instanceID: (await store.getNodeInstance(id)) || undefined,
          lineage: { startTime: '', displaced: [] },
          lastHeartbeatMs: now,
          declaredIntervalMs: undefined,
          pace: this.#paceOf(id),
          load: loadOf(node.Info),
          dirty: false,
          provisional: true,
        });
      } else if (id !== selfInfo?.NodeID) {
        this.#reEvaluator.nodeLeft(id);
      }
    }
    this.#armHealthCheck();
    this.#armPersistence();
    this.#unserve = this.#o.transport?.serveControlPlane(this);
    this.#unwatchNetwork = this.#o.transport?.onNetworkChange((up) => {
      this.#networkUp = up;
      if (up) this.#hearingBackAt = this.#o.clock.now();
    });
  }

  /** Go's `selfRegister`: the orchestrator's node, APPROVED (unless stored otherwise) and CONNECTED. */
  async #selfRegister(info: NodeInfo, now: number): Promise<void> {
    await this.#o.store.transaction((tx) => {
      const existing = findNode(tx, info.NodeID);
      const connection: ConnectionState = {
        ...(existing?.ConnectionState ?? { ConnectedSince: goTime(now), DisconnectedSince: ZeroTime }),
        Status: NodeConnection.Connected,
        LastHeartbeat: goTime(now),
      };
      if (connection.ConnectedSince === '' || connection.ConnectedSince === ZeroTime) {
        connection.ConnectedSince = goTime(now);
      }
      tx.putNode({
        // A hybrid node's own compute side registered it as a compute node, and until it handshakes
        // again that entry is what tells the schedulers it exists: written over as a Requester, a
        // restart failed the jobs it found waiting with "available: 0"
        Info: existing?.Info.NodeType === NodeType.Compute ? existing.Info : info,
        Membership: existing?.Membership ?? NodeMembership.Approved,
        Connection: NodeConnection.Connected,
        ConnectionState: connection,
      });
      // One orchestrator per store: another CONNECTED Requester is this node under an identity it no
      // longer has (its system_metadata.yaml was reset). Requesters are never health-checked, so
      // left alone it would show CONNECTED for ever.
      const formerSelves = tx.listNodes(
        (n) =>
          n.Info.NodeType === NodeType.Requester &&
          n.Info.NodeID !== info.NodeID &&
          n.ConnectionState.Status === NodeConnection.Connected,
      );
      for (const former of formerSelves) {
        tx.putNode(
          disconnectedState(former, undefined, now, `replaced by this orchestrator, ${info.NodeID}`),
        );
      }
    });
  }

  async #stop(): Promise<void> {
    this.#state = 'stopped';
    this.#healthTimer?.cancel();
    this.#persistTimer?.cancel();
    this.#soonTimer?.cancel();
    this.#unserve?.();
    this.#unwatchNetwork?.();
    await Promise.allSettled([...this.#locks.values(), this.#checking]);
    await this.flush();
    await this.#reEvaluator.stop();
  }

  #armHealthCheck(): void {
    const interval = this.#o.healthCheckIntervalMs;
    const due = this.#o.clock.now() + interval;
    this.#healthTimer = this.#o.clock.setTimer(interval, () => {
      if (this.#state !== 'running') return;
      const now = this.#o.clock.now();
      // Far behind time, this process stood still (SIGSTOP, a paused VM, a blocked event loop): the
      // heartbeats sent meanwhile wait unread, and timers run before they are read. The silence says
      // nothing of the nodes, so each gets a full timeout from now, as after the network came back.
      if (now - due > interval) this.#hearingBackAt = now;
      this.#armHealthCheck();
      void this.checkHealth();
    });
  }

  /** One flush for every capacity change until then: on the next clock turn, at most one per SoonFlushSpacingMs. */
  #flushSoon(): void {
    if (this.#soonTimer !== undefined) return;
    // at most one such flush per SoonFlushSpacingMs: on a busy cluster capacity changes all the time,
    // and each write hands the schedulers a new node list, which they index again
    const delay = Math.max(0, this.#lastSoonFlush + SoonFlushSpacingMs - this.#o.clock.now());
    this.#soonTimer = this.#o.clock.setTimer(delay, () => {
      this.#soonTimer = undefined;
      this.#lastSoonFlush = this.#o.clock.now();
      const freed = [...this.#freed];
      this.#freed.clear();
      if (this.#state !== 'running') return;
      // told once the schedulers can read the freed capacity; a refused write is told with the next
      void this.#flushInTurn().then((written) => {
        if (written && freed.length > 0) this.#o.onCapacityFreed?.(freed);
        else for (const id of freed) this.#freed.add(id);
      });
    });
  }

  #armPersistence(): void {
    this.#persistTimer = this.#o.clock.setTimer(this.#o.persistIntervalMs, () => {
      if (this.#state !== 'running') return;
      this.#armPersistence();
      void this.flush();
    });
  }

  /**
   * Silent for longer than DisconnectTimeout, or than three of its heartbeat intervals when that is
   * longer: a node may heartbeat less often than this orchestrator's timeout assumes (Go's nodes every
   * 15 s, any node as configured), and must not be declared lost between two heartbeats. The interval
   * is the one the node declared in its handshake (ours do), else the one seen (Go's nodes).
   */
  #expired(live: LiveNode, now: number): boolean {
    if (!this.#networkUp) return false; // see "The orchestrator's own network"
    // a declared interval is bounded like a learnt one: an hour (a typo) must not hide a dead node
    const interval = Math.min(live.declaredIntervalMs ?? live.pace.usualGapMs(), live.pace.longestGapMs);
    const heardOrBack = Math.max(live.lastHeartbeatMs, this.#hearingBackAt);
    return now - heardOrBack > Math.max(this.#o.disconnectTimeoutMs, HeartbeatsTolerated * interval);
  }

  /** The node's pace record, kept across reconnects (see pace.ts). */
  #paceOf(nodeId: string): HeartbeatPace {
    let pace = this.#paces.get(nodeId);
    if (pace === undefined) {
      // longer silences than a few timeouts are outages, not a pace
      pace = new HeartbeatPace(5 * this.#o.disconnectTimeoutMs);
      this.#paces.set(nodeId, pace);
    }
    return pace;
  }

  async #checkHealth(): Promise<void> {
    const now = this.#o.clock.now();
    // the pace of a node not heard from for longer than any pace is forgotten (names churn)
    for (const [id, pace] of this.#paces) {
      if (!this.#live.has(id) && now - (pace.lastArrival ?? now) > pace.longestGapMs) this.#paces.delete(id);
    }
    const expired = [...this.#live].filter(([, live]) => this.#expired(live, now)).map(([id]) => id);
    if (expired.length > 0 && !(await this.#linkAnswers())) return;
    const results = await Promise.allSettled(
      expired.map((id) => this.#withNode(id, () => this.#timeOut(id))),
    );
    for (const result of results) if (result.status === 'rejected') this.#o.onError(result.reason);
  }

  /**
   * Whether the transport's own link answers a round trip (see "The orchestrator's own network"). One
   * that answers again after it did not gives every node a full timeout, as a link back up does.
   */
  async #linkAnswers(): Promise<boolean> {
    const transport = this.#o.transport;
    if (transport === undefined) return true;
    const answers = await transport.checkNetwork(LinkCheckTimeoutMs);
    if (!answers) {
      this.#linkSilent = true;
      return false;
    }
    if (!this.#linkSilent) return true;
    this.#linkSilent = false;
    this.#hearingBackAt = this.#o.clock.now();
    return false;
  }

  async #timeOut(nodeId: string): Promise<void> {
    const live = this.#live.get(nodeId);
    const now = this.#o.clock.now();
    // A heartbeat or a new handshake may have come in while this waited for the node.
    if (live === undefined || !this.#expired(live, now)) return;
    await this.#disconnect(nodeId, live, now, NodeManagerMessages.heartbeatTimeout);
    await this.#dropConnection(nodeId);
    this.#changed(nodeId, true, false, now, NodeManagerMessages.heartbeatTimeout);
  }

  /** Writes what heartbeats changed; false when the store refused it (it is kept for the next try). */
  async #flush(): Promise<boolean> {
    const batch: {
      id: string;
      live: LiveNode;
      connection: ConnectionState;
      load: NodeLoad;
      heartbeatMs: number;
    }[] = [];
    for (const [id, live] of this.#live) {
      if (!live.dirty || live.provisional) continue;
      live.dirty = false;
      batch.push({
        id,
        live,
        connection: connectionOf(live),
        load: live.load,
        heartbeatMs: live.lastHeartbeatMs,
      });
    }
    if (batch.length === 0) return true;
    let written: typeof batch;
    try {
      written = await this.#o.store.transaction(
        (tx) =>
          batch.filter((item) => {
            const stored = findNode(tx, item.id);
            // Written only onto the connection it belongs to: not after a disconnection, rejection,
            // deletion or newer handshake that was stored meanwhile.
            if (
              stored === undefined ||
              stored.ConnectionState.Status !== NodeConnection.Connected ||
              stored.ConnectionState.ConnectedSince !== item.connection.ConnectedSince
            ) {
              return false;
            }
            tx.putNode({
              ...stored,
              Info: withLoad(stored.Info, item.load),
              Connection: NodeConnection.Connected,
              ConnectionState: item.connection,
            });
            return true;
          }),
        // nobody waits for it: the heartbeats were answered from memory
        { background: true },
      );
    } catch (err) {
      for (const item of batch) if (this.#live.get(item.id) === item.live) item.live.dirty = true;
      this.#o.onError(err);
      return false;
    }
    for (const { id, heartbeatMs } of written) {
      this.#o.onCapacityReport?.(id, { handshake: false, atMs: heartbeatMs });
    }
    return true;
  }

  /**
   * Takes the node out of the live ones and stores it DISCONNECTED with `reason`, keeping its last live
   * figures (not its capacity). A failed write puts it back, still expired: the store would otherwise
   * say CONNECTED for good, and work would go on being placed there.
   */
  async #disconnect(nodeId: string, live: LiveNode, now: number, reason: string): Promise<void> {
    this.#live.delete(nodeId);
    try {
      await this.#o.store.transaction((tx) => {
        const stored = findNode(tx, nodeId);
        if (stored !== undefined) tx.putNode(disconnectedState(stored, live, now, reason));
      });
    } catch (err) {
      // the node's operations run one at a time (#withNode): nothing took its place meanwhile
      this.#live.set(nodeId, live);
      throw err;
    }
  }

  async #dropConnection(nodeId: string): Promise<void> {
    const transport = this.#o.transport;
    if (transport === undefined || transport.state !== 'running') return;
    try {
      await transport.disconnect(nodeId);
    } catch (err) {
      this.#o.onError(err);
    }
  }

  #changed(
    nodeId: string,
    wasConnected: boolean,
    connected: boolean,
    time: number,
    reason: string,
    { missedSince, awaitingApproval }: { missedSince?: number; awaitingApproval?: boolean } = {},
  ): void {
    if (connected) this.#reEvaluator.nodeJoined(nodeId);
    else if (wasConnected) this.#reEvaluator.nodeLeft(nodeId);
    else return;
    const change: NodeConnectionChange = {
      nodeId,
      previous: wasConnected ? NodeConnection.Connected : NodeConnection.Disconnected,
      current: connected ? NodeConnection.Connected : NodeConnection.Disconnected,
      time,
      reason,
      ...(missedSince === undefined ? {} : { missedSince }),
      ...(awaitingApproval === true ? { awaitingApproval } : {}),
    };
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (err) {
        this.#o.onError(err);
      }
    }
  }

  /** The stored node with the live figures of its current connection. */
  #enrich(node: NodeState): NodeState {
    const live = this.#live.get(node.Info.NodeID);
    if (
      live === undefined ||
      live.provisional ||
      node.ConnectionState.Status !== NodeConnection.Connected ||
      node.ConnectionState.ConnectedSince !== live.connection.ConnectedSince
    ) {
      return node;
    }
    return {
      ...node,
      Info: withLoad(node.Info, live.load),
      ConnectionState: connectionOf(live),
    };
  }

  /** Runs `fn` after every earlier call for the same node settled. */
  #withNode<T>(nodeId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(nodeId) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(nodeId, tail);
    void tail.then(() => {
      if (this.#locks.get(nodeId) === tail) this.#locks.delete(nodeId);
    });
    return run;
  }

  #assertRunning(): void {
    if (this.#state !== 'running') throw nodeManagerStopped();
  }
}

/** The heartbeat interval (ms) a handshake declares, if any (Go's nodes declare none). */
function declaredInterval(request: HandshakeRequest): number | undefined {
  const ns = request.HeartbeatInterval ?? 0;
  return ns > 0 ? ns / 1e6 : undefined;
}

/** The least time between two flushes of freed capacity (see #flushSoon). */
const SoonFlushSpacingMs = 100;

/** How many heartbeat intervals of silence a node is allowed when that exceeds DisconnectTimeout. */
export const HeartbeatsTolerated = 3;
/** How long the link's round trip may take before the link counts as hung: NATS answers in ~1 ms. */
const LinkCheckTimeoutMs = 2_000;

/**
 * Whether a connected node's ID is asked for by another process: one from another data dir. After a
 * restart of this orchestrator the connection is only assumed, and a node whose data dir is not known
 * (a Go node, or one stored before InstanceIDs were) takes any handshake.
 */
function heldByAnother(holder: LiveNode, request: HandshakeRequest): boolean {
  if (holder.provisional && holder.instanceID === undefined) return false;
  return holder.instanceID !== request.InstanceID;
}

/** Why a second node under a connected node's ID is refused, with what the user can do about it. */
function nodeIdInUse(holder: LiveNode): string {
  return (
    `another compute node with this ID is connected (since ${holder.connection.ConnectedSince}, ` +
    'from another data dir): stop that node, or give this one its own name (--name, with a new --data-dir)'
  );
}

/** The node with exactly this ID (the store's getNode also matches prefixes), or undefined. */
function findNode(tx: JobStoreReader, nodeId: string): NodeState | undefined {
  try {
    const node = tx.getNode(nodeId);
    return node.Info.NodeID === nodeId ? node : undefined;
  } catch (err) {
    // NotFound, or several nodes share the prefix: none has exactly this ID.
    if (
      err instanceof BacalhauError &&
      (err.code === ErrorCode.NotFound || err.code === ErrorCode.MultipleNodesFound)
    ) {
      return undefined;
    }
    throw err;
  }
}

/**
 * Where the node's stream resumes, as the transport computes it: after what the node processed, never
 * before what it acknowledged, never beyond what was sent.
 */
function startingOrchestratorSeqNum(request: HandshakeRequest, sequence: NodeSequenceState): number {
  return Math.min(
    Math.max(request.LastOrchestratorSeqNum, sequence.ackedOrchestratorSeqNum),
    sequence.lastOrchestratorSeqNum,
  );
}

/** Go's `updateSequenceNumbers`: trust the node for what it processed, the data plane for the rest. */
function updateSequenceNumbers(
  connection: ConnectionState,
  lastOrchestratorSeqNum: number,
  sequence: NodeSequenceState,
): void {
  connection.LastOrchestratorSeqNum = lastOrchestratorSeqNum;
  if (sequence.lastComputeSeqNum > 0) connection.LastComputeSeqNum = sequence.lastComputeSeqNum;
}

/** The connection state to store for a live node. */
function connectionOf(live: LiveNode): ConnectionState {
  return {
    ...live.connection,
    LastHeartbeat: live.provisional ? live.connection.LastHeartbeat : goTime(live.lastHeartbeatMs),
  };
}

/** What a node reports of its use: capacity (in every heartbeat) and execution counts. */
interface NodeLoad {
  readonly available: Resources;
  readonly queueUsed: Resources;
  readonly running: number;
  readonly enqueued: number;
}

/**
 * The execution counts after a heartbeat. bacalhau-ts nodes (those that name their data dir's
 * InstanceID) count in every heartbeat, leaving out a 0 as Go's omitempty does; Go's nodes count only
 * in node info updates, so their last counts stand.
 */
function heartbeatCounts(request: HeartbeatRequest, live: LiveNode): Pick<NodeLoad, 'running' | 'enqueued'> {
  if (live.instanceID === undefined) return { running: live.load.running, enqueued: live.load.enqueued };
  return { running: request.RunningExecutions ?? 0, enqueued: request.EnqueuedExecutions ?? 0 };
}

function loadOf(info: NodeInfo): NodeLoad {
  const compute = info.ComputeNodeInfo;
  return {
    available: compute.AvailableCapacity,
    queueUsed: compute.QueueCapacity,
    running: compute.RunningExecutions,
    enqueued: compute.EnqueuedExecutions,
  };
}

function withLoad(info: NodeInfo, load: NodeLoad): NodeInfo {
  return {
    ...info,
    ComputeNodeInfo: {
      ...info.ComputeNodeInfo,
      AvailableCapacity: load.available,
      QueueCapacity: load.queueUsed,
      RunningExecutions: load.running,
      EnqueuedExecutions: load.enqueued,
    },
  };
}

function disconnectedState(
  stored: NodeState,
  live: LiveNode | undefined,
  now: number,
  reason: string,
): NodeState {
  return {
    ...stored,
    Info: withLoad(stored.Info, {
      available: zeroResources(),
      queueUsed: zeroResources(),
      running: 0,
      enqueued: 0,
    }),
    Connection: NodeConnection.Disconnected,
    ConnectionState: {
      ...stored.ConnectionState,
      ...(live === undefined ? {} : connectionOf(live)),
      Status: NodeConnection.Disconnected,
      DisconnectedSince: goTime(now),
      LastError: reason,
    },
  };
}
