/**
 * Housekeeping (Bacalhau `pkg/orchestrator/housekeeping.go`, reference §3.5): a periodic pass over the
 * in-progress batch and ops jobs that raises an evaluation for every job whose timeout has passed, so
 * timeouts are enforced even when nothing else happens to the job. The scheduler does the failing:
 *
 * - the job's `TotalTimeout` plus the buffer has passed since its version was submitted (its
 *   `CreateTime` for the first; see ../version-start.ts) → `job-timeout`
 *   evaluation ("job <id> timed out"); the scheduler fails the job ("Job timed out…");
 * - otherwise, an execution that is executing (BidAccepted, Running, Publishing) has not changed for
 *   longer than its execution timeout (`ExecutionTimeout`, falling back to `TotalTimeout`) plus the
 *   buffer → one `exec-timeout` evaluation for the job ("execution <id> timed out"); the scheduler
 *   fails the execution ("Execution timed out…") and places the partition again.
 *
 * Service and daemon jobs never time out. The buffer (`Orchestrator.Scheduler.HousekeepingTimeout`,
 * 2 m) leaves compute nodes, which enforce execution timeouts themselves, time to report first.
 *
 * Lifecycle (design example 11): `create` arms the timer on the injected clock (a pass every
 * `Orchestrator.Scheduler.HousekeepingInterval`, 30 s); a tick that finds the previous pass still
 * running is skipped, as Go's ticker drops ticks; `stop()` is idempotent and waits for the pass in
 * flight. `runOnce()` runs a pass now (tests, operators).
 *
 * Deliberate differences from Go:
 * - An evaluation is not created when the job already has a pending one with the same trigger (one
 *   housekeeping raised earlier that the scheduler has not processed yet), so a busy or stopped
 *   scheduler does not accumulate one evaluation per job per pass.
 * - Executions of every job version count (Go looks at the latest version only), as the scheduler
 *   enforces timeouts on every live execution.
 * - Each page of jobs is read in one snapshot and its evaluations written in one transaction, which
 *   re-checks that the job still exists and is not terminal (Go writes each evaluation on its own, from
 *   a list read earlier).
 */
import { newJobEvaluation } from '../../models/evaluation.js';
import { type Timer } from '../../lib/clock.js';
import {
  BacalhauError,
  ErrorCode,
  EvalStatus,
  EvalTrigger,
  executionTimeoutSeconds,
  isExecutingExecutionState,
  isLongRunningJob,
  isTerminalJob,
  JobType,
  NanosPerSecond,
  type Evaluation,
  type Job,
  unlessNotFound,
} from '../../models/index.js';
import type { JobStoreReader } from '../../store/types.js';
import { versionSubmitTime } from '../version-start.js';
import {
  compileHousekeepingOptions,
  HousekeepingComponent,
  type CompiledHousekeepingOptions,
  type HousekeepingOptions,
  type HousekeepingPass,
} from './options.js';

export type HousekeepingState = 'running' | 'stopping' | 'stopped';

const NanosPerMs = 1e6;

/** A job found past a deadline, with the evaluation it needs. */
interface TimedOut {
  readonly jobID: string;
  readonly trigger: typeof EvalTrigger.JobTimeout | typeof EvalTrigger.ExecTimeout;
  readonly comment: string;
}

export class Housekeeping {
  readonly #o: CompiledHousekeepingOptions;
  #timer: Timer | undefined;
  #pass: Promise<HousekeepingPass> | undefined;
  #state: HousekeepingState = 'running';
  #stopped: Promise<void> | undefined;

  private constructor(options: CompiledHousekeepingOptions) {
    this.#o = options;
  }

  /**
   * Arms the pass timer; the first pass runs one interval from now.
   * @throws BacalhauError (ValidationError) for invalid options
   */
  static create(options: HousekeepingOptions): Promise<Housekeeping> {
    // A throw in the executor (invalid options) rejects the promise.
    return new Promise((resolve) => {
      const housekeeping = new Housekeeping(compileHousekeepingOptions(options));
      housekeeping.#arm();
      resolve(housekeeping);
    });
  }

  get state(): HousekeepingState {
    return this.#state;
  }

