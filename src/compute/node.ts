/**
 * A compute node (Go's `pkg/compute` wired by `node.NewComputeNode`): it answers the orchestrator's
 * requests through its transport, bids, queues what it accepted, runs it and reports the outcome.
 *
 * Everything is driven by the execution store: orchestrator messages become store writes
 * (message-handler.ts), and each committed write triggers what follows, as Go's execution watcher does:
 * New → bid; BidAccepted → queue (and run when capacity allows); Cancelled → stop it. Messages for the
 * orchestrator are committed with the write that owes them and handed over in order (outbox.ts).
 *
 * Lifecycle: `create` reconciles the store with reality (startup.ts), connects (retrying in the
 * background) and starts heartbeats; `stop` (idempotent) stops heartbeats, aborts running executions
 * (a restarted node fails or re-runs them), hands over what it can and stops the transport with a
 * shutdown notice.
 */
import type { Clock } from '../lib/clock.js';
import { buildVersionInfo } from '../lib/build-info.js';
import { unboundedController } from '../lib/abort.js';
import { anySignal } from '../lib/any-signal.js';
import { BacalhauError, ErrorCode, errorMessage, isTerminalExecutionState, sub } from '../models/index.js';
import type {
  DebugInfoProvider,
  Execution,
  ExecutionLog,
  Job,
  NodeInfo,
  Resources,
} from '../models/index.js';
import { ComputeEventTopic, eventFromError, newEvent, NodeRejectedReason } from '../transport/messages.js';
import type { ComputeTransport } from '../transport/types.js';
import { ConnectionKeeper } from './connection.js';
import type { EngineRegistry } from './engines.js';
import { computeDebugInfoProviders } from './debug-info.js';
import { ExecutorBuffer } from './executor-buffer.js';
import { streamExecutionLogs, type ExecutionLogsRequest } from './logstream.js';
import { handleOrchestratorMessage } from './message-handler.js';
import { OutboxSender } from './outbox.js';
import type { ExecutionRunner } from './runner.js';
import { noteStoppedByShutdown, reconcileAfterRestart, removeOrphanedWork } from './startup.js';
import { unknownExecutionError } from './unknown-executions.js';
import { isAlreadyTerminal, isInvalidState } from './store/errors.js';
import type { ExecutionStore, ExecutionUpsert } from './store/types.js';

/** Why a rejected node's executions ended, as their compute state says. */
const RejectedMessage = 'cancelled: the orchestrator rejected this node';

/** What the node asks of its bidder (compute/bidding). */
export interface BidDecider {
  bid(
    request: { job: Job },
    options?: { signal?: AbortSignal },
  ): Promise<{ shouldBid: boolean; reason: string; usage: Resources }>;
}

export interface ComputeNodeOptions {
  nodeID: string;
  transport: ComputeTransport;
  store: ExecutionStore;
  engines: EngineRegistry;
  runner: ExecutionRunner;
  bidder: BidDecider;
  /** Publisher and storage types served, for NodeInfo. */
  publisherTypes: () => Promise<string[]>;
  storageTypes: () => Promise<string[]>;
  /** What running executions may use together, and the most one execution may ask for. */
  maxCapacity: Resources;
  maxJobRequirements: Resources;
  labels: Record<string, string>;
  /** Where others reach this node (`Compute.Network.AdvertisedAddress`); '' when not said. */
  address?: string;
  clock: Clock;
  heartbeatIntervalMs: number;
  infoUpdateIntervalMs: number;
  reconnectDelayMs?: number;
  onError: (error: unknown) => void;
  /** A handshake failed and is retried in `retryInMs` (the orchestrator is away). Default: `onError`. */
  onConnectionRetry?: (error: unknown, retryInMs: number) => void;
  /** The orchestrator accepted a handshake (the first, or one after the connection was lost). */
  onConnected?: () => void;
}

export type ComputeNodeState = 'running' | 'stopping' | 'stopped';

