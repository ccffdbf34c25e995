/**
 * The scheduler seam (Bacalhau `orchestrator.Scheduler`, `orchestrator.RetryStrategy`): a scheduler
 * turns one evaluation into one {@link Plan}. It is a pure function of plain data (the evaluation, the
 * job, its executions, the nodes and the time) and performs no I/O: the worker loads the inputs, the
 * planner applies the plan in one transaction. Schedulers hold business logic only.
 */
import type { Evaluation, Execution, Job, JobType, NodeState, Plan } from '../../models/index.js';
import type { NodeSelector } from '../selection/index.js';

/** Everything a scheduler reads, loaded by the caller before `process`. */
export interface SchedulerInput {
  /** The evaluation being processed; its ID, priority and trigger go into the plan. */
  readonly evaluation: Evaluation;
  /** The broker's receipt for this delivery, copied to `Plan.EvalReceipt`. Default ''. */
  readonly receipt?: string;
  /** The job at its latest version. Its `ID` must be `evaluation.JobID`. */
  readonly job: Job;
  /** Every execution of the job, of every version, as stored. */
  readonly executions: readonly Execution[];
  /**
   * Every node the orchestrator knows, with membership and connection state. Executions on nodes that
   * are missing here or not CONNECTED are considered lost. Pass the same frozen array while the nodes do
   * not change (the worker's node cache does): what is derived from it is then computed once per array.
   */
  readonly nodes: readonly NodeState[];
  /** The time of the decision: epoch milliseconds (as `Clock.now()`) or a Date. */
  readonly now: number | Date;
  /**
   * When the job's current version was submitted, Unix ns (`versionSubmitTime`): the total and queue
   * timeouts count from it. Default the job's `CreateTime`.
   */
  readonly versionSubmitTime?: number;
}

export interface Scheduler {
  /**
   * Decides what to do for one evaluation. Pure: no I/O, no clock, no shared state; the same input gives
   * the same plan up to generated IDs (see {@link IdGenerator}) and the selector's random choices (jitter,
   * node samples; seeded in tests). Never mutates its input.
   *
   * @throws BacalhauError (InternalError) when `job.ID` is not the evaluation's job, or when node
   *   ranking throws (a job validation should have refused); the worker nacks the evaluation.
   */
  process(input: SchedulerInput): Plan;
}

/** What a retry strategy is told when a job with failed executions needs new ones. */
export interface RetryRequest {
  readonly jobID: string;
  readonly job: Job;
  /** Failed executions of every version, including those this plan fails. */
  readonly failedExecutions: readonly Execution[];
}

/** Whether a job whose executions failed may get new ones (Bacalhau `orchestrator.RetryStrategy`). */
export interface RetryStrategy {
  shouldRetry(request: RetryRequest): boolean;
}

/** Sources of new IDs; injectable so tests and replays can make plans fully deterministic. */
export interface IdGenerator {
  /** `e-<uuid>` by default. */
  execution(): string;
  /** `v-<uuid>` by default. */
  evaluation(): string;
}

/** `Orchestrator.Scheduler.QueueBackoff`: 1 minute. */
export const DefaultQueueBackoffMs = 60_000;
/** Bacalhau's `SystemConfig.MaxExecutionsPerEval`. */
export const DefaultMaxExecutionsPerEval = 20;
/** Bacalhau's `SystemConfig.ExecutionLimitBackoff`: 100 ms. */
export const DefaultExecutionLimitBackoffMs = 100;

export interface SchedulerOptions {
  /** Ranks and filters nodes. Default: Bacalhau's ranker chain (`createDefaultNodeRanker`). */
  selector?: NodeSelector;
  /**
   * How long a job that could not get enough nodes waits before it is evaluated again (the `job-queue`
   * evaluation's `WaitUntil`). Milliseconds, ≥ 0. Default {@link DefaultQueueBackoffMs}.
   */
  queueBackoffMs?: number;
  /**
   * Most executions one evaluation creates, and most old-version executions it cancels; beyond it an
   * `exec-limit` evaluation continues the work. An integer; 0 or less means no limit. Default
   * {@link DefaultMaxExecutionsPerEval}.
   */
  maxExecutionsPerEval?: number;
  /** Delay of the `exec-limit` evaluation. Milliseconds, ≥ 0. Default {@link DefaultExecutionLimitBackoffMs}. */
  executionLimitBackoffMs?: number;
  /** Consulted before replacing failed batch/service executions. Default: always retry. */
  retryStrategy?: RetryStrategy;
  ids?: IdGenerator;
}

export interface CompiledSchedulerOptions {
  readonly selector: NodeSelector;
  readonly queueBackoffMs: number;
  readonly maxExecutionsPerEval: number;
  readonly executionLimitBackoffMs: number;
  readonly retryStrategy: RetryStrategy;
  readonly ids: IdGenerator;
}

/** The schedulers by job type (the evaluation's `Type`), as wire strings. */
export type SchedulerRegistry = Readonly<Record<JobType, Scheduler>>;
