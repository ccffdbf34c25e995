/**
 * When each ended execution's folders are removed (`retainOutputMs` after it ended): the due removals
 * in a heap, with one timer armed for the soonest. A timer each, held for the hour, cost ~305 bytes
 * per execution besides its ID, an entry here ~65 (measured with 100,000 one-hour removals): on a node
 * that ends 200 WASM executions a second, ~220 MB against ~47 MB.
 */
import type { Clock, Timer } from '../lib/clock.js';
import { Heap } from '../lib/heap.js';

interface DueRemoval {
  readonly atMs: number;
  readonly executionID: string;
}

export class RemovalSchedule {
  readonly #clock: Clock;
  readonly #remove: (executionID: string) => void;
  readonly #due = new Heap<DueRemoval>((a, b) => a.atMs < b.atMs);
  /** The timer for the soonest removal, and when it fires. */
  #armed: { timer: Timer; atMs: number } | undefined;
  #stopped = false;

  /** @param remove called once for each removal that falls due, on a timer's turn of the event loop */
  constructor(clock: Clock, remove: (executionID: string) => void) {
    this.#clock = clock;
    this.#remove = remove;
  }

  /** Removals scheduled and not yet due. */
  get size(): number {
    return this.#due.size;
  }

  /** Schedules `executionID`'s removal `delayMs` from now (at once for 0 or less). */
  add(executionID: string, delayMs: number): void {
    if (this.#stopped) return;
    const atMs = this.#clock.now() + Math.max(0, delayMs);
    this.#due.push({ atMs, executionID });
    if (this.#armed === undefined || atMs < this.#armed.atMs) this.#arm();
  }

  /** Drops every scheduled removal; later ones are refused (a restarted node sweeps what is left). */
  stop(): void {
    this.#stopped = true;
    this.#armed?.timer.cancel();
    this.#armed = undefined;
    this.#due.drain();
  }

  #arm(): void {
    this.#armed?.timer.cancel();
    const next = this.#due.peek();
    if (next === undefined) {
      this.#armed = undefined;
      return;
    }
    const timer = this.#clock.setTimer(next.atMs - this.#clock.now(), () => this.#fire());
    timer.unref?.();
    this.#armed = { timer, atMs: next.atMs };
  }

  #fire(): void {
    this.#armed = undefined;
    const now = this.#clock.now();
    for (let next = this.#due.peek(); next !== undefined && next.atMs <= now; next = this.#due.peek()) {
      this.#due.pop();
      this.#remove(next.executionID);
    }
    if (!this.#stopped) this.#arm();
  }
}
