/**
 * A set of listeners told of something in registration order, each isolated from the others' failures
 * (a listener that throws is logged, the rest still hear of it).
 */
import type { Unsubscribe } from './types.js';

export class Listeners<Args extends unknown[]> {
  readonly #what: string;
  readonly #listeners = new Set<(...args: Args) => void>();

  /** `what` names the listeners in the log line of a failure. */
  constructor(what: string) {
    this.#what = what;
  }

  add(listener: (...args: Args) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(...args: Args): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch (err) {
        console.error(`transport: ${this.#what} listener failed`, err);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
