/**
 * Worker threads started ahead of the executions that will use them. Starting a thread (Node's
 * bootstrap, loading node:wasi) takes 20–30 ms of CPU, far longer than a small module runs; a spare
 * that is already up only has to be handed its task.
 *
 * Isolation comes first: a worker runs one execution and is then terminated, never reused (a module
 * could leave files open, memory grown, WASI state behind). A new spare replaces it `refillDelayMs`
 * after it exited: a thread booting at once would take CPU from what the execution's end sets off
 * (its result stored, reported, read by the client); measured on two busy cores, booting 20 ms later
 * made a hello-world job ~10 ms faster. Back-to-back executions meanwhile take the other spares.
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
  #spares: Spare<W>[] = [];
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
   * A started worker for one execution, now the caller's (it must terminate it): a spare when there is
   * one, else a fresh one. Once it has exited, the spares are topped up.
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
    worker.once('exit', () => this.#scheduleRefill());
    return worker;
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
    while (this.#spares.length < this.#o.spares) this.#addSpare();
    this.#idleTimer?.cancel();
    this.#idleTimer = this.#o.clock.setTimer(this.#o.idleMs, () => void this.#terminateSpares());
    this.#idleTimer.unref?.();
  }

  #addSpare(): void {
    const worker = this.#o.spawn();
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
    this.#spares.push(spare);
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
