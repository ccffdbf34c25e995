/**
 * Where the milliseconds of one job go: named marks, in ms since the submission, from the
 * orchestrator's store (each commit's changes, as its listeners see them), from the executor (through
 * {@link timedExecutor}) and from the client. One job is followed at a time; changes of other jobs
 * (late updates of the previous one) are ignored.
 */
import type { Executor } from '../../src/executor/types.js';
import type { StoreChange, StoreChangeListener } from '../../src/store/index.js';
import { intercept } from '../../src/lib/intercept.js';

export type Marks = Record<string, number>;

export class Timeline {
  #jobID: string | undefined;
  #marks: Marks = {};
  /** Execution ID → job ID, for the executor's `wait`, which names only the execution. */
  readonly #executions = new Map<string, string>();

  /** Starts following a new job; its ID is learnt from the store's `JobCreated`. */
  begin(): void {
    this.#jobID = undefined;
    this.#marks = {};
  }

  /**
   * The first time `name` happens (later repeats say nothing new), at `performance.now()` or `at`;
   * ignored when `jobID` names another job than the one followed.
   */
  mark(name: string, jobID?: string, at = performance.now()): void {
    if (jobID !== undefined && jobID !== this.#jobID) return;
    this.#marks[name] ??= at;
  }

  /** As `mark`, for something that happens more than once: `name`, then `name #2`, `name #3`, ... */
  markEach(name: string, jobID?: string, at = performance.now()): void {
    let n = 1;
    while (this.#marks[n === 1 ? name : `${name} #${n}`] !== undefined) n++;
    this.mark(n === 1 ? name : `${name} #${n}`, jobID, at);
  }

  /** The marks of the job followed since `begin`, in ms since `origin` (when it was submitted). */
  marks(origin: number): Marks {
    return Object.fromEntries(Object.entries(this.#marks).map(([name, at]) => [name, at - origin]));
  }

  readonly onStoreChange: StoreChangeListener = (changes) => {
    for (const change of changes) this.#storeMark(change);
  };

  #storeMark(change: StoreChange): void {
    if (change.type === 'JobCreated') {
      this.#jobID ??= change.job.ID;
      this.mark('store: job created', change.job.ID);
    } else if (change.type === 'JobStateUpdated') {
      this.mark(`store: job ${change.job.State.StateType}`, change.job.ID);
    } else if (change.type === 'ExecutionCreated') {
      this.mark('store: execution created', change.execution.JobID);
    } else if (change.type === 'ExecutionUpdated') {
      // the compute node's progress; desired-state changes are the orchestrator's own decisions
      const state = change.execution.ComputeState.StateType;
      if (state !== change.previous.ComputeState.StateType) {
        this.mark(`store: execution ${state}`, change.execution.JobID);
      }
    }
  }

  /** Marks when the compute node calls the executor, when the task is launched, and when it ended. */
  timedExecutor<E extends Executor>(executor: E): E {
    const started = async (...args: Parameters<Executor['start']>): Promise<void> => {
      const [request] = args;
      this.#executions.set(request.executionID, request.jobID);
      this.mark('executor: start called', request.jobID);
      await executor.start(...args);
      this.mark('executor: task launched', request.jobID);
    };
    const waited = async (...args: Parameters<Executor['wait']>) => {
      const result = await executor.wait(...args);
      const jobID = this.#executions.get(args[0]);
      if (jobID !== undefined) this.mark('executor: result', jobID);
      return result;
    };
    return intercept(executor, { start: started, wait: waited } as Partial<E>);
  }
}
