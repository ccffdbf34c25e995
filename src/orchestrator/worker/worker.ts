/**
 * One scheduling worker (Bacalhau `orchestrator.Worker`): a loop that takes one evaluation at a time
 * from the broker, loads what the scheduler needs, lets the scheduler build a plan, hands the plan to
 * the planner, and acknowledges the evaluation, or nacks it on any error so the broker delivers it again
 * later (and dead-letters it after its retry limit). An orchestrator runs several workers on one broker.
 *
 * Per evaluation:
 * 1. one `store.read` snapshot: the evaluation's stored status, the job at its latest version, every
 *    execution of every version, and the nodes (from a {@link NodeSource} read inside the same snapshot);
 * 2. `scheduler.process` (pure) → plan;
 * 3. `planner.process(plan)`: one transaction, which also marks the evaluation `complete`;
 * 4. `ack`.
 *
 * Skipped and acknowledged without scheduling: an evaluation whose job no longer exists (deleted with
 * it), and one the store already records as processed (a redelivery after its plan was committed).
 * Go nacks the first until it is dead-lettered and re-runs the second.
 *
 * Dequeue waits for work without polling (Go wakes every 5 s); when the broker is disabled the worker
 * retries with exponential backoff (1 s doubling to 30 s, as Go), and it ends when the broker stops.
 *
 * Lifecycle (design example 11): {@link Worker.create} starts the loop; {@link Worker.stop} (or the
 * `signal` option) ends it after the evaluation in hand, if any, is finished and acked. Idempotent.
 */
import { sleep, type Clock } from '../../lib/clock.js';
import { BacalhauError, ErrorCode, EvalStatus, type Evaluation, type Plan } from '../../models/index.js';
import type { JobStore } from '../../store/index.js';
import { BrokerErrorReason, type Delivery, type EvaluationBroker } from '../evaluation/index.js';
import type { Logger, Planner } from '../planner/index.js';
import { schedulerFor, type SchedulerInput, type SchedulerRegistry } from '../scheduler/index.js';
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
  /** First delay after a failed dequeue (broker disabled); doubles up to `dequeueMaxBackoffMs`. */
  readonly dequeueBaseBackoffMs: number;
  readonly dequeueMaxBackoffMs: number;
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

/** Go `defaultDequeueBaseBackoff` / `defaultDequeueMaxBackoff`. */
export const DefaultDequeueBaseBackoffMs = 1_000;
export const DefaultDequeueMaxBackoffMs = 30_000;

interface Loaded {
  readonly input?: Omit<SchedulerInput, 'now'>;
  readonly skip?: string;
}

export class Worker {
  readonly name: string;
  readonly #deps: WorkerDependencies;
  readonly #types: readonly string[];
  readonly #abort = new AbortController();
  #state: WorkerState = 'running';
  #loop: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  private constructor(deps: WorkerDependencies, options: WorkerOptions) {
    this.name = options.name ?? 'worker';
    this.#deps = deps;
    this.#types = Object.freeze(Object.keys(deps.schedulers));
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
   * Stops taking evaluations; resolves once the one in hand (if any) was acked or nacked and the loop
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
    let failures = 0;
    while (!signal.aborted) {
      let delivery: Delivery | undefined;
      try {
        delivery = await broker.dequeue(this.#types, { signal });
      } catch (err) {
        if (signal.aborted) break;
        if (reasonOf(err) === BrokerErrorReason.Stopped) {
          logger.debug('Evaluation broker stopped; worker ends', { Worker: this.name });
          break;
        }
        failures++;
        const delay = Math.min(
          this.#deps.dequeueMaxBackoffMs,
          this.#deps.dequeueBaseBackoffMs * 2 ** Math.min(failures - 1, 30),
        );
        logger.debug('Failed to dequeue an evaluation; backing off', {
          Worker: this.name,
          Error: messageOf(err),
          BackoffMs: delay,
        });
        try {
          await sleep(this.#deps.clock, delay, { signal });
        } catch {
          break; // aborted
        }
        continue;
      }
      failures = 0;
      if (delivery !== undefined) await this.#handle(delivery);
    }
    this.#state = 'stopped';
  }

  /** Processes one delivery and acks or nacks it. Never throws. */
  async #handle({ evaluation, receipt }: Delivery): Promise<void> {
    const { broker, logger, onOutcome } = this.#deps;
    let outcome: EvaluationOutcome;
    try {
      outcome = await this.#process(evaluation, receipt);
    } catch (err) {
      outcome = { result: 'nacked', evaluation, error: err };
    }

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

  async #process(evaluation: Evaluation, receipt: string): Promise<EvaluationOutcome> {
    const { store, nodes, schedulers, planner, clock } = this.#deps;
    const scheduler = schedulerFor(schedulers, evaluation.Type);
    const loaded = await store.read((tx): Loaded => {
      const stored = optional(() => tx.getEvaluation(evaluation.ID));
      if (stored !== undefined && stored.Status !== EvalStatus.Pending) {
        return { skip: `it was already processed (status ${stored.Status})` };
      }
      const job = optional(() => tx.getJob(evaluation.JobID));
      if (job === undefined) return { skip: `job ${evaluation.JobID} no longer exists` };
      return {
        input: {
          evaluation,
          receipt,
          job,
          executions: tx.listExecutions({ jobID: job.ID, allJobVersions: true }),
          nodes: nodes.nodes(),
        },
      };
    });
    if (loaded.input === undefined) {
      return { result: 'skipped', evaluation, reason: loaded.skip ?? '' };
    }
    const plan = scheduler.process({ ...loaded.input, now: clock.now() });
    await planner.process(plan);
    return { result: 'applied', evaluation, plan };
  }
}

/** The value, or undefined when the store says NotFound. */
function optional<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof BacalhauError && err.code === ErrorCode.NotFound) return undefined;
    throw err;
  }
}

/** The store moved on since the scheduler read it: expected under concurrency, retried by the nack. */
function isConflict(err: unknown): boolean {
  return (
    err instanceof BacalhauError &&
    (err.code === ErrorCode.ConflictJobRevision ||
      err.code === ErrorCode.ConflictJobState ||
      err.code === ErrorCode.ConcurrentUpdate)
  );
}

function reasonOf(err: unknown): string | undefined {
  return err instanceof BacalhauError ? err.details['Reason'] : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
