/** The node manager's options: options in, compiled (defaults applied, checked) and frozen out. */
import { systemClock, type Clock } from '../../lib/clock.js';
import { BacalhauError, ErrorCode, NodeMembership } from '../../models/index.js';
import type { NodeInfo } from '../../models/index.js';
import type { JobStore } from '../../store/types.js';
import type { OrchestratorTransport } from '../../transport/types.js';
import type { NodeConnectionChange } from './manager.js';
import { NodeManagerComponent } from './errors.js';
import { ReEvaluatorDefaults } from './reevaluator.js';

export const NodeManagerDefaults = Object.freeze({
  /**
   * `Orchestrator.NodeManager.DisconnectTimeout`. Bacalhau's 1 m (with 15 s heartbeats and a 15 s
   * re-evaluation batch) leaves work on a dead node for 75 to 105 s. Ours is 20 s with 5 s heartbeats
   * (`Compute.Heartbeat.Interval`): four heartbeats may be lost (a NATS reconnect, a long GC pause, a
   * busy event loop) before a node counts as gone, and with the 2 s re-evaluation batch its work is
   * rescheduled 20 to 29 s after its last heartbeat. A heartbeat is one small request, so 5 s costs
   * little even with thousands of nodes (see bench/).
   */
  disconnectTimeoutMs: 20_000,
  /** Go's `heartbeatCheckFrequencyFactor`: the health check runs every timeout / 3 ... */
  healthCheckFactor: 3,
  /** ... clamped to [1 s, 30 s] (`min/maxHeartbeatCheckFrequency`). */
  minHealthCheckIntervalMs: 1_000,
  maxHealthCheckIntervalMs: 30_000,
  /**
   * Heartbeats are kept in memory and written at most once per this interval, all nodes in one
   * transaction: a stored node's figures may be that far behind (three of the compute node's 5 s
   * heartbeats by default), except capacity coming free, which is written soon after it is heard of.
   */
  persistIntervalMs: 15_000,
});

export interface NodeManagerOptions {
  store: JobStore;
  /**
   * When given, the manager serves its control plane and drops the connection of nodes it marks
   * DISCONNECTED (timeout, rejection, deletion), as NCL does. Without it, call the handler methods
   * directly (tests, other transports wired by hand).
   */
  transport?: OrchestratorTransport;
  clock?: Clock;
  /** No heartbeat for this long → DISCONNECTED. Default 20 s. */
  disconnectTimeoutMs?: number;
  /** How often liveness is checked; default disconnectTimeout / 3 clamped to 1–30 s. */
  healthCheckIntervalMs?: number;
  /** How often buffered heartbeats are written; default 15 s. */
  persistIntervalMs?: number;
  /** `Orchestrator.NodeManager.ManualApproval`: new nodes start PENDING instead of APPROVED. */
  manualApproval?: boolean;
  /** The orchestrator's own node, registered as APPROVED and CONNECTED (normally a Requester). */
  selfInfo?: NodeInfo;
  /** Batching of node-join / node-leave evaluations (see reevaluator.ts). */
  reEvaluation?: { batchDelayMs?: number; maxBatchSize?: number };
  /** Evaluation IDs; default `v-<uuid>`. */
  newEvaluationId?: () => string;
  /** Failures no caller receives (background persistence, re-evaluation). Default: console.error. */
  onError?: (error: unknown) => void;
  /** A first connection listener, there before any handshake is served, so it misses none. */
  onConnectionChange?: (change: NodeConnectionChange) => void;
  /**
   * Nodes whose heartbeats said capacity came free, once that capacity is in the store: work waiting
   * for capacity may run now. Must not throw.
   */
  onCapacityFreed?: (nodeIds: readonly string[]) => void;
  /**
   * A node's capacity report made at `atMs` is now what the store says of it (the schedulers read nodes
   * from the store): a heartbeat's once it is written, which may be a persistence interval later, or a
   * (re)connection's handshake, which reports afresh (`handshake` true). Must not throw.
   */
  onCapacityReport?: (nodeId: string, report: { handshake: boolean; atMs: number }) => void;
  /**
   * A second live process under a connected node's ID and data dir was refused (twin-process.ts), with
   * the reason it was given: worth a warning, since only the refused process logs anything otherwise.
   */
  onTwinRefused?: (nodeId: string, reason: string) => void;
}

