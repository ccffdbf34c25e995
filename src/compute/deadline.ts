/**
 * A task's `ExecutionTimeout`, counted from when the runner takes the execution up, as Go counts it (its
 * whole run is under one context deadline): a slow input download cannot hold the node's slot past it,
 * and what is left of it bounds the task itself.
 */
import type { Clock, Timer } from '../lib/clock.js';

export class Deadline {
  readonly #controller = new AbortController();
  readonly #timer: Timer;
  readonly #endsAt: number;
  readonly #clock: Clock;

  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#endsAt = clock.now() + timeoutMs;
    this.#timer = clock.setTimer(timeoutMs, () => this.#controller.abort());
  }

  /** Aborts when the time is up. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds left (0 or less: up). */
  remainingMs(): number {
    return this.#endsAt - this.#clock.now();
  }

  cancel(): void {
    this.#timer.cancel();
  }
}
