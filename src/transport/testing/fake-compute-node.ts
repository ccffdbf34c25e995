/**
 * A scriptable compute node for orchestrator tests and benchmarks. It speaks only through a
 * ComputeTransport and follows Bacalhau's compute-side protocol (reference §2.3, §4.1, §5.2):
 *
 * - AskForBid with desired state Pending: bid per the bid policy; an accepted bid is reported with
 *   BidResult{Accepted: true} and waits for BidAccepted; a refusal is BidResult{Accepted: false} with an
 *   `Exec Scanning` event carrying the reason.
 * - AskForBid with desired state Running (daemon, ops): an accepted bid runs at once, without a BidResult.
 * - BidAccepted: runs per the run policy; Completed → RunResult, Failed → ComputeError.
 * - BidRejected: the execution is dropped (state BidRejected). CancelExecution: it stops (Cancelled).
 *   Neither is answered, as in Bacalhau.
 * - A message for an execution it already knows (a duplicate AskForBid) or does not know is recorded
 *   and otherwise ignored.
 *
 * Time comes from an injected {@link Clock}: with a ManualClock, delayed completions and interval
 * heartbeats happen only when the test advances it.
 */
import {
  BacalhauError,
  emptyRunCommandResult,
  ErrorCode,
  isTerminalExecutionState,
  sub,
  sumResources,
  jobTask,
  toResources,
  zeroResources,
} from '../../models/index.js';
import type {
  Execution,
  ExecutionStateType,
  NodeInfo,
  Resources,
  RunCommandResult,
  SpecConfig,
} from '../../models/index.js';
import { bidResult, ComputeEventTopic, computeError, newEvent, runResult } from '../messages.js';
import type {
  ComputeMessage,
  HandshakeResponse,
  HeartbeatResponse,
  OrchestratorMessage,
  Outgoing,
  UpdateNodeInfoResponse,
} from '../messages.js';
import type { CallOptions, ComputeTransport } from '../types.js';
import { systemClock, type Clock, type Timer } from '../../lib/clock.js';
import { testNodeInfo, type TestNodeInfoOptions } from './fixtures.js';
import { Recorder } from './recorder.js';

/** What to do with an AskForBid. */
export type BidDecision =
  | { action: 'accept' }
  | { action: 'reject'; reason: string }
  /** Answer with a ComputeError (the bidder failed). */
  | { action: 'error'; error: unknown }
  /** Never answer. */
  | { action: 'ignore' };

/** How an accepted execution runs. `afterMs` is measured on the node's clock; absent or 0 = at once. */
export type RunDecision =
  | {
      action: 'complete';
      afterMs?: number;
      result?: Partial<RunCommandResult>;
      /** Default: `{Type: <the task's publisher type>}`. */
      publishResult?: SpecConfig;
    }
  | { action: 'fail'; error: unknown; afterMs?: number }
  /** Run until cancelled. */
  | { action: 'hang' };

/** A fixed decision, or one per execution. */
export type Policy<D> = D | ((execution: Execution) => D);

export const ExecutionRestartMessage = 'Failing due to node restart';

export interface FakeComputeNodeOptions {
  transport: ComputeTransport;
  /** Engines, publishers, storages, labels and capacity (see testNodeInfo for the defaults). */
  nodeInfo?: TestNodeInfoOptions;
  clock?: Clock;
  /** Default: accept. */
  bid?: Policy<BidDecision>;
  /** Default: complete at once with exit code 0. */
  run?: Policy<RunDecision>;
  /** Heartbeat every so many ms of the clock; default: only when `heartbeat()` is called. */
  heartbeatIntervalMs?: number;
  /** On an interval tick while disconnected, try to connect again. Default true. */
  reconnect?: boolean;
  /** Handshake during `create`; default true. A refused handshake makes `create` reject. */
  connect?: boolean;
  /**
   * Keep every message in `received` / `sent` and every finished execution in `executions`. Default
   * true; benchmarks with many jobs turn it off to keep memory flat (a replayed AskForBid of a forgotten
   * execution would then be bid on again; the transport drops replays within its lifetime anyway).
   */
  record?: boolean;
}

export type FakeComputeNodeState = 'running' | 'crashed' | 'stopped';

/** The node's view of one execution. */
export interface FakeExecution {
  readonly execution: Execution;
  /** Bacalhau's compute-side state names. */
  state: ExecutionStateType;
  timer?: Timer;
}

const activeStates: ReadonlySet<ExecutionStateType> = new Set(['BidAccepted', 'Running']);

