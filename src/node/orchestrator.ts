/**
 * The orchestrator, assembled (Bacalhau `pkg/node/requester.go`): the one place that constructs the
 * orchestrator's concrete classes and wires them together.
 *
 *   JobEndpoint ──► store (SQLite) ──EvaluationCreated──► SchedulingService (broker, workers, schedulers,
 *                     ▲   │                                 planner) ──plan──► store
 *                     │   └──ExecutionCreated/Updated──► Dispatcher ──► transport ──► compute nodes
 *                     │                                     ▲                              │
 *                     └── BidResult / RunResult / ComputeError ─────────────────────────────┘
 *   NodeManager: handshakes, heartbeats, DISCONNECTED after DisconnectTimeout, node-join/leave evaluations
 *   Housekeeping: job-timeout / exec-timeout evaluations every HousekeepingInterval
 *
 * ## Start order
 * store → dispatcher (subscribed before anything can write an execution, so no change goes unsent) →
 * node manager (self-registration as a Requester, then serving the control plane) → scheduling service
 * (re-enqueues every evaluation still pending from a previous run, then starts the workers) →
 * housekeeping. The endpoint has no lifecycle. If a step fails, what started is stopped again and the
 * error is rethrown.
 *
 * ## Stop (idempotent, also on `signal`)
 * The reverse: housekeeping, scheduling service (the workers finish the evaluation in hand), node
 * manager (writes buffered heartbeats and its pending re-evaluations), dispatcher (finishes the reports
 * being applied and the messages being queued), then the store is closed. The transport is the
 * caller's and stays up. Failures while stopping go to `onError`; `stop()` itself never rejects, and
 * every component is stopped whatever happened to the others.
 *
 * ## Restart
 * Everything durable is in the store: a new orchestrator on the same database file re-sends each
 * in-progress execution's message (a change committed just before a crash may never have left),
 * picks up pending
 * evaluations (delayed ones at their `WaitUntil`), gives compute nodes stored as CONNECTED one
 * DisconnectTimeout to handshake again, and re-evaluates work left on nodes stored as DISCONNECTED.
 */
import type { BacalhauConfig } from '../config/index.js';
import { buildVersionInfo } from '../lib/build-info.js';
import { arrayOf, encode, struct } from '../models/codec.js';
import { nodeStateSchema } from '../models/schemas.js';
import type { DebugInfoProvider } from '../models/debug.js';
import type { Clock } from '../lib/clock.js';
import {
  EvalTrigger,
  JobType,
  NodeConnection,
  NodeType,
  Protocol,
  zeroResources,
  type NodeInfo,
} from '../models/index.js';
import { Dispatcher } from '../orchestrator/dispatch/index.js';
import { JobEndpoint } from '../orchestrator/endpoint/index.js';
import { Housekeeping } from '../orchestrator/housekeeping/index.js';
import { connectionLogLine, NodeManager } from '../orchestrator/nodes/index.js';
import { SchedulingService } from '../orchestrator/worker/index.js';
import { SqliteJobStore, type JobStore } from '../store/index.js';
import {
  compileOrchestratorOptions,
  OrchestratorComponent,
  type CompiledOrchestratorOptions,
  type OrchestratorOptions,
} from './options.js';
import { nodeLabels } from '../compute/capacity/labels.js';

/** How far back a connecting node's stopped executions are cancelled again (see onConnectionChange). */
const RecentStopsMs = 24 * 60 * 60 * 1000;

/**
 * How many jobs waiting for capacity (their `job-queue` evaluations) each node whose capacity came
 * free lets look again before their QueueBackoff, and at most per flush of freed capacity (≥ 100 ms
 * apart); and the least time between two looks at one job (each look that finds no room queues it
 * again), so a busy cluster's churn does not turn a waiting job into a stream of evaluations. Daemon
 * jobs keep their QueueBackoff: they wait for particular nodes, which the capacity freed elsewhere
 * does not help.
 */
const WokenPerFreedNode = 4;
const MaxWokenPerFlush = 32;
const WakeSelection = Object.freeze({
  trigger: EvalTrigger.JobQueue,
  types: Object.freeze([JobType.Batch, JobType.Service, JobType.Ops]),
  minAgeMs: 5_000,
});

export type OrchestratorState = 'running' | 'stopping' | 'stopped';

