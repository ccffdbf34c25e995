/**
 * Re-evaluates jobs when compute nodes come and go (Bacalhau `pkg/orchestrator/nodes/reevaluator.go`).
 *
 * - A node **joins** (accepted handshake, or approval of a connected node): every in-progress daemon
 *   job (the new node may fit it), every job waiting in its queue backoff for capacity, and every job
 *   with an in-progress execution on that node gets a `node-join` evaluation.
 * - A node **leaves** (heartbeat timeout, shutdown notice, rejection, deletion): every job with an
 *   in-progress execution on that node gets a `node-leave` evaluation; the scheduler then fails those
 *   executions ("node has disappeared") and places the work elsewhere.
 *
 * Events are batched to spare the store and the broker an evaluation flood during node churn: the
 * latest event per node wins, and a batch is processed `batchDelayMs` after its first event, or at
 * once when it holds `maxBatchSize` nodes. One batch is one transaction and at most one evaluation per
 * job.
 *
 * Deliberate differences from Go:
 * - Go restarts its 15 s timer on every event (a debounce: steady churn can hold a batch back
 *   indefinitely); here the delay counts from a batch's first event, so latency is bounded.
 * - Go gives every job of a batch the trigger `node-join` as soon as the batch holds one join; here a
 *   job with an in-progress execution on a node that left gets `node-leave`, others `node-join`.
 * - Evaluations carry the job's priority (Go leaves 0), so the broker orders them like the job's others.
 * - Executions of every job version count (an old version still running on a lost node needs a
 *   decision too).
 * - `stop()` processes the pending batch instead of dropping it.
 * - Queued jobs are re-evaluated when a node joins; Go leaves them to their queue backoff (1 m).
 */
import { newJobEvaluation } from '../../models/evaluation.js';
import type { Clock, Timer } from '../../lib/clock.js';
import { EvalStatus, EvalTrigger, newEvaluationID } from '../../models/index.js';
import type { Evaluation, Job } from '../../models/index.js';
import type { JobStore, JobStoreTx } from '../../store/types.js';

export const ReEvaluatorDefaults = Object.freeze({
  /**
   * Go's `defaultBatchDelay` is 15 s. 2 s still folds a burst of node events into one batch, and keeps
   * node loss to rescheduling well under Bacalhau's (see DisconnectTimeout in ./options.ts).
   */
  batchDelayMs: 2_000,
  /** Go's `defaultMaxBatchSize`. */
  maxBatchSize: 50,
});

export interface ReEvaluatorOptions {
  store: JobStore;
  clock: Clock;
  /** How long a batch collects events; 0 processes on the next turn of the clock. Default 2 s. */
  batchDelayMs?: number;
  /** A batch with this many nodes is processed at once. Default 50. */
  maxBatchSize?: number;
  /** Evaluation IDs; default `v-<uuid>` as Go's `NewEvaluation`. */
  newEvaluationId?: () => string;
  /** Failures no caller receives (a batch whose transaction failed). Default: console.error. */
  onError?: (error: unknown) => void;
}

export type NodeEventKind = 'join' | 'leave';

export type ReEvaluatorState = 'running' | 'stopped';

/** Only the job fields an evaluation needs. */
type JobRef = Pick<Job, 'ID' | 'Namespace' | 'Type' | 'Priority'>;

export class NodeReEvaluator {
  readonly #store: JobStore;
  readonly #clock: Clock;
  readonly #batchDelayMs: number;
  readonly #maxBatchSize: number;
  readonly #newEvaluationId: () => string;
  readonly #onError: (error: unknown) => void;
  #pending = new Map<string, NodeEventKind>();
  #timer: Timer | undefined;
  /** The batches in flight, chained so they commit in order. */
  #chain: Promise<unknown> = Promise.resolve();
  #state: ReEvaluatorState = 'running';
  #stopped: Promise<void> | undefined;

  constructor(options: ReEvaluatorOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#batchDelayMs = Math.max(0, options.batchDelayMs ?? ReEvaluatorDefaults.batchDelayMs);
    this.#maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? ReEvaluatorDefaults.maxBatchSize));
    this.#newEvaluationId = options.newEvaluationId ?? newEvaluationID;
    this.#onError = options.onError ?? ((error) => console.error('node re-evaluator:', error));
  }

