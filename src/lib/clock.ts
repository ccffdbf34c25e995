/**
 * An injectable clock: the current time and cancellable one-shot timers. Components that need time take
 * a `Clock` so tests can drive them with {@link ManualClock} instead of waiting on the wall clock.
 *
 * Times are milliseconds since the Unix epoch (as `Date.now()`); delays are milliseconds.
 */

/** A scheduled callback. `cancel()` is idempotent and harmless after the timer fired. */
export interface Timer {
  cancel(): void;
  /**
   * Housekeeping timers (forgetting old records) should not keep the process alive on their own:
   * after this, a pending timer no longer does. No-op on clocks that hold no process resources.
   */
  unref?(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Runs `callback` once, `delayMs` from now (a negative or NaN delay counts as 0). The callback runs on
   * its own turn of the event loop, never synchronously inside `setTimer`.
   */
  setTimer(delayMs: number, callback: () => void): Timer;
}

/** Node's setTimeout fires at once (with a warning) for delays above 2^31-1 ms: longer waits are chained. */
const MaxTimeoutMs = 2 ** 31 - 1;

function normaliseDelay(delayMs: number): number {
  return Number.isNaN(delayMs) || delayMs < 0 ? 0 : delayMs;
}

/** The wall clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): Timer {
    let handle: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    let unref = false;
    const due = Date.now() + normaliseDelay(delayMs);
    const arm = (): void => {
      const remaining = due - Date.now();
      handle = setTimeout(
        () => {
          handle = undefined;
          if (cancelled) return;
          if (due - Date.now() > 0 && remaining > MaxTimeoutMs) arm();
          else callback();
        },
        Math.min(Math.max(remaining, 0), MaxTimeoutMs),
      );
      if (unref) handle.unref();
    };
    arm();
    return {
      cancel(): void {
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
        handle = undefined;
      },
      unref(): void {
        unref = true;
        handle?.unref();
      },
    };
  },
});

/**
 * Resolves after `delayMs` on `clock`; rejects with the signal's reason (wrapped in an Error if it is
 * not one) when `signal` aborts first, at once if it is already aborted. The timer is cancelled on abort.
 */
export function sleep(clock: Clock, delayMs: number, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { signal } = options;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal));
    };
    const timer = clock.setTimer(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The signal's reason as an Error (it is a DOMException `AbortError` unless the aborter gave one). */
function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error(String(reason), { cause: reason });
}

interface ManualTimer {
  due: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. Timers fire during {@link advance} / {@link advanceAsync} /
 * {@link runAll}, in order of due time and, for equal due times, in the order they were set; `now()`
 * reads each timer's due time while it runs. Timers set while advancing fire in the same call if they
 * fall due within the window. Deterministic: no wall-clock time is involved.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: ManualTimer[] = [];

  /** @param start epoch milliseconds or a Date; default 2024-01-01T00:00:00Z. */
  constructor(start: number | Date = Date.UTC(2024, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const timer: ManualTimer = {
      due: this.#now + normaliseDelay(delayMs),
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: (): void => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
    };
  }

  /** Number of timers that have not fired and were not cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Due time of the next timer, or undefined when none is pending. */
  nextDue(): number | undefined {
    return this.#next()?.due;
  }

  /** Moves time forward by `ms` (≥ 0), firing every timer that falls due, synchronously. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock backwards or by NaN: ${ms}`);
    const target = this.#now + ms;
    for (let timer = this.#next(); timer !== undefined && timer.due <= target; timer = this.#next()) {
      this.#fire(timer);
    }
    this.#now = target;
  }

  /**
   * As {@link advance}, but lets pending promise callbacks and I/O callbacks run (one macrotask turn)
   * before the first timer, after each timer and at the end, so async code reacting to a timer runs
   * before the next one fires.
   */
  async advanceAsync(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock backwards or by NaN: ${ms}`);
    const target = this.#now + ms;
    await settle();
    for (let timer = this.#next(); timer !== undefined && timer.due <= target; timer = this.#next()) {
      this.#fire(timer);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /**
   * Moves time forward by `ms` (≥ 0) without firing anything, as for a process that stood still
   * (stopped, paused): the timers that fell due meanwhile fire late, at the next advance.
   */
  stall(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock backwards or by NaN: ${ms}`);
    this.#now += ms;
  }

  /** Fires timers until none is left (including timers they set); at most `limit` of them. */
  runAll(limit = 10_000): void {
    for (let fired = 0; ; fired++) {
      const timer = this.#next();
      if (timer === undefined) return;
      if (fired >= limit) throw new Error(`ManualClock.runAll: more than ${limit} timers fired`);
      this.#fire(timer);
    }
  }

  #next(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.#timers) {
      if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }

  #fire(timer: ManualTimer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    timer.cancelled = true;
    if (timer.due > this.#now) this.#now = timer.due;
    timer.callback();
  }
}

/**
 * Resolves after `turns` macrotask turns, so that a short chain of asynchronous steps (a write waiting
 * for the store's group commit, then the write that follows it) has run by then.
 */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