/**
 * What the HTTP API reads: jobs (by ID, short ID or name), versions, executions, history (a cursor:
 * `next` while the job can still change), evaluations, consistent snapshots, and committed changes to
 * wake long polls instead of polling. Each call is one read transaction; see `src/store/types.ts` for
 * every method's contract and errors.
 */
export type OrchestratorJobReads = Pick<
  JobStore,
  | 'getJob'
  | 'getJobByIDOrName'
  | 'getJobByName'
  | 'getJobVersion'
  | 'getJobVersions'
  | 'listJobs'
  | 'getExecution'
  | 'listExecutions'
  | 'getJobHistory'
  | 'getEvaluation'
  | 'listEvaluations'
  | 'read'
  | 'onChange'
>;

/**
 * The node routes: nodes with live heartbeat figures, and the approval actions. See
 * `src/orchestrator/nodes/manager.ts` for errors (`node not found: %s`, `node %s already approved`, …).
 */
export type OrchestratorNodeActions = Pick<
  NodeManager,
  'get' | 'list' | 'approveNode' | 'rejectNode' | 'deleteNode'
>;

/** The assembled parts, for tests, diagnostics and the rest of the composition root. */
export interface OrchestratorComponents {
  readonly store: SqliteJobStore;
  readonly dispatcher: Dispatcher;
  readonly nodeManager: NodeManager;
  readonly scheduling: SchedulingService;
  readonly housekeeping: Housekeeping;
}

export class Orchestrator {
  readonly nodeID: string;
  /** This orchestrator's own node (a Requester), as registered in the store: `GET /agent/node`. */
  readonly info: NodeInfo;
  /** The config it was created with (frozen by `load`): `GET /agent/config`. */
  readonly config: BacalhauConfig;
  /** Submit, diff, stop, rerun. */
  readonly endpoint: JobEndpoint;
  readonly jobs: OrchestratorJobReads;
  readonly nodes: OrchestratorNodeActions;
  readonly components: OrchestratorComponents;
  /** What `GET /agent/debug` shows of the orchestrator: the nodes it knows (Go's `DiscoveredNodes`). */
  readonly debugInfoProviders: readonly DebugInfoProvider[];
  /** The store's database file (or `:memory:`). */
  readonly storePath: string;
  readonly #o: CompiledOrchestratorOptions;
  #state: OrchestratorState = 'running';
  #stopped: Promise<void> | undefined;
  /** Removes the `signal` listener. */
  #detach: () => void = () => undefined;

  private constructor(
    options: CompiledOrchestratorOptions,
    info: NodeInfo,
    components: OrchestratorComponents,
  ) {
    this.#o = options;
    this.nodeID = options.nodeID;
    this.info = info;
    this.config = options.config;
    this.storePath = options.storePath;
    this.components = Object.freeze(components);
    const { store, nodeManager } = components;
    this.endpoint = new JobEndpoint({
      store,
      nodeID: options.nodeID,
      clock: options.clock,
      jobDefaults: options.config.JobDefaults,
      installationID: options.installationID,
      instanceID: options.instanceID,
      maxMessageBytes: () => options.transport.maxMessageBytes(),
    });
    this.jobs = Object.freeze({
      getJob: (id) => store.getJob(id),
      getJobByIDOrName: (idOrName, namespace) => store.getJobByIDOrName(idOrName, namespace),
      getJobByName: (name, namespace) => store.getJobByName(name, namespace),
      getJobVersion: (jobID, version) => store.getJobVersion(jobID, version),
      getJobVersions: (jobID) => store.getJobVersions(jobID),
      listJobs: (query) => store.listJobs(query),
      getExecution: (id) => store.getExecution(id),
      listExecutions: (query) => store.listExecutions(query),
      getJobHistory: (jobID, query) => store.getJobHistory(jobID, query),
      getEvaluation: (id) => store.getEvaluation(id),
      listEvaluations: (query) => store.listEvaluations(query),
      read: (fn) => store.read(fn),
      onChange: (listener) => store.onChange(listener),
    } satisfies OrchestratorJobReads);
    this.debugInfoProviders = Object.freeze([
      {
        // in wire form, as the node routes answer (omitempty: a node without GPUs shows none)
        getDebugInfo: async () => ({
          Component: 'DiscoveredNodes',
          Info: encode(await nodeManager.list(), arrayOf(struct(nodeStateSchema))),
        }),
      },
    ]);
    this.nodes = Object.freeze({
      get: (idOrPrefix) => nodeManager.get(idOrPrefix),
      list: (filter) => nodeManager.list(filter),
      approveNode: (idOrPrefix) => nodeManager.approveNode(idOrPrefix),
      rejectNode: (idOrPrefix) => nodeManager.rejectNode(idOrPrefix),
      deleteNode: (idOrPrefix) => nodeManager.deleteNode(idOrPrefix),
    } satisfies OrchestratorNodeActions);
  }