function decide<D>(policy: Policy<D>, execution: Execution): D {
  return typeof policy === 'function' ? (policy as (execution: Execution) => D)(execution) : policy;
}

export class FakeComputeNode {
  readonly nodeId: string;
  /** Every orchestrator message handed to this node, replays excluded (the transport drops those). */
  readonly received = new Recorder<OrchestratorMessage>();
  /** Every message this node sent. */
  readonly sent = new Recorder<Outgoing<ComputeMessage>>();
  /** Every successful heartbeat's response. */
  readonly heartbeats = new Recorder<HeartbeatResponse>();
  /** Failures of background work (interval heartbeats, reconnects, sends). */
  readonly errors: unknown[] = [];

  #transport: ComputeTransport;
  #unsubscribe: () => void;
  readonly #clock: Clock;
  #info: NodeInfo;
  #bid: Policy<BidDecision>;
  #run: Policy<RunDecision>;
  readonly #heartbeatIntervalMs: number | undefined;
  readonly #reconnect: boolean;
  readonly #record: boolean;
  #heartbeatTimer: Timer | undefined;
  #state: FakeComputeNodeState = 'running';
  readonly #executions = new Map<string, FakeExecution>();
  /** Executions that were active when the node crashed. */
  #lost: FakeExecution[] = [];
  readonly #watchers = new Set<() => void>();
  #stopped: Promise<void> | undefined;

  private constructor(options: FakeComputeNodeOptions) {
    this.#transport = options.transport;
    this.nodeId = options.transport.nodeId;
    this.#clock = options.clock ?? systemClock;
    this.#info = testNodeInfo(this.nodeId, options.nodeInfo);
    this.#bid = options.bid ?? { action: 'accept' };
    this.#run = options.run ?? { action: 'complete' };
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs;
    this.#reconnect = options.reconnect ?? true;
    this.#record = options.record ?? true;
    this.#unsubscribe = this.#transport.onMessage(this.#onMessage);
  }

  static async create(options: FakeComputeNodeOptions): Promise<FakeComputeNode> {
    const node = new FakeComputeNode(options);
    try {
      if (options.connect !== false) await node.connect();
    } catch (err) {
      await node.stop();
      throw err;
    }
    node.#scheduleHeartbeat();
    return node;
  }

  get state(): FakeComputeNodeState {
    return this.#state;
  }

  get transport(): ComputeTransport {
    return this.#transport;
  }

  get executions(): ReadonlyMap<string, FakeExecution> {
    return this.#executions;
  }

  executionState(executionId: string): ExecutionStateType | undefined {
    return this.#executions.get(executionId)?.state;
  }

  /** The NodeInfo with live figures: available capacity and running executions. */
  nodeInfo(): NodeInfo {
    const active = [...this.#executions.values()].filter((e) => activeStates.has(e.state));
    const compute = this.#info.ComputeNodeInfo;
    return {
      ...this.#info,
      ComputeNodeInfo: {
        ...compute,
        AvailableCapacity: sub(compute.MaxCapacity, sumResources(active.map(allocated))),
        RunningExecutions: active.length,
      },
    };
  }

  setBidPolicy(policy: Policy<BidDecision>): void {
    this.#bid = policy;
  }

  setRunPolicy(policy: Policy<RunDecision>): void {
    this.#run = policy;
  }

  /** Handshakes (again). */
  async connect(options?: CallOptions): Promise<HandshakeResponse> {
    this.#assertRunning();
    return this.#transport.connect(this.nodeInfo(), options);
  }

  /** Sends one heartbeat now. */
  async heartbeat(options?: CallOptions): Promise<HeartbeatResponse> {
    this.#assertRunning();
    const info = this.nodeInfo().ComputeNodeInfo;
    const response = await this.#transport.heartbeat(
      { AvailableCapacity: info.AvailableCapacity, QueueUsedCapacity: zeroResources() },
      options,
    );
    this.heartbeats.push(response);
    return response;
  }