  /**
   * Runs one pass now (or joins the one in flight) and resolves with what it did.
   * @throws BacalhauError (ServiceUnavailable) after `stop()`; the store's errors
   */
  runOnce(): Promise<HousekeepingPass> {
    if (this.#state !== 'running') {
      return Promise.reject(
        new BacalhauError('housekeeping is stopped', {
          code: ErrorCode.ServiceUnavailable,
          component: HousekeepingComponent,
        }),
      );
    }
    this.#pass ??= this.#run().finally(() => {
      this.#pass = undefined;
    });
    return this.#pass;
  }

  /** Cancels the timer and waits for the pass in flight. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#state = 'stopping';
      this.#timer?.cancel();
      this.#timer = undefined;
      await this.#pass?.catch(() => undefined);
      this.#state = 'stopped';
    })();
    return this.#stopped;
  }

  #arm(): void {
    this.#timer = this.#o.clock.setTimer(this.#o.intervalMs, () => {
      this.#timer = undefined;
      if (this.#state !== 'running') return;
      this.#arm();
      if (this.#pass !== undefined) return; // the previous pass is still running: skip this tick
      this.runOnce().then(
        (pass) => this.#report(pass),
        (err: unknown) => this.#o.onError(err),
      );
    });
  }

  #report(pass: HousekeepingPass): void {
    try {
      this.#o.onPass?.(pass);
    } catch (err) {
      this.#o.onError(err);
    }
  }

  async #run(): Promise<HousekeepingPass> {
    const { store, pageSize } = this.#o;
    const time = this.#o.clock.now();
    const nowNs = time * NanosPerMs;
    const evaluations: Evaluation[] = [];
    let jobsChecked = 0;
    // Every deadline is the buffer or more after the job's creation (an execution's clock starts
    // later): younger jobs cannot be late, and are not read. The types are chosen in the query, so a
    // page reads (and decodes) only the jobs it checks, however many are in progress.
    const createdBefore = nowNs - this.#o.timeoutBufferMs * NanosPerMs;
    for (const type of [JobType.Batch, JobType.Ops]) {
      let offset: number | undefined = 0;
      while (offset !== undefined && this.#state === 'running') {
        const pageOffset: number = offset;
        const page = await store.read((tx) => {
          const jobs = tx.listJobs({
            inProgress: true,
            type,
            createdBefore,
            limit: pageSize,
            offset: pageOffset,
          });
          return {
            found: this.#timedOut(tx, jobs.items, nowNs),
            checked: jobs.items.length,
            next: jobs.nextOffset,
          };
        });
        jobsChecked += page.checked;
        offset = page.next;
        if (page.found.length > 0) evaluations.push(...(await this.#enqueue(page.found)));
      }
    }
    return Object.freeze({ time, jobsChecked, evaluations: Object.freeze(evaluations) });
  }

  /** The jobs of one snapshot whose total or execution timeout (plus the buffer) has passed. */
  #timedOut(tx: JobStoreReader, jobs: readonly Job[], nowNs: number): TimedOut[] {
    const bufferNs = this.#o.timeoutBufferMs * NanosPerMs;
    const found: TimedOut[] = [];
    for (const job of jobs) {
      if (isTerminalJob(job) || isLongRunningJob(job)) continue;
      const timeouts = job.Tasks[0]?.Timeouts ?? {};
      const total = timeouts.TotalTimeout ?? 0;
      if (total > 0 && versionSubmitTime(tx, job) < nowNs - (total * NanosPerSecond + bufferNs)) {
        found.push({ jobID: job.ID, trigger: EvalTrigger.JobTimeout, comment: `job ${job.ID} timed out` });
        continue;
      }
      const perExecution = executionTimeoutSeconds(timeouts);
      if (perExecution <= 0) continue;
      const deadline = nowNs - (perExecution * NanosPerSecond + bufferNs);
      const expired = tx
        .listExecutions({ jobID: job.ID, inProgressOnly: true, allJobVersions: true })
        .find((e) => isExecutingExecutionState(e.ComputeState.StateType) && e.ModifyTime < deadline);
      if (expired !== undefined) {
        found.push({
          jobID: job.ID,
          trigger: EvalTrigger.ExecTimeout,
          comment: `execution ${expired.ID} timed out`,
        });
      }
    }
    return found;
  }

  /**
   * Creates the evaluations in one transaction, skipping jobs that were deleted or finished since the
   * read and jobs that already have a pending evaluation with the same trigger.
   */
  #enqueue(found: readonly TimedOut[]): Promise<Evaluation[]> {
    return this.#o.store.transaction(
      (tx) => {
        const created: Evaluation[] = [];
        for (const item of found) {
          const job = unlessNotFound(() => tx.getJob(item.jobID));
          if (job === undefined || isTerminalJob(job)) continue;
          const pending = tx.listEvaluations({ jobID: job.ID, statuses: [EvalStatus.Pending] });
          if (pending.some((e) => e.TriggeredBy === item.trigger)) continue;
          created.push(
            tx.createEvaluation(
              newJobEvaluation(job, item.trigger, this.#o.newEvaluationId(), { comment: item.comment }),
            ),
          );
        }
        return created;
      },
      { background: true },
    );
  }
}
