/**
 * Asynchronous, ordered, one-at-a-time delivery for the in-memory transport, without a timer per
 * message: every mailbox with work waits in one ready list, and a single `setImmediate` turn drains the
 * ready mailboxes. A turn delivers at most the messages a mailbox held when the turn reached it, so a
 * ping-pong between two handlers yields to I/O between turns instead of starving the event loop.
 */
import { Deque } from '../lib/deque.js';

// Captured at load so that tests faking timers (vi.useFakeTimers) do not freeze message delivery.
const setImmediateReal = globalThis.setImmediate;
const clearImmediateReal = globalThis.clearImmediate;

export class DeliveryScheduler {
  #ready: Mailbox<unknown>[] = [];
  #immediate: NodeJS.Immediate | undefined;
  #stopped = false;

  schedule(mailbox: Mailbox<unknown>): void {
    if (this.#stopped) return;
    this.#ready.push(mailbox);
    this.#immediate ??= setImmediateReal(this.#turn);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#immediate !== undefined) clearImmediateReal(this.#immediate);
    this.#immediate = undefined;
    this.#ready = [];
  }

  readonly #turn = (): void => {
    this.#immediate = undefined;
    const batch = this.#ready;
    this.#ready = [];
    for (const mailbox of batch) mailbox.drain();
  };
}

/**
 * Delivers items in order, one at a time: `process` may return a promise, and the next item waits for
 * it. `process` must not throw or reject (it handles its own errors). Items wait while `ready()` says
 * no (no handler registered); call `kick()` when that changes.
 */
export class Mailbox<T> {
  readonly #scheduler: DeliveryScheduler;
  readonly #process: (item: T) => void | Promise<void>;
  readonly #ready: () => boolean;
  readonly #items = new Deque<T>();
  #scheduled = false;
  #inFlight: Promise<void> | undefined;
  #closed = false;

  constructor(
    scheduler: DeliveryScheduler,
    process: (item: T) => void | Promise<void>,
    ready: () => boolean,
  ) {
    this.#scheduler = scheduler;
    this.#process = process;
    this.#ready = ready;
  }

  get length(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.kick();
  }

  /** Drops every waiting item; a delivery in progress completes. */
  clear(): void {
    this.#items.clear();
  }

  /** Final: drops waiting items and accepts no more. */
  close(): void {
    this.#closed = true;
    this.#items.clear();
  }

  /** Resolves when no delivery is in progress. */
  async idle(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
  }

  kick(): void {
    if (this.#scheduled || this.#inFlight !== undefined || this.#items.length === 0 || this.#closed) return;
    if (!this.#ready()) return;
    this.#scheduled = true;
    this.#scheduler.schedule(this as Mailbox<unknown>);
  }

  drain(): void {
    this.#scheduled = false;
    let budget = this.#items.length;
    while (budget-- > 0 && this.#inFlight === undefined && !this.#closed && this.#ready()) {
      if (this.#items.length === 0) break;
      const item = this.#items.shift() as T;
      const result = this.#process(item);
      if (result !== undefined) {
        this.#inFlight = result.then(() => {
          this.#inFlight = undefined;
          this.kick();
        });
        return;
      }
    }
    this.kick();
  }
}