  get state(): ReEvaluatorState {
    return this.#state;
  }

  /** Nodes waiting in the current batch. */
  get pending(): number {
    return this.#pending.size;
  }

  nodeJoined(nodeId: string): void {
    this.#add(nodeId, 'join');
  }

  nodeLeft(nodeId: string): void {
    this.#add(nodeId, 'leave');
  }

  /**
   * Processes the current batch now (and waits for earlier ones). Resolves with the evaluations
   * created; a failed batch is reported to `onError` and resolves with none.
   */
  flush(): Promise<Evaluation[]> {
    this.#timer?.cancel();
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = new Map();
    const run = this.#chain.then(() => this.#process(batch));
    this.#chain = run;
    return run;
  }

  /** Stops taking events and processes what is pending. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#state = 'stopped';
      await this.flush();
    })();
    return this.#stopped;
  }

  #add(nodeId: string, kind: NodeEventKind): void {
    if (this.#state !== 'running') return;
    // Latest event per node wins; re-setting keeps the node's place in the batch.
    this.#pending.set(nodeId, kind);
    if (this.#pending.size >= this.#maxBatchSize) {
      void this.flush();
    } else {
      this.#timer ??= this.#clock.setTimer(this.#batchDelayMs, () => {
        this.#timer = undefined;
        void this.flush();
      });
    }
  }

  async #process(batch: ReadonlyMap<string, NodeEventKind>): Promise<Evaluation[]> {
    if (batch.size === 0) return [];
    try {
      return await this.#store.transaction((tx) => this.#evaluate(tx, batch), { background: true });
    } catch (err) {
      this.#onError(err);
      return [];
    }
  }

  #evaluate(tx: JobStoreTx, batch: ReadonlyMap<string, NodeEventKind>): Evaluation[] {
    const jobs = new Map<string, { job: JobRef; trigger: string }>();
    const executions = tx.listExecutions({
      nodeIDs: [...batch.keys()],
      inProgressOnly: true,
      allJobVersions: true,
      includeJob: true,
    });
    for (const execution of executions) {
      const job = execution.Job;
      if (job === undefined) continue;
      const trigger = batch.get(execution.NodeID) === 'leave' ? EvalTrigger.NodeLeave : EvalTrigger.NodeJoin;
      const known = jobs.get(job.ID);
      if (known === undefined || trigger === EvalTrigger.NodeLeave) jobs.set(job.ID, { job, trigger });
    }
    if ([...batch.values()].includes('join')) {
      for (const job of tx.listJobs({ type: 'daemon', inProgress: true }).items) {
        if (!jobs.has(job.ID)) jobs.set(job.ID, { job, trigger: EvalTrigger.NodeJoin });
      }
      for (const job of jobsWaitingForNodes(tx)) {
        if (!jobs.has(job.ID)) jobs.set(job.ID, { job, trigger: EvalTrigger.NodeJoin });
      }
    }
    const created: Evaluation[] = [];
    for (const { job, trigger } of jobs.values()) {
      created.push(tx.createEvaluation(evaluationFor(job, trigger, this.#newEvaluationId())));
    }
    return created;
  }
}

/**
 * Jobs that wait for capacity: those with a pending `job-queue` evaluation (set for their queue
 * backoff, 1 m by default). A joining node may fit them, so they are looked at now rather than at
 * the end of the backoff; their delayed evaluation then finds nothing left to do.
 */
function jobsWaitingForNodes(tx: JobStoreTx): JobRef[] {
  const waiting = new Map<string, JobRef>();
  for (const evaluation of tx.listEvaluations({ statuses: [EvalStatus.Pending] })) {
    if (evaluation.TriggeredBy !== EvalTrigger.JobQueue || waiting.has(evaluation.JobID)) continue;
    const { ID, Namespace, Type, Priority } = tx.getJob(evaluation.JobID);
    waiting.set(ID, { ID, Namespace, Type, Priority });
  }
  return [...waiting.values()];
}

function evaluationFor(job: JobRef, trigger: string, id: string): Evaluation {
  return newJobEvaluation(job, trigger, id);
}