export class ComputeNode {
  readonly nodeID: string;
  readonly store: ExecutionStore;
  readonly #o: ComputeNodeOptions;
  /** What `GET /agent/debug` shows of this node (Go's `ActiveJobs` and `jobsCompleted`). */
  readonly debugInfoProviders: readonly DebugInfoProvider[];
  readonly #buffer: ExecutorBuffer;
  readonly #outbox: OutboxSender;
  readonly #connection: ConnectionKeeper;
  #accepted: () => void = () => undefined;
  readonly #acceptedOnce = new Promise<void>((resolve) => (this.#accepted = resolve));
  /** Every bid under way (probes, external strategies) listens to it. */
  readonly #bidding = unboundedController();
  /** The bids under way, by execution ID: cancelling the execution aborts its bid. */
  readonly #bids = new Map<string, AbortController>();
  readonly #unsubscribe: (() => void)[] = [];
  /** Executions of a previous process run again here: their old containers may still be running. */
  readonly #reruns = new Set<string>();
  #info: { engines: string[]; publishers: string[]; storages: string[] } = {
    engines: [],
    publishers: [],
    storages: [],
  };
  #state: ComputeNodeState = 'running';
  #stopped: Promise<void> | undefined;

  private constructor(options: ComputeNodeOptions) {
    this.#o = options;
    this.nodeID = options.nodeID;
    this.store = options.store;
    this.#buffer = new ExecutorBuffer({
      capacity: () => options.maxCapacity,
      run: (execution, signal) => options.runner.run(execution, signal),
      onError: options.onError,
      // Capacity came free: say so now rather than at the next interval. (Not when the execution's
      // state turns Completed: the runner writes that before the buffer has freed what it used.)
      onFreed: () => void this.#connection.heartbeat(),
    });
    this.debugInfoProviders = Object.freeze(
      computeDebugInfoProviders(() => this.#buffer.runningExecutions(), options.store),
    );
    this.#outbox = new OutboxSender(options.store, options.transport, options.onError);
    this.#connection = new ConnectionKeeper({
      transport: options.transport,
      clock: options.clock,
      nodeInfo: () => this.nodeInfo(),
      capacity: () => ({
        AvailableCapacity: this.#availableCapacity(),
        QueueUsedCapacity: this.#buffer.queuedCapacity,
        RunningExecutions: this.#buffer.runningCount,
        EnqueuedExecutions: this.#buffer.queuedCount,
      }),
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      infoUpdateIntervalMs: options.infoUpdateIntervalMs,
      ...(options.reconnectDelayMs === undefined ? {} : { reconnectDelayMs: options.reconnectDelayMs }),
      onError: options.onError,
      ...(options.onConnectionRetry === undefined ? {} : { onRetry: options.onConnectionRetry }),
      onRefused: (reason) => {
        if (reason === NodeRejectedReason) this.#dropRejectedWork();
      },
      onConnected: () => {
        this.#accepted();
        options.onConnected?.();
      },
    });
  }

  /**
   * Resolves once the orchestrator first accepted this node's handshake: what serves the node's ID
   * to others (its logs) waits for it, so a second process refused under the same name serves nothing.
   */
  whenAccepted(): Promise<void> {
    return this.#acceptedOnce;
  }

  /**
   * An operator rejected this node: the orchestrator gave up its executions (they fail there and run
   * elsewhere) and can no longer reach it with a cancel, so the node cancels them itself rather than
   * run them on unseen, a daemon or service forever. (Go's nodes keep running them.)
   */
  #dropRejectedWork(): void {
    for (const execution of this.store.liveExecutions()) {
      try {
        this.store.update({
          executionID: execution.ID,
          newValues: { ComputeState: { StateType: 'Cancelled', Message: RejectedMessage } },
        });
      } catch (err) {
        // ended meanwhile: nothing left to cancel
        if (!isAlreadyTerminal(err)) this.#o.onError(err);
      }
    }
  }

  /**
   * Starts the node: reconciles executions left by a previous process, subscribes, connects (a failed
   * first handshake is retried in the background) and starts heartbeats.
   */
  static async create(options: ComputeNodeOptions): Promise<ComputeNode> {
    const node = new ComputeNode(options);
    node.#info = {
      engines: await options.engines.installedTypes(),
      publishers: await options.publisherTypes(),
      storages: await options.storageTypes(),
    };
    node.#unsubscribe.push(options.store.onUpsert((upsert) => node.#onUpsert(upsert)));
    node.#unsubscribe.push(
      options.transport.onMessage((message) =>
        handleOrchestratorMessage(options.store, message, (id) => node.#reportUnknown(id)),
      ),
    );
    const failedByRestart = await reconcileAfterRestart({
      store: options.store,
      engines: options.engines,
      clock: options.clock,
      rerun: (execution) => {
        node.#reruns.add(execution.ID);
        node.#enqueue(execution);
      },
      bid: (execution) => node.#bid(execution),
      onError: options.onError,
    });
    // Not awaited: reading when each folder last changed takes seconds on a busy node (an hour of
    // executions), and nothing here needs it done before the node takes work.
    void options.runner
      .removeLeftovers((id) => node.#isLive(id))
      .then((unknown) => unknown.forEach((id) => node.#reportUnknown(id)))
      .catch(options.onError);
    // at once, unlike their results and logs: a download of gigabytes is of no use to anyone now
    for (const id of failedByRestart) void options.runner.removeInputs(id).catch(options.onError);
    void node.#outbox.flush();
    await node.#connection.start();
    return node;
  }

  get state(): ComputeNodeState {
    return this.#state;
  }

  get runningExecutions(): number {
    return this.#buffer.runningCount;
  }

  get queuedExecutions(): number {
    return this.#buffer.queuedCount;
  }

  /** This node's self-description, with live capacity figures. */
  nodeInfo(): NodeInfo {
    const o = this.#o;
    return {
      NodeID: o.nodeID,
      NodeType: 'Compute',
      Labels: { ...o.labels },
      SupportedProtocols: ['ncl/v1'],
      ComputeNodeInfo: {
        ExecutionEngines: [...this.#info.engines],
        Publishers: [...this.#info.publishers],
        StorageSources: [...this.#info.storages],
        MaxCapacity: o.maxCapacity,
        QueueCapacity: this.#buffer.queuedCapacity,
        AvailableCapacity: this.#availableCapacity(),
        MaxJobRequirements: o.maxJobRequirements,
        RunningExecutions: this.#buffer.runningCount,
        EnqueuedExecutions: this.#buffer.queuedCount,
        address: o.address ?? '',
      },
      BacalhauVersion: { ...buildVersionInfo() },
    };
  }

  /**
   * An execution's logs (see logstream.ts). A followed stream that ends because this node is stopping,
   * with the execution not over, ends with an error: its follower would otherwise take it for the end.
   */
  async *streamLogs(
    request: ExecutionLogsRequest,
    options: { signal: AbortSignal },
  ): AsyncGenerator<ExecutionLog> {
    yield* streamExecutionLogs(
      {
        store: this.store,
        engines: this.#o.engines,
        logFile: (executionID) => this.#o.runner.logFile(executionID),
        logRemoved: (execution) => this.#o.runner.logRemoved(execution),
        clock: this.#o.clock,
      },
      request,
      options.signal,
    );
    const execution = this.store.find(request.ExecutionID);
    if (!request.Follow || this.#state === 'running' || execution === undefined) return;
    if (isTerminalExecutionState(execution.ComputeState.StateType)) return;
    throw new BacalhauError(
      `the log stream of execution ${execution.ID} ended: its compute node is stopping`,
      {
        code: ErrorCode.ServiceUnavailable,
        component: 'LogStream',
        hint: `follow it again once the node is back: bacalhau job logs --follow ${execution.JobID}`,
      },
    );
  }

  /** Idempotent; never rejects (failures go to onError). */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#state = 'stopping';
    this.#connection.stop();
    this.#bidding.abort();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    await this.#buffer.stop().catch(this.#o.onError);
    await this.#o.runner.stop();
    noteStoppedByShutdown(this.#o.store);
    await this.#outbox.flush().catch(this.#o.onError);
    await this.#outbox.stop();
    await this.#o.transport.stop().catch(this.#o.onError);
    this.#state = 'stopped';
  }

  /** See unknown-executions.ts. */
  #reportUnknown(executionID: string): void {
    const message = unknownExecutionError(this.nodeID, executionID, new Date(this.#o.clock.now()));
    this.#o.transport.send(message).catch(this.#o.onError);
  }

  /** Known to this node and not yet ended. */
  #isLive(executionID: string): boolean {
    const execution = this.store.find(executionID);
    return execution !== undefined && !isTerminalExecutionState(execution.ComputeState.StateType);
  }

  #availableCapacity(): Resources {
    return sub(this.#o.maxCapacity, this.#buffer.usedCapacity);
  }

  #onUpsert(upsert: ExecutionUpsert): void {
    void this.#outbox.flush();
    if (this.#state !== 'running') return;
    const execution = upsert.current;
    const state = execution.ComputeState.StateType;
    if (state === 'New') {
      void this.#bid(execution);
    } else if (state === 'BidAccepted') {
      this.#enqueue(execution);
    } else if (state === 'Cancelled') {
      this.#bids.get(execution.ID)?.abort();
      // A re-run cancelled before it re-attached (still queued, or preparing its inputs) leaves the
      // previous process's container running: for a re-run, sweep such leftovers after the cancel.
      const rerun = this.#reruns.delete(execution.ID);
      this.#buffer
        .cancel(execution.ID)
        .then(() =>
          rerun ? removeOrphanedWork(this.#o.engines, (id) => this.#isLive(id), this.#o.onError) : undefined,
        )
        .catch(this.#o.onError);
    } else if ((state === 'Completed' || state === 'Failed') && upsert.previous !== undefined) {
      this.#reruns.delete(execution.ID);
    }
  }

  /** Go's `Bidder.RunBidding` and `handleBidResult`. */
  async #bid(execution: Execution): Promise<void> {
    const job = execution.Job;
    if (job === undefined) return;
    // a cancel stops this bid's checks (an input's size, probes): they may wait minutes on a slow server
    const cancel = new AbortController();
    this.#bids.set(execution.ID, cancel);
    let update: Parameters<ExecutionStore['update']>[0];
    try {
      const signal = anySignal([this.#bidding.signal, cancel.signal]);
      const outcome = await this.#o.bidder.bid({ job }, { signal });
      if (!outcome.shouldBid) {
        update = {
          executionID: execution.ID,
          condition: { expectedStates: ['New'] },
          newValues: { ComputeState: { StateType: 'AskForBidRejected', Message: outcome.reason } },
          events: [
            newEvent(ComputeEventTopic.ExecutionScanning, outcome.reason, {
              now: new Date(this.#o.clock.now()),
            }),
          ],
        };
      } else {
        const taskName = job.Tasks[0]?.Name ?? '';
        update = {
          executionID: execution.ID,
          condition: { expectedStates: ['New'] },
          newValues: {
            ComputeState: {
              StateType: execution.DesiredState.StateType === 'Pending' ? 'AskForBidAccepted' : 'BidAccepted',
              Message: outcome.reason,
            },
            AllocatedResources: { Tasks: { [taskName]: outcome.usage } },
          },
        };
      }
    } catch (err) {
      if (this.#state !== 'running' || cancel.signal.aborted) return;
      update = {
        executionID: execution.ID,
        condition: { expectedStates: ['New'] },
        newValues: { ComputeState: { StateType: 'Failed', Message: errorMessage(err) } },
        events: [eventFromError(ComputeEventTopic.ExecutionScanning, err, new Date(this.#o.clock.now()))],
      };
    } finally {
      // a later bid for the same execution (a replay) has its own controller
      if (this.#bids.get(execution.ID) === cancel) this.#bids.delete(execution.ID);
    }
    this.#write(update);
  }

  /** Queues an accepted execution; one that cannot be queued fails (Go's ExecutorBuffer.Run). */
  #enqueue(execution: Execution): void {
    try {
      if (!this.#buffer.has(execution.ID)) this.#buffer.enqueue(execution);
    } catch (err) {
      this.#write({
        executionID: execution.ID,
        newValues: { ComputeState: { StateType: 'Failed', Message: errorMessage(err) } },
        events: [eventFromError(ComputeEventTopic.ExecutionPreparing, err, new Date(this.#o.clock.now()))],
      });
    }
  }

  /** A store write whose condition may have been overtaken (a cancel during bidding): that is fine. */
  #write(request: Parameters<ExecutionStore['update']>[0]): void {
    try {
      this.#o.store.update(request);
    } catch (err) {
      if (!isAlreadyTerminal(err) && !isInvalidState(err)) this.#o.onError(err);
    }
  }
}
