/**
 * One scheduling worker (Bacalhau `orchestrator.Worker`): a loop that takes evaluations from the
 * broker, loads what the scheduler needs, lets the scheduler build a plan, hands the plan to the
 * planner, and acknowledges the evaluation, or nacks it on any error so the broker delivers it again
 * later (and dead-letters it after its retry limit). An orchestrator runs several workers on one broker.
 *
 * Batches: a Go worker blocks on each evaluation's database write, so Go scales with `WorkerCount`
 * goroutines. Here a worker waiting for a commit would leave the event loop idle, so it takes the
 * evaluation it waited for plus whatever else is ready at that moment (up to `batchSize`, each a delivery
 * of its own, at most one per job as the broker guarantees), and processes them side by side: their
 * plans are applied by separate transactions that the store commits together (group commit), instead
 * of one commit per evaluation.
 *
 * Per batch:
 * 1. one `store.read` snapshot: for each evaluation its stored status, the job at its latest version,
 *    every execution of every version, and the nodes (from a {@link NodeSource} read inside the same
 *    snapshot);
 * 2. per evaluation: `scheduler.process` (pure) → plan; `planner.process(plan)`: one transaction, which
 *    also marks the evaluation `complete`;
 * 3. per evaluation: `ack`, or `nack` when its own load, scheduling or plan failed.
 *
 * Skipped and acknowledged without scheduling: an evaluation whose job no longer exists (deleted with
 * it), and one the store already records as processed (a redelivery after its plan was committed).
 * Go nacks the first until it is dead-lettered and re-runs the second. Also skipped, and recorded
 * `canceled`: a `job-queue` evaluation when a newer one of the same job is pending. Each queue retry that
 * finds no room delays the next, so a job looked at again while it waited (rerun after a stop, a node
 * that joined and did not fit it) would otherwise keep two retry chains until it is placed or times out.
 * The broker's collapse of superseded evaluations does not catch this: the two never wait ready at once.
 *
 * Dequeue waits for work without polling (Go wakes every 5 s); the worker ends when the broker stops
 * (Go's backoff while the broker is disabled is not needed: this broker is never disabled).
 *
 * Lifecycle (design example 11): {@link Worker.create} starts the loop; {@link Worker.stop} (or the
 * `signal` option) ends it after the batch in hand, if any, is finished and acked. Idempotent.
 */
import type { Clock } from '../../lib/clock.js';
import {
  BacalhauError,
  ErrorCode,
  EvalStatus,
  EvalTrigger,
  type Evaluation,
  type Plan,
  unlessNotFound,
} from '../../models/index.js';
import type { JobStore, JobStoreReader } from '../../store/index.js';
import type { Delivery, EvaluationBroker } from '../evaluation/index.js';
import type { Logger, Planner } from '../planner/index.js';
import { schedulerFor, type SchedulerInput, type SchedulerRegistry } from '../scheduler/index.js';
import { versionSubmitTime } from '../version-start.js';
import { markIfPending } from './evaluation-status.js';
import type { NodeSource } from './node-cache.js';

/** What happened to one delivery; reported to `onOutcome` after the ack or nack. */
export type EvaluationOutcome =
  | { readonly result: 'applied'; readonly evaluation: Evaluation; readonly plan: Plan }
  | { readonly result: 'skipped'; readonly evaluation: Evaluation; readonly reason: string }
  | { readonly result: 'nacked'; readonly evaluation: Evaluation; readonly error: unknown };

/** Everything a worker uses, shared by all workers of a pool. */
export interface WorkerDependencies {
  readonly store: JobStore;
  readonly broker: EvaluationBroker;
  readonly schedulers: SchedulerRegistry;
  readonly planner: Planner;
  readonly nodes: NodeSource;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Most evaluations a worker processes together; default {@link DefaultWorkerBatchSize}. */
  readonly batchSize?: number;
  /** Called after each delivery was acked or nacked. Must not throw. */
  readonly onOutcome?: (outcome: EvaluationOutcome) => void;
}

export interface WorkerOptions {
  /** A name for logs. */
  name?: string;
  /** Aborting stops the worker, as {@link Worker.stop}. */
  signal?: AbortSignal;
}

export type WorkerState = 'running' | 'stopping' | 'stopped';

