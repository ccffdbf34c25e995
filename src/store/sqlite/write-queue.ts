/**
 * The writes waiting for the store's next group commit (sqlite-store.ts), in two lines. Requests'
 * writes (the default) are all committed at the next turn of the event loop. Background writes
 * (`TransactionOptions.background`: a scheduler's plan, a compute node's update) come after them, and
 * while requests are arriving (one was queued in the last {@link RequestsRecentMs}) a turn applies
 * background writes for at most {@link BackgroundTurnMs}, one at least, and leaves the rest to the
 * next turn.
 *
 * Why: under load the scheduler queues far more writes a turn than the requests do (a plan per
 * evaluation, an update per message from a compute node), and a turn that committed them all held the
 * event loop, and every request that arrived meanwhile, for 6 ms at the median and 60 ms at worst
 * (1,000 submissions a second on this project's 2-core test machine). With the limit a submission was
 * answered in half the time (`bench:api`). The limit lifts once requests stop, because small commits
 * cost throughput: with it always on, `bench:orchestrator` completed a quarter fewer jobs a second.
 */
import type { JobStoreTx } from '../types.js';

/** One `transaction` call waiting for its commit. */
export interface QueuedWrite {
  readonly fn: (tx: JobStoreTx) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** How long a turn may spend applying background writes while requests are arriving. */
export const BackgroundTurnMs = 1;
/** For how long after a request's write background writes stay limited. */
export const RequestsRecentMs = 100;

export interface WriteQueueOptions {
  /** Called at the next turn of the event loop after a write is added; it commits a turn. */
  commit: () => void;
  /** Default {@link BackgroundTurnMs}. */
  backgroundTurnMs?: number;
  /** Milliseconds on a monotonic clock (tests). Default `performance.now`. */
  now?: () => number;
}

export class WriteQueue {
  readonly #requests: QueuedWrite[] = [];
  readonly #background: QueuedWrite[] = [];
  readonly #commit: () => void;
  readonly #backgroundTurnMs: number;
  readonly #now: () => number;
  #scheduled = false;
  #lastRequestAt = -Infinity;
  /** The current turn: whether its background writes are limited, and until when (from its first). */
  #limited = false;
  #backgroundUntil: number | undefined;

  constructor(options: WriteQueueOptions) {
    this.#commit = options.commit;
    this.#backgroundTurnMs = options.backgroundTurnMs ?? BackgroundTurnMs;
    this.#now = options.now ?? (() => performance.now());
  }

  add(write: QueuedWrite, background: boolean): void {
    (background ? this.#background : this.#requests).push(write);
    this.#schedule();
  }

  /** Starts a turn; `all` (a store closing) lifts the limit, so that {@link next} gives every write. */
  startTurn(all = false): void {
    const now = this.#now();
    if (this.#requests.length > 0) this.#lastRequestAt = now;
    this.#limited = !all && now - this.#lastRequestAt <= RequestsRecentMs;
    this.#backgroundUntil = undefined;
  }

  /**
   * Whether the turn has writes left. When only background writes are left and the turn's time for
   * them is up, it says no and has the next turn commit them.
   */
  more(): boolean {
    if (this.#requests.length > 0) return true;
    if (this.#background.length === 0) return false;
    if (this.#backgroundTimeLeft()) return true;
    this.#schedule();
    return false;
  }

  /** The turn's next write, taken off the queue: requests' first, then background ones (see {@link more}). */
  next(): QueuedWrite | undefined {
    const request = this.#requests.shift();
    if (request !== undefined || !this.#backgroundTimeLeft()) return request;
    const write = this.#background.shift();
    if (write !== undefined && this.#limited) this.#backgroundUntil ??= this.#now() + this.#backgroundTurnMs;
    return write;
  }

  /** Every waiting write, taken off the queue, requests' first. */
  takeAll(): QueuedWrite[] {
    return [...this.#requests.splice(0), ...this.#background.splice(0)];
  }

  #backgroundTimeLeft(): boolean {
    return this.#backgroundUntil === undefined || this.#now() < this.#backgroundUntil;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#commit();
    });
  }
}
