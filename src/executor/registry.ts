/**
 * The bookkeeping every executor shares (Go keeps a `SyncMap` of handlers in each executor): which
 * executions exist, duplicate-start refusal, waiting, cancellation, the timeout, log streams, and
 * forgetting finished executions after a retention period. An engine only supplies `launch`: start the
 * task, honour the abort signal, and settle with the result.
 */
import { raceSignals } from '../lib/abort.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { RunCommandResult } from '../models/execution.js';
import {
  executionAlreadyComplete,
  executionAlreadyStarted,
  executionCancelled,
  executionNotFound,
  executionTimedOut,
} from './errors.js';
import type { LogFile } from './log-file.js';
import type { LogChunk, LogStreamOptions } from './types.js';

/** What `launch` returns once the task runs. */
export interface LaunchedExecution {
  log: LogFile;
  /** Settles when the task ended and its result layout is written, or when it stopped after an abort. */
  done: Promise<RunCommandResult>;
  /**
   * Settles when the task itself ended, where the engine still works after it (WASM writes copied
   * inputs back): the timeout bounds the task, not the node's work after it.
   */
  taskEnded?: Promise<unknown>;
}

/** Why an execution's signal was aborted. */
type StopReason = 'cancelled' | 'timeout';

interface Entry {
  state: 'starting' | 'running' | 'finished';
  controller: AbortController;
  stopReason?: StopReason;
  /** Resolves with the log once running; rejects when the start failed. */
  started: Promise<LogFile>;
  /** The outcome waiters see; a timeout settles it at once, before the stopped task ended. */
  outcome: Promise<RunCommandResult>;
  /** Settles once the run is over: ended by itself, or stopped (what `cancel` waits for). */
  ended: Promise<void>;
  timers: Timer[];
}

export interface ExecutionRegistryOptions {
  clock: Clock;
  /** How long a finished execution stays known (for late waits and log reads). */
  retainFinishedMs: number;
  /**
   * The most finished executions known at once (at least 1); past it, the longest finished is
   * forgotten early. Each holds its result (by default up to 2 KB of stdout and of stderr) for
   * `retainFinishedMs`: unbounded, a node ending hundreds of executions a second would hold gigabytes
   * after an hour. A forgotten one's log is still served from its file (compute/logstream.ts); a
   * second `start` of it is no longer refused here, the compute node's store being what keeps an
   * execution from running twice.
   */
  retainFinishedMax: number;
}

export class ExecutionRegistry {
  readonly #entries = new Map<string, Entry>();
  /** The finished entries, longest finished first (a Map keeps insertion order). */
  readonly #finished = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #retainFinishedMs: number;
  readonly #retainFinishedMax: number;

  constructor(options: ExecutionRegistryOptions) {
    this.#clock = options.clock;
    this.#retainFinishedMs = options.retainFinishedMs;
    if (!Number.isInteger(options.retainFinishedMax) || options.retainFinishedMax < 1) {
      // 0 would forget an execution before the `wait` that follows its `start`
      throw new RangeError(
        `retainFinishedMax must be a whole number of at least 1, not ${options.retainFinishedMax}`,
      );
    }
    this.#retainFinishedMax = options.retainFinishedMax;
  }