/**
 * Enough for the plans of a batch to share their commit's fixed cost; small enough that a batch does
 * not hold the event loop for long: scheduling and committing an evaluation takes ~0.6 ms, and the API
 * shares the loop. With `PUT /jobs` at 2,000/s (more than the scheduler keeps up with), batches of 64
 * held the loop ~40 ms at a time and submissions waited ~1.7 s (p50); batches of 8 answer them in
 * ~22 ms (p50, p99 ~55 ms), for ~8% fewer jobs completed per second at full load (three runs each of
 * bench:orchestrator: 778 against 847 jobs/s).
 */
export const DefaultWorkerBatchSize = 8;

/** What the snapshot gave for one delivery: the scheduler's input, a reason to skip it, or an error. */
type Loaded =
  | { readonly input: Omit<SchedulerInput, 'now'> }
  | { readonly skip: string; readonly cancel?: true }
  | { readonly error: unknown };

export class Worker {
  readonly name: string;
  readonly #deps: WorkerDependencies;
  readonly #types: readonly string[];
  readonly #batchSize: number;
  readonly #abort = new AbortController();
  #state: WorkerState = 'running';
  #loop: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  private constructor(deps: WorkerDependencies, options: WorkerOptions) {
    this.name = options.name ?? 'worker';
    this.#deps = deps;
    this.#types = Object.freeze(Object.keys(deps.schedulers));
    this.#batchSize = Math.max(1, Math.floor(deps.batchSize ?? DefaultWorkerBatchSize));
  }

  /** Starts a worker on `deps.broker`. Never rejects; the loop reports its problems to the logger. */
  static create(deps: WorkerDependencies, options: WorkerOptions = {}): Promise<Worker> {
    const worker = new Worker(deps, options);
    worker.#loop = worker.#run();
    const { signal } = options;
    if (signal !== undefined) {
      if (signal.aborted) void worker.stop();
      else signal.addEventListener('abort', () => void worker.stop(), { once: true });
    }
    return Promise.resolve(worker);
  }

  get state(): WorkerState {
    return this.#state;
  }

  /**
   * Stops taking evaluations; resolves once those in hand (if any) were acked or nacked and the loop
   * ended. Idempotent.
   */
  stop(): Promise<void> {
    if (this.#stopping === undefined) {
      if (this.#state === 'running') this.#state = 'stopping';
      this.#abort.abort();
      this.#stopping = this.#loop.then(() => {
        this.#state = 'stopped';
      });
    }
    return this.#stopping;
  }

  async #run(): Promise<void> {
    const { broker, logger } = this.#deps;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let delivery: Delivery | undefined;
      try {
        delivery = await broker.dequeue(this.#types, { signal });
      } catch {
        // a dequeue fails only when the broker stops or this worker's signal aborts
        if (!signal.aborted) logger.debug('Evaluation broker stopped; worker ends', { Worker: this.name });
        break;
      }
      if (delivery === undefined) continue;
      const batch = [delivery, ...broker.dequeueReady(this.#types, this.#batchSize - 1)];
      const outcomes = await this.#processBatch(batch);
      outcomes.forEach((outcome, i) => this.#settle(batch[i] as Delivery, outcome));
    }
    this.#state = 'stopped';
  }

  /** Acks or nacks one delivery by its outcome, and reports the outcome. Never throws. */
  #settle({ evaluation, receipt }: Delivery, outcome: EvaluationOutcome): void {
    const { broker, logger, onOutcome } = this.#deps;
    if (outcome.result === 'nacked') {
      const { error } = outcome;
      const fields = {
        Worker: this.name,
        EvalID: evaluation.ID,
        JobID: evaluation.JobID,
        Error: messageOf(error),
        ...(error instanceof BacalhauError ? { ErrorCode: error.code } : {}),
      };
      if (isConflict(error)) logger.warn(`Plan of evaluation ${evaluation.ID} conflicts; will retry`, fields);
      else logger.error(`Failed to process evaluation ${evaluation.ID}`, fields);
      try {
        broker.nack(evaluation.ID, receipt);
      } catch (err) {
        logger.error(`Failed to nack evaluation ${evaluation.ID}`, {
          Worker: this.name,
          Error: messageOf(err),
        });
      }
    } else {
      if (outcome.result === 'skipped') {
        logger.debug(`Evaluation ${evaluation.ID} skipped: ${outcome.reason}`, { Worker: this.name });
      }
      try {
        broker.ack(evaluation.ID, receipt);
      } catch (err) {
        logger.error(`Failed to ack evaluation ${evaluation.ID}`, {
          Worker: this.name,
          Error: messageOf(err),
        });
      }
    }
    try {
      onOutcome?.(outcome);
    } catch (err) {
      logger.error('onOutcome threw', { Worker: this.name, Error: messageOf(err) });
    }
  }

  /**
   * Loads the batch in one snapshot, then schedules and applies each evaluation; the plans' transactions
   * are queued in the same turn and so share a commit. One outcome per delivery, in order; never throws.
   */
  async #processBatch(batch: readonly Delivery[]): Promise<EvaluationOutcome[]> {
    const { store, nodes, planner, clock } = this.#deps;
    let loaded: Loaded[];
    try {
      loaded = await store.read((tx) =>
        batch.map(({ evaluation, receipt }) => load(tx, nodes, evaluation, receipt)),
      );
    } catch (err) {
      return batch.map(({ evaluation }) => ({ result: 'nacked', evaluation, error: err }));
    }
    return Promise.all(
      batch.map(async ({ evaluation }, i): Promise<EvaluationOutcome> => {
        const snapshot = loaded[i] as Loaded;
        if ('error' in snapshot) return { result: 'nacked', evaluation, error: snapshot.error };
        if ('skip' in snapshot) {
          if (snapshot.cancel === true) {
            const comment = { ...evaluation, Comment: snapshot.skip };
            try {
              await store.transaction((tx) => markIfPending(tx, comment, EvalStatus.Cancelled), {
                background: true,
              });
            } catch (err) {
              return { result: 'nacked', evaluation, error: err };
            }
          }
          return { result: 'skipped', evaluation, reason: snapshot.skip };
        }
        try {
          const scheduler = schedulerFor(this.#deps.schedulers, evaluation.Type);
          const plan = scheduler.process({ ...snapshot.input, now: clock.now() });
          await planner.process(plan);
          return { result: 'applied', evaluation, plan };
        } catch (err) {
          return { result: 'nacked', evaluation, error: err };
        }
      }),
    );
  }
}

