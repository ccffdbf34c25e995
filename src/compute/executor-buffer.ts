/**
 * The queue between an accepted bid and a running execution (Go's `ExecutorBuffer`): executions wait
 * here until the node's running capacity has room for their allocated resources. Higher job priority
 * first, then first come first served; a queued execution that fits may overtake a bigger one that does
 * not (as in Go), so small jobs are not stuck behind a large one.
 *
 * On a node that knows its GPUs (an inventory of all in its capacity), an execution asking for GPUs is given
 * particular free ones when it starts, as Go's `LocalTracker` does: its run sees them in its allocated
 * resources, and the executor hands those devices over (without, every task would get the first N).
 */
import {
  add,
  BacalhauError,
  ErrorCode,
  lessThanEq,
  sub,
  sumResources,
  zeroResources,
} from '../models/index.js';
import type { Execution, GPU, Resources } from '../models/index.js';

export const ExecutorBufferComponent = 'ExecutorBuffer';

/** Runs one execution to its end; the signal aborts when the execution is cancelled or the node stops. */
export type RunExecution = (execution: Execution, signal: AbortSignal) => Promise<void>;

export interface ExecutorBufferOptions {
  /** What running executions may use together (the node's max capacity). */
  capacity: () => Resources;
  run: RunExecution;
  /** A run that rejected (the runner records failures itself; this is for the unexpected). */
  onError: (error: unknown, execution: Execution) => void;
  /** A run ended and its capacity is free (and given to the queue, if it holds work that fits). */
  onFreed?: () => void;
}

interface Task {
  readonly execution: Execution;
  readonly resources: Resources;
}

interface RunningTask extends Task {
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

/** The resources an execution was allocated, all tasks together. */
export function allocatedResources(execution: Execution): Resources {
  return sumResources(Object.values(execution.AllocatedResources?.Tasks ?? {}));
}

/**
 * `wanted` with particular GPUs from `free` for those it asks for without naming them (Go's
 * `AddIfHasCapacity`); undefined when too few are free. `free` undefined: the node has no inventory
 * to choose from, and the count alone goes to the executor.
 */
export function assignGpus(wanted: Resources, free: readonly GPU[] | undefined): Resources | undefined {
  const named = wanted.GPUs ?? [];
  const unnamed = wanted.GPU - named.length;
  if (unnamed <= 0 || free === undefined) return wanted;
  if (unnamed > free.length) return undefined;
  return { ...wanted, GPUs: [...named, ...free.slice(0, unnamed)] };
}

/** The execution with `resources` as its one task's allocation (executions have one task). */
function allocating(execution: Execution, resources: Resources): Execution {
  const names = Object.keys(execution.AllocatedResources?.Tasks ?? {});
  if (names.length !== 1) return execution;
  return { ...execution, AllocatedResources: { Tasks: { [names[0]!]: resources } } };
}

export class ExecutorBuffer {
  readonly #options: ExecutorBufferOptions;
  /** Queued tasks in the order they may start: priority, then arrival (kept sorted on insert). */
  #queued: Task[] = [];
  readonly #queuedIDs = new Set<string>();
  readonly #running = new Map<string, RunningTask>();
  #used: Resources = zeroResources();
  #queuedUsage: Resources = zeroResources();
  #stopped = false;

  constructor(options: ExecutorBufferOptions) {
    this.#options = options;
  }