  /** Changes labels, engines, … and tells the orchestrator. */
  async updateNodeInfo(changes: TestNodeInfoOptions, options?: CallOptions): Promise<UpdateNodeInfoResponse> {
    this.#assertRunning();
    const compute = this.#info.ComputeNodeInfo;
    this.#info = testNodeInfo(this.nodeId, {
      engines: compute.ExecutionEngines,
      publishers: compute.Publishers,
      storages: compute.StorageSources,
      labels: this.#info.Labels,
      capacity: compute.MaxCapacity,
      ...changes,
    });
    return this.#transport.updateNodeInfo(this.nodeInfo(), options);
  }

  /**
   * The node dies: heartbeats stop, the connection drops without notice, running work is lost (no
   * result will come for it). Messages sent to it meanwhile wait in the orchestrator's queue.
   */
  async crash(): Promise<void> {
    this.#assertRunning();
    this.#state = 'crashed';
    this.#heartbeatTimer?.cancel();
    this.#heartbeatTimer = undefined;
    for (const entry of this.#executions.values()) {
      if (!activeStates.has(entry.state)) continue;
      entry.timer?.cancel();
      delete entry.timer;
      this.#lost.push(entry);
    }
    await this.#transport.disconnect({ notify: false });
  }

  /**
   * The node comes back after a crash: handshakes, reports the work it lost as failed ("Failing due to
   * node restart", as Bacalhau does) unless told not to, and resumes heartbeats. With `transport` it comes
   * back as a new process (a new compute side for the same node ID); otherwise the old connection state
   * is kept, as after a network blip.
   */
  async recover(
    options: CallOptions & { transport?: ComputeTransport; reportLostExecutions?: boolean } = {},
  ): Promise<HandshakeResponse> {
    if (this.#state !== 'crashed') throw new BacalhauError(`node ${this.nodeId} has not crashed`);
    if (options.transport !== undefined && options.transport !== this.#transport) {
      if (options.transport.nodeId !== this.nodeId) {
        throw new BacalhauError(`transport is for ${options.transport.nodeId}, not ${this.nodeId}`, {
          code: ErrorCode.BadRequest,
        });
      }
      this.#unsubscribe();
      await this.#transport.stop();
      this.#transport = options.transport;
      this.#unsubscribe = this.#transport.onMessage(this.#onMessage);
    }
    this.#state = 'running';
    const lost = this.#lost;
    this.#lost = [];
    if (options.reportLostExecutions !== false) {
      for (const entry of lost) {
        this.#transition(entry, 'Failed');
        const error = new BacalhauError(ExecutionRestartMessage, {
          failsExecution: true,
          component: 'Compute',
        });
        await this.#send(computeError(entry.execution, error, { now: this.#now() }));
      }
    }
    const response = await this.connect(options);
    this.#scheduleHeartbeat();
    return response;
  }

  /** Resolves once `executionId` is in `state` (or rejects after `timeoutMs` of real time). */
  waitForExecution(executionId: string, state: ExecutionStateType, timeoutMs = 5000): Promise<void> {
    if (this.executionState(executionId) === state) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.executionState(executionId) !== state) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `execution ${executionId} on ${this.nodeId} is ${this.executionState(executionId) ?? 'unknown'}, not ${state}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      this.#watchers.add(check);
    });
  }

  /** Graceful: cancels its timers and stops the transport (which sends a shutdown notice). Idempotent. */
  stop(options?: CallOptions): Promise<void> {
    this.#stopped ??= this.#stop(options);
    return this.#stopped;
  }

  async #stop(options?: CallOptions): Promise<void> {
    this.#state = 'stopped';
    this.#heartbeatTimer?.cancel();
    this.#heartbeatTimer = undefined;
    for (const entry of this.#executions.values()) entry.timer?.cancel();
    this.#unsubscribe();
    await this.#transport.stop(options);
  }

  // --- protocol ---------------------------------------------------------------------------------------

  readonly #onMessage = async (message: OrchestratorMessage): Promise<void> => {
    if (this.#record) this.received.push(message);
    if (this.#state !== 'running') return;
    switch (message.type) {
      case 'AskForBid':
        return this.#askForBid(message.payload.Execution);
      case 'BidAccepted':
        return this.#bidAccepted(message.payload.ExecutionID);
      case 'BidRejected': {
        const entry = this.#executions.get(message.payload.ExecutionID);
        if (entry?.state === 'New' || entry?.state === 'AskForBidAccepted')
          this.#transition(entry, 'BidRejected');
        return;
      }
      case 'CancelExecution': {
        const entry = this.#executions.get(message.payload.ExecutionID);
        if (entry === undefined || isTerminalExecutionState(entry.state)) return;
        entry.timer?.cancel();
        delete entry.timer;
        this.#transition(entry, 'Cancelled');
        return;
      }
    }
  };

  async #askForBid(execution: Execution): Promise<void> {
    if (this.#executions.has(execution.ID)) return;
    const entry: FakeExecution = { execution, state: 'New' };
    this.#executions.set(execution.ID, entry);
    const decision = decide(this.#bid, execution);
    switch (decision.action) {
      case 'accept':
        if (execution.DesiredState.StateType === 'Running') return this.#start(entry);
        this.#transition(entry, 'AskForBidAccepted');
        return this.#send(bidResult(execution, true));
      case 'reject':
        this.#transition(entry, 'AskForBidRejected');
        return this.#send(
          bidResult(execution, false, [
            newEvent(ComputeEventTopic.ExecutionScanning, decision.reason, { now: this.#now() }),
          ]),
        );
      case 'error':
        this.#transition(entry, 'Failed');
        return this.#send(computeError(execution, decision.error, { now: this.#now() }));
      case 'ignore':
        return;
    }
  }

  async #bidAccepted(executionId: string): Promise<void> {
    const entry = this.#executions.get(executionId);
    if (entry?.state !== 'AskForBidAccepted') return;
    return this.#start(entry);
  }

  async #start(entry: FakeExecution): Promise<void> {
    this.#transition(entry, 'BidAccepted');
    const decision = decide(this.#run, entry.execution);
    if (decision.action === 'hang') {
      this.#transition(entry, 'Running');
      return;
    }
    const finish = (): Promise<void> =>
      decision.action === 'complete' ? this.#complete(entry, decision) : this.#fail(entry, decision.error);
    if ((decision.afterMs ?? 0) <= 0) return finish();
    this.#transition(entry, 'Running');
    entry.timer = this.#clock.setTimer(decision.afterMs ?? 0, () => {
      delete entry.timer;
      if (this.#state === 'running' && entry.state === 'Running') void finish();
    });
  }

  #complete(entry: FakeExecution, decision: Extract<RunDecision, { action: 'complete' }>): Promise<void> {
    this.#transition(entry, 'Completed');
    const publisher = entry.execution.Job?.Tasks[0]?.Publisher?.Type ?? 'noop';
    return this.#send(
      runResult(
        entry.execution,
        {
          PublishResult: decision.publishResult ?? { Type: publisher },
          RunCommandResult: { ...emptyRunCommandResult(), ...decision.result },
        },
        [newEvent(ComputeEventTopic.Execution, 'Completed successfully', { now: this.#now() })],
      ),
    );
  }

  #fail(entry: FakeExecution, error: unknown): Promise<void> {
    this.#transition(entry, 'Failed');
    return this.#send(computeError(entry.execution, error, { now: this.#now() }));
  }

  // --- plumbing ---------------------------------------------------------------------------------------

  async #send(message: Outgoing<ComputeMessage>): Promise<void> {
    if (this.#record) this.sent.push(message);
    try {
      await this.#transport.send(message);
    } catch (err) {
      this.errors.push(err);
    }
  }

  #transition(entry: FakeExecution, state: ExecutionStateType): void {
    entry.state = state;
    for (const watcher of [...this.#watchers]) watcher();
    if (!this.#record && isTerminalExecutionState(state)) this.#executions.delete(entry.execution.ID);
  }

  #now(): Date {
    return new Date(this.#clock.now());
  }

  #assertRunning(): void {
    if (this.#state !== 'running') {
      throw new BacalhauError(`fake compute node ${this.nodeId} is ${this.#state}`, {
        code: ErrorCode.ServiceUnavailable,
      });
    }
  }

  #scheduleHeartbeat(): void {
    const interval = this.#heartbeatIntervalMs;
    if (interval === undefined || this.#state !== 'running') return;
    this.#heartbeatTimer?.cancel();
    this.#heartbeatTimer = this.#clock.setTimer(interval, () => {
      this.#heartbeatTimer = undefined;
      this.#scheduleHeartbeat();
      void this.#tick();
    });
  }

  async #tick(): Promise<void> {
    if (this.#state !== 'running') return;
    try {
      if (this.#transport.state === 'connected') await this.heartbeat();
      else if (this.#reconnect) await this.connect();
    } catch (err) {
      this.errors.push(err);
    }
  }
}

/** What the execution uses: as a compute node allocates it when it bids, its task's resources. */
function allocated(entry: FakeExecution): Resources {
  const tasks = Object.values(entry.execution.AllocatedResources?.Tasks ?? {});
  if (tasks.length > 0) return sumResources(tasks);
  const job = entry.execution.Job;
  return toResources(job === undefined ? undefined : jobTask(job)?.Resources);
}
