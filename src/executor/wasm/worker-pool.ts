/**
 * Worker threads started ahead of the executions that will use them. Starting a thread (Node's
 * bootstrap, loading node:wasi) takes 20–30 ms of CPU, far longer than a small module runs; a spare
 * that is already up only has to be handed its task.
 *
 * A worker whose task ended by itself (it exited or trapped, see run-worker.ts) is given back and
 * runs later tasks: each task gets its own WASI instance, module instances and memory, and its files
 * are closed when it ends, so nothing of it is left for the next one; reusing the thread saves the
 * next task the 20–30 ms of CPU a replacement would cost (on two busy cores that was most of a small
 * job's CPU). A worker that was killed, died, or ended holding much memory is terminated instead,
 * and a new spare replaces it `refillDelayMs` after it exited: a thread booting at once would take
 * CPU from what the execution's end sets off (its result stored, reported, read by the client);
 * measured on two busy cores, booting 20 ms later made a hello-world job ~10 ms faster.
 * All workers are alike (the memory limit is written into each module's binary, see memory-limit.ts,
 * not into the worker's `resourceLimits`), so one pool serves every task.
 *
 * Bounded and lazy: at most `spares` idle workers; none before the first `take`; spares unused for
 * `idleMs` are terminated, so an idle node holds no threads. Idle spares are unref'd: they never keep
 * the process alive. `stop` terminates them; a `take` after it gets a fresh worker and leaves no spare.
 */
import type { Clock, Timer } from '../../lib/clock.js';

/** What the pool needs of a worker (a `node:worker_threads` Worker has it). */
export interface PoolWorker {
  ref(): void;
  unref(): void;
  terminate(): Promise<unknown>;
  on(event: 'error' | 'exit', listener: () => void): unknown;
  once(event: 'exit', listener: () => void): unknown;
  off(event: 'error' | 'exit', listener: () => void): unknown;
}

export interface WorkerPoolOptions<W extends PoolWorker> {
  /** Starts a worker that waits for its task. */
  spawn: () => W;
  /** Most idle workers kept; 0 makes every `take` start a fresh worker. */
  spares: number;
  /** How long after a taken worker exited its replacement starts. */
  refillDelayMs: number;
  /** Spares unused this long are terminated. */
  idleMs: number;
  clock: Clock;
}

interface Spare<W> {
  worker: W;
  /** Drops the spare from the pool when it dies idle (it should not; a crash must not be handed out). */
  onGone: () => void;
}

export class WorkerPool<W extends PoolWorker> {
  readonly #o: WorkerPoolOptions<W>;
  /** Most recently used first: a given-back worker's code is the warmest. */
  #spares: Spare<W>[] = [];
  /** Taken workers, with the listener that refills the pool once they exit. */
  readonly #taken = new Map<W, () => void>();
  #refillTimer: Timer | undefined;
  #idleTimer: Timer | undefined;
  #stopped = false;

  constructor(options: WorkerPoolOptions<W>) {
    this.#o = options;
  }

  /** Idle workers ready to be taken. */
  get idle(): number {
    return this.#spares.length;
  }

  /**
   * A started worker for one execution, now the caller's: a spare when there is one, else a fresh
   * one. The caller either gives it back ({@link giveBack}) or terminates it; once a taken worker has
   * exited, the spares are topped up.
   */
  take(): W {
    const spare = this.#spares.shift();
    let worker: W;
    if (spare === undefined) worker = this.#o.spawn();
    else {
      this.#release(spare);
      worker = spare.worker;
      worker.ref();
    }
    const onExit = (): void => {
      this.#taken.delete(worker);
      this.#scheduleRefill();
    };
    worker.once('exit', onExit);
    this.#taken.set(worker, onExit);
    return worker;
  }

  /**
   * Takes back a worker whose task ended cleanly, as a spare for the next `take`; terminated instead
   * when the pool is stopped or already holds `spares` idle workers. Ignores a worker it did not hand
   * out or already got back.
   */
  giveBack(worker: W): void {
    const onExit = this.#taken.get(worker);
    if (onExit === undefined) return;
    this.#taken.delete(worker);
    worker.off('exit', onExit);
    if (this.#stopped || this.#spares.length >= this.#o.spares) {
      void worker.terminate();
      return;
    }
    this.#addSpare(worker, 'first');
    this.#armIdleTimer();
  }

  /** Terminates the idle workers; later takes start fresh ones. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#refillTimer?.cancel();
    await this.#terminateSpares();
  }

  #scheduleRefill(): void {
    if (this.#stopped || this.#o.spares <= 0 || this.#refillTimer !== undefined) return;
    this.#refillTimer = this.#o.clock.setTimer(this.#o.refillDelayMs, () => {
      this.#refillTimer = undefined;
      this.#refill();
    });
    this.#refillTimer.unref?.();
  }

  #refill(): void {
    if (this.#stopped) return;
    while (this.#spares.length < this.#o.spares) this.#addSpare(this.#o.spawn(), 'last');
    this.#armIdleTimer();
  }

  /** (Re)starts the countdown after which the idle spares are terminated. */
  #armIdleTimer(): void {
    this.#idleTimer?.cancel();
    this.#idleTimer = this.#o.clock.setTimer(this.#o.idleMs, () => void this.#terminateSpares());
    this.#idleTimer.unref?.();
  }

  #addSpare(worker: W, at: 'first' | 'last'): void {
    worker.unref();
    const spare: Spare<W> = {
      worker,
      onGone: () => {
        this.#spares = this.#spares.filter((s) => s !== spare);
        this.#release(spare);
      },
    };
    worker.on('error', spare.onGone);
    worker.on('exit', spare.onGone);
    if (at === 'first') this.#spares.unshift(spare);
    else this.#spares.push(spare);
  }

  #release(spare: Spare<W>): void {
    spare.worker.off('error', spare.onGone);
    spare.worker.off('exit', spare.onGone);
  }

  async #terminateSpares(): Promise<void> {
    this.#idleTimer?.cancel();
    this.#idleTimer = undefined;
    const spares = this.#spares.splice(0);
    spares.forEach((s) => this.#release(s));
    await Promise.allSettled(spares.map((s) => s.worker.terminate()));
  }
}