  /**
   * Opens the store and starts every component (see the file comment for the order).
   * @throws BacalhauError (ConfigurationError) for invalid options or config values, naming every
   *   problem; the store's error when the database cannot be opened; a component's start error (what
   *   had started is stopped again)
   */
  static async create(options: OrchestratorOptions): Promise<Orchestrator> {
    const o = compileOrchestratorOptions(options);
    const report =
      (component: string) =>
      (error: unknown): void =>
        o.onError(error, component);
    const started: { stop(): Promise<void> }[] = [];
    const info = requesterInfo(o);
    const store = await SqliteJobStore.create({
      path: o.storePath,
      clock: o.clock,
      onError: report('JobStore'),
      onUpgrade: (from, to) =>
        o.logger.info(
          `Upgrading the job store from schema ${from} to ${to}: a store of many jobs takes a while (seconds per 100,000 jobs)`,
          { Store: o.storePath },
        ),
    });
    try {
      const dispatcher = await Dispatcher.create({
        store,
        transport: o.transport,
        clock: o.clock,
        onError: (error) => o.onError(error, 'Dispatcher'),
      });
      started.push(dispatcher);
      // What a previous orchestrator committed but may not have delivered before it died.
      await dispatcher.reconcile();
      const t = o.tunables;
      // The broker comes with the scheduling service, made after the node manager.
      let wakeQueuedJobs = (_freedNodes: number): void => undefined;
      let capacityReported = (_nodeId: string, _report: { handshake: boolean; atMs: number }): void =>
        undefined;
      const nodeManager = await NodeManager.create({
        store,
        transport: o.transport,
        clock: o.clock,
        disconnectTimeoutMs: o.disconnectTimeoutMs,
        manualApproval: o.manualApproval,
        selfInfo: info,
        reEvaluation: {
          ...(t.nodeReEvaluatorBatchDelayMs === undefined
            ? {}
            : { batchDelayMs: t.nodeReEvaluatorBatchDelayMs }),
          ...(t.nodeReEvaluatorMaxBatchSize === undefined
            ? {}
            : { maxBatchSize: t.nodeReEvaluatorMaxBatchSize }),
        },
        ...(t.heartbeatPersistIntervalMs === undefined
          ? {}
          : { persistIntervalMs: t.heartbeatPersistIntervalMs }),
        onError: report('NodeManager'),
        // A connecting node is told again of the stops it may have missed: while it was away, and
        // (whatever it says of itself: deleted and back, a stop lost in an older crash) the last day's.
        onConnectionChange: (change) => {
          // a hybrid node's own compute half is no news
          const line = connectionLogLine(change);
          if (change.nodeId === o.nodeID) o.logger.debug(line, { NodeID: change.nodeId });
          else o.logger.info(line, { NodeID: change.nodeId });
          if (change.current !== NodeConnection.Connected) return;
          const since = Math.min(change.missedSince ?? Infinity, o.clock.now() - RecentStopsMs);
          dispatcher.cancelMissed(change.nodeId, since).catch(report('Dispatcher'));
        },
        onCapacityFreed: (nodeIds) => wakeQueuedJobs(nodeIds.length),
        onCapacityReport: (nodeId, report) => capacityReported(nodeId, report),
        onTwinRefused: (nodeId, reason) =>
          o.logger.warn(`Refused a second process as compute node ${nodeId}: ${reason}`, { NodeID: nodeId }),
      });
      started.push(nodeManager);
      const scheduling = await SchedulingService.create({
        store,
        clock: o.clock,
        logger: o.logger,
        workerCount: o.workerCount,
        schedulerOptions: {
          queueBackoffMs: o.queueBackoffMs,
          ...(t.maxExecutionsPerEval === undefined ? {} : { maxExecutionsPerEval: t.maxExecutionsPerEval }),
          ...(t.executionLimitBackoffMs === undefined
            ? {}
            : { executionLimitBackoffMs: t.executionLimitBackoffMs }),
          ...(t.selector === undefined ? {} : { selector: t.selector }),
          ...(t.retryStrategy === undefined ? {} : { retryStrategy: t.retryStrategy }),
        },
        brokerOptions: { visibilityTimeoutMs: o.visibilityTimeoutMs, maxRetryCount: o.maxRetryCount },
        ...(o.onEvaluationOutcome === undefined ? {} : { onOutcome: o.onEvaluationOutcome }),
      });
      started.push(scheduling);
      // what was placed on a node and its report now counts is no longer held against it
      capacityReported = (nodeId, { handshake, atMs }) =>
        handshake ? scheduling.placements.forget(nodeId) : scheduling.placements.reported(nodeId, atMs);
      wakeQueuedJobs = (freedNodes) => {
        const max = Math.min(MaxWokenPerFlush, WokenPerFreedNode * freedNodes);
        scheduling.broker.wakeDelayed(WakeSelection, max);
      };
      const housekeeping = await Housekeeping.create({
        store,
        clock: o.clock,
        intervalMs: o.housekeepingIntervalMs,
        timeoutBufferMs: o.housekeepingTimeoutMs,
        onError: report('Housekeeping'),
      });
      started.push(housekeeping);

      const orchestrator = new Orchestrator(o, info, {
        store,
        dispatcher,
        nodeManager,
        scheduling,
        housekeeping,
      });
      const { signal } = o;
      if (signal !== undefined) {
        if (signal.aborted) void orchestrator.stop();
        else {
          const onAbort = (): void => void orchestrator.stop();
          signal.addEventListener('abort', onAbort, { once: true });
          orchestrator.#detach = () => signal.removeEventListener('abort', onAbort);
        }
      }
      o.logger.debug('Orchestrator started', { NodeID: o.nodeID, Store: o.storePath });
      return orchestrator;
    } catch (err) {
      for (const component of started.reverse()) {
        await component.stop().catch(report(OrchestratorComponent));
      }
      await store.close().catch(report('JobStore'));
      throw err;
    }
  }

