/**
 * Work under way that a component's stop waits for (a write no caller awaits, a removal after the
 * result): each promise is forgotten once it settles, and {@link InFlight.settled} waits until none is
 * left, including work added while it waits.
 */
export class InFlight {
  readonly #work = new Set<Promise<unknown>>();

  /** Tracks `work`, which must not reject: catch (and report) its failures first. */
  add(work: Promise<unknown>): void {
    const tracked = work.finally(() => this.#work.delete(tracked));
    this.#work.add(tracked);
  }

  async settled(): Promise<void> {
    while (this.#work.size > 0) await Promise.all(this.#work);
  }
}