  /**
   * Registers the execution, then runs `launch` with a signal that aborts on cancel or timeout. The ID
   * is reserved while `launch` prepares, so a concurrent start is refused; if `launch` throws, the ID
   * is released and the error rethrown.
   */
  async start(
    executionID: string,
    timeoutMs: number | undefined,
    launch: (signal: AbortSignal) => Promise<LaunchedExecution>,
  ): Promise<void> {
    const existing = this.#entries.get(executionID);
    if (existing !== undefined) {
      throw existing.state === 'finished'
        ? executionAlreadyComplete(executionID)
        : executionAlreadyStarted(executionID);
    }
    const started = deferred<LogFile>();
    const outcome = deferred<RunCommandResult>();
    const ended = deferred<void>();
    const entry: Entry = {
      state: 'starting',
      controller: new AbortController(),
      started: started.promise,
      outcome: outcome.promise,
      ended: ended.promise,
      timers: [],
    };
    // the timeout counts from here: the launch (an image pull) is part of the run it bounds
    const startedAt = this.#clock.now();
    // nobody may be waiting: rejections are delivered to waiters, never left unhandled
    entry.started.catch(() => undefined);
    entry.outcome.catch(() => undefined);
    this.#entries.set(executionID, entry);

    let launched: LaunchedExecution;
    try {
      launched = await launch(entry.controller.signal);
    } catch (err) {
      this.#entries.delete(executionID);
      started.reject(err);
      outcome.reject(err);
      ended.resolve();
      throw err;
    }
    entry.state = 'running';
    started.resolve(launched.log);
    if (timeoutMs !== undefined && timeoutMs > 0) {
      const leftMs = Math.max(0, timeoutMs - (this.#clock.now() - startedAt));
      const timeout = this.#clock.setTimer(leftMs, () => {
        // Waiters hear of it now, as Go's wait returns when its context's deadline passes; the task
        // is still being stopped (a container gets a grace period), which `cancel` waits for.
        if (this.#stop(entry, 'timeout')) outcome.reject(executionTimedOut(timeoutMs));
      });
      entry.timers.push(timeout);
      const endTimeout = () => timeout.cancel();
      launched.taskEnded?.then(endTimeout, endTimeout);
    }
    launched.done
      .then(
        (result) => this.#finish(executionID, entry, outcome, () => outcome.resolve(result)),
        (err: unknown) => this.#finish(executionID, entry, outcome, () => outcome.reject(err)),
      )
      .finally(() => ended.resolve());
  }

  /** See {@link Executor.wait}. */
  wait(executionID: string, signal?: AbortSignal): Promise<RunCommandResult> {
    const entry = this.#entries.get(executionID);
    if (entry === undefined) return Promise.reject(executionNotFound(executionID, 'waiting on execution'));
    return raceSignals(entry.outcome, [signal], abortError);
  }

  /** See {@link Executor.cancel}; a timed-out execution's cancel waits for its stop. */
  async cancel(executionID: string, signal?: AbortSignal): Promise<void> {
    const entry = this.#entries.get(executionID);
    if (entry === undefined) throw executionNotFound(executionID, 'cancelling execution');
    if (entry.state === 'finished') return;
    this.#stop(entry, 'cancelled');
    await raceSignals(entry.ended, [signal], abortError);
  }

  /** Cancels every execution that has not finished; resolves once they all stopped. */
  async cancelAll(): Promise<void> {
    const unfinished = [...this.#entries].filter(([, entry]) => entry.state !== 'finished');
    await Promise.allSettled(unfinished.map(([executionID]) => this.cancel(executionID)));
  }

  /** See {@link Executor.getLogStream}. */
  async *logStream(executionID: string, options: LogStreamOptions = {}): AsyncGenerator<LogChunk> {
    const entry = this.#entries.get(executionID);
    if (entry === undefined) throw executionNotFound(executionID, 'getting logs of execution');
    const log = await raceSignals(entry.started, [options.signal], abortError);
    yield* log.read(options);
  }

  /** Whether this stopped it (not finished, nor stopped before). */
  #stop(entry: Entry, reason: StopReason): boolean {
    if (entry.state === 'finished' || entry.stopReason !== undefined) return false;
    entry.stopReason = reason;
    entry.controller.abort(reason);
    return true;
  }

  #finish(executionID: string, entry: Entry, outcome: Deferred<RunCommandResult>, settle: () => void): void {
    entry.state = 'finished';
    entry.timers.forEach((t) => t.cancel());
    // a stopped execution's own result (a killed runtime) is not what happened: the stop is (a
    // timeout's waiters were told when it came)
    if (entry.stopReason === 'cancelled') outcome.reject(executionCancelled(executionID));
    else if (entry.stopReason === undefined) settle();
    const forget = this.#clock.setTimer(this.#retainFinishedMs, () => this.#forget(executionID, entry));
    // Forgetting is housekeeping: a stopped node must be able to exit before the hour is up.
    forget.unref?.();
    entry.timers = [forget];
    this.#finished.set(executionID, entry);
    for (const [oldestID, oldest] of this.#finished) {
      if (this.#finished.size <= this.#retainFinishedMax) break;
      this.#forget(oldestID, oldest);
    }
  }

  #forget(executionID: string, entry: Entry): void {
    entry.timers.forEach((t) => t.cancel());
    if (this.#entries.get(executionID) === entry) this.#entries.delete(executionID);
    if (this.#finished.get(executionID) === entry) this.#finished.delete(executionID);
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