export interface CompiledNodeManagerOptions {
  readonly store: JobStore;
  readonly transport: OrchestratorTransport | undefined;
  readonly clock: Clock;
  readonly disconnectTimeoutMs: number;
  readonly healthCheckIntervalMs: number;
  readonly persistIntervalMs: number;
  readonly defaultMembership: NodeMembership;
  readonly selfInfo: NodeInfo | undefined;
  readonly batchDelayMs: number;
  readonly maxBatchSize: number;
  readonly newEvaluationId: (() => string) | undefined;
  readonly onError: (error: unknown) => void;
  readonly onConnectionChange: ((change: NodeConnectionChange) => void) | undefined;
  readonly onCapacityFreed: ((nodeIds: readonly string[]) => void) | undefined;
  readonly onCapacityReport:
    ((nodeId: string, report: { handshake: boolean; atMs: number }) => void) | undefined;
  readonly onTwinRefused: ((nodeId: string, reason: string) => void) | undefined;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new BacalhauError(`node manager: ${name} must be a positive number of milliseconds, got ${value}`, {
      code: ErrorCode.BadRequest,
      component: NodeManagerComponent,
    });
  }
  return value;
}

/** The health-check interval Go derives from the disconnect timeout. */
export function healthCheckInterval(disconnectTimeoutMs: number): number {
  const d = NodeManagerDefaults;
  return Math.min(
    d.maxHealthCheckIntervalMs,
    Math.max(d.minHealthCheckIntervalMs, disconnectTimeoutMs / d.healthCheckFactor),
  );
}

/** @throws BadRequest for a non-positive interval or a self node without an ID. */
export function compileNodeManagerOptions(options: NodeManagerOptions): CompiledNodeManagerOptions {
  const disconnectTimeoutMs = positive(
    'disconnectTimeoutMs',
    options.disconnectTimeoutMs ?? NodeManagerDefaults.disconnectTimeoutMs,
  );
  if (options.selfInfo !== undefined && options.selfInfo.NodeID === '') {
    throw new BacalhauError('node manager: selfInfo needs a NodeID', {
      code: ErrorCode.BadRequest,
      component: NodeManagerComponent,
    });
  }
  return Object.freeze({
    store: options.store,
    transport: options.transport,
    clock: options.clock ?? systemClock,
    disconnectTimeoutMs,
    healthCheckIntervalMs: positive(
      'healthCheckIntervalMs',
      options.healthCheckIntervalMs ?? healthCheckInterval(disconnectTimeoutMs),
    ),
    persistIntervalMs: positive(
      'persistIntervalMs',
      options.persistIntervalMs ?? NodeManagerDefaults.persistIntervalMs,
    ),
    defaultMembership: options.manualApproval === true ? NodeMembership.Pending : NodeMembership.Approved,
    selfInfo: options.selfInfo,
    batchDelayMs: options.reEvaluation?.batchDelayMs ?? ReEvaluatorDefaults.batchDelayMs,
    maxBatchSize: options.reEvaluation?.maxBatchSize ?? ReEvaluatorDefaults.maxBatchSize,
    newEvaluationId: options.newEvaluationId,
    onError: options.onError ?? ((error: unknown) => console.error('node manager:', error)),
    onConnectionChange: options.onConnectionChange,
    onCapacityFreed: options.onCapacityFreed,
    onCapacityReport: options.onCapacityReport,
    onTwinRefused: options.onTwinRefused,
  });
}