/** What the scheduler needs for one evaluation, read inside the batch's snapshot. Never throws. */
function load(tx: JobStoreReader, nodes: NodeSource, evaluation: Evaluation, receipt: string): Loaded {
  try {
    const stored = unlessNotFound(() => tx.getEvaluation(evaluation.ID));
    if (stored !== undefined && stored.Status !== EvalStatus.Pending) {
      return { skip: `it was already processed (status ${stored.Status})` };
    }
    // Shared, not copied: the scheduler never mutates its input.
    const job = unlessNotFound(() => tx.peekJob(evaluation.JobID));
    if (job === undefined) return { skip: `job ${evaluation.JobID} no longer exists` };
    const newer = newerQueueEvaluation(tx, evaluation);
    if (newer !== undefined) {
      return { skip: `job-queue evaluation ${newer.ID} of the same job is newer`, cancel: true };
    }
    return {
      input: {
        evaluation,
        receipt,
        job,
        executions: tx.listExecutions({ jobID: job.ID, allJobVersions: true }),
        nodes: nodes.nodes(),
        versionSubmitTime: versionSubmitTime(tx, job),
      },
    };
  } catch (err) {
    return { error: err };
  }
}

/** For a `job-queue` evaluation, a pending `job-queue` evaluation of its job created after it. */
function newerQueueEvaluation(tx: JobStoreReader, evaluation: Evaluation): Evaluation | undefined {
  if (evaluation.TriggeredBy !== EvalTrigger.JobQueue) return undefined;
  return tx
    .listEvaluations({ jobID: evaluation.JobID, statuses: [EvalStatus.Pending] })
    .find(
      (other) =>
        other.TriggeredBy === EvalTrigger.JobQueue &&
        (other.CreateTime > evaluation.CreateTime ||
          (other.CreateTime === evaluation.CreateTime && other.ID > evaluation.ID)),
    );
}

/** The value, or undefined when the store says NotFound. */
/** The store moved on since the scheduler read it: expected under concurrency, retried by the nack. */
function isConflict(err: unknown): boolean {
  return (
    err instanceof BacalhauError &&
    (err.code === ErrorCode.ConflictJobRevision ||
      err.code === ErrorCode.ConflictJobState ||
      err.code === ErrorCode.ConcurrentUpdate)
  );
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