  /**
   * Queues an execution and starts what fits.
   * @throws BacalhauError (fails the execution) when it could never fit this node, or is already here.
   */
  enqueue(execution: Execution): void {
    const resources = allocatedResources(execution);
    if (!lessThanEq(resources, this.#options.capacity())) {
      throw new BacalhauError('not enough capacity to run job', {
        code: ErrorCode.ResourceExhausted,
        component: ExecutorBufferComponent,
        failsExecution: true,
      });
    }
    if (this.has(execution.ID)) {
      throw new BacalhauError(`execution ${execution.ID} already enqueued or running`, {
        code: ErrorCode.ExecutionAlreadyStarted,
        component: ExecutorBufferComponent,
      });
    }
    const task = { execution, resources };
    // after every task of the same or a higher priority: a deep queue is never sorted again
    const priority = execution.Job?.Priority ?? 0;
    let [low, high] = [0, this.#queued.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#queued[middle]!.execution.Job?.Priority ?? 0) >= priority) low = middle + 1;
      else high = middle;
    }
    this.#queued.splice(low, 0, task);
    this.#queuedIDs.add(execution.ID);
    this.#queuedUsage = add(this.#queuedUsage, resources);
    this.#dequeue();
  }

  has(executionID: string): boolean {
    return this.#running.has(executionID) || this.#queuedIDs.has(executionID);
  }

  /**
   * Takes a queued execution out, or aborts a running one and resolves when its run has ended.
   * Unknown IDs are ignored (the execution never reached the queue, or already left it).
   */
  async cancel(executionID: string): Promise<void> {
    if (this.#queuedIDs.delete(executionID)) {
      const index = this.#queued.findIndex((t) => t.execution.ID === executionID);
      const [task] = this.#queued.splice(index, 1);
      if (task !== undefined) this.#queuedUsage = sub(this.#queuedUsage, task.resources);
      return;
    }
    const running = this.#running.get(executionID);
    if (running === undefined) return;
    running.abort.abort();
    await running.done;
  }

  /** The executions running now, as they were enqueued. */
  runningExecutions(): Execution[] {
    return [...this.#running.values()].map((task) => task.execution);
  }

  get runningCount(): number {
    return this.#running.size;
  }

  get queuedCount(): number {
    return this.#queued.length;
  }

  /** Resources held by running executions. */
  get usedCapacity(): Resources {
    return this.#used;
  }

  /** Resources asked for by queued executions (heartbeats' `QueueUsedCapacity`). */
  get queuedCapacity(): Resources {
    return this.#queuedUsage;
  }

  /** Aborts every running execution and waits for their runs to end; nothing starts afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queued = [];
    this.#queuedIDs.clear();
    this.#queuedUsage = zeroResources();
    const running = [...this.#running.values()];
    for (const task of running) task.abort.abort();
    await Promise.all(running.map((task) => task.done));
  }

  #dequeue(): void {
    if (this.#stopped) return;
    const capacity = this.#options.capacity();
    // an inventory that covers every GPU of the capacity (one configured beyond what was detected
    // does not): only then can each GPU asked for be a particular one
    const inventory = capacity.GPU > 0 && (capacity.GPUs?.length ?? 0) >= capacity.GPU;
    // in queue order, anything that fits starts; one pass, whatever the queue's depth
    const starting: { queued: Task; started: Task }[] = [];
    this.#queued = this.#queued.filter((task) => {
      if (!lessThanEq(add(this.#used, task.resources), capacity)) return true;
      const free = inventory ? (sub(capacity, this.#used).GPUs ?? []) : undefined;
      const assigned = assignGpus(task.resources, free);
      if (assigned === undefined) return true;
      this.#used = add(this.#used, assigned);
      starting.push({
        queued: task,
        started: { execution: allocating(task.execution, assigned), resources: assigned },
      });
      return false;
    });
    for (const { queued, started } of starting) {
      this.#queuedIDs.delete(queued.execution.ID);
      this.#queuedUsage = sub(this.#queuedUsage, queued.resources);
      this.#start(started);
    }
  }

  #start(task: Task): void {
    const abort = new AbortController();
    const done = this.#options
      .run(task.execution, abort.signal)
      .catch((err: unknown) => this.#options.onError(err, task.execution))
      .finally(() => {
        this.#running.delete(task.execution.ID);
        this.#used = sub(this.#used, task.resources);
        this.#dequeue();
        this.#options.onFreed?.();
      });
    this.#running.set(task.execution.ID, { ...task, abort, done });
  }
}