  get state(): OrchestratorState {
    return this.#state;
  }

  get clock(): Clock {
    return this.#o.clock;
  }

  /** Stops every component in reverse start order, then closes the store. Idempotent; never rejects. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#state = 'stopping';
    this.#detach();
    const { housekeeping, scheduling, nodeManager, dispatcher, store } = this.components;
    const steps: [string, () => Promise<void>][] = [
      ['Housekeeping', () => housekeeping.stop()],
      ['Scheduler', () => scheduling.stop()],
      ['NodeManager', () => nodeManager.stop()],
      ['Dispatcher', () => dispatcher.stop()],
      ['JobStore', () => store.close()],
    ];
    for (const [component, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.#o.onError(err, component);
      }
    }
    this.#state = 'stopped';
    this.#o.logger.debug('Orchestrator stopped', { NodeID: this.nodeID });
  }
}

/**
 * The orchestrator's own node, registered APPROVED and CONNECTED (Go's `selfRegister`): a Requester
 * with the labels every Go node has (the config's, `os_type`, `os_arch`, `name`), speaking NCL,
 * offering no compute.
 */
function requesterInfo(o: CompiledOrchestratorOptions): NodeInfo {
  return {
    NodeID: o.nodeID,
    NodeType: NodeType.Requester,
    Labels: nodeLabels(o.config.Labels, zeroResources(), { nodeName: o.nodeID }),
    SupportedProtocols: [Protocol.NCLV1],
    ComputeNodeInfo: {
      ExecutionEngines: [],
      Publishers: [],
      StorageSources: [],
      MaxCapacity: zeroResources(),
      QueueCapacity: zeroResources(),
      AvailableCapacity: zeroResources(),
      MaxJobRequirements: zeroResources(),
      RunningExecutions: 0,
      EnqueuedExecutions: 0,
      address: '',
    },
    BacalhauVersion: { ...buildVersionInfo() },
  };
}
