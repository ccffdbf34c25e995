/** Collects values pushed by a handler and lets a test wait until enough have arrived. */
export class Recorder<T> {
  readonly items: T[] = [];
  #waiters: { count: number; resolve: (items: T[]) => void }[] = [];

  push = (item: T): void => {
    this.items.push(item);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.items.length < waiter.count) return true;
      waiter.resolve([...this.items]);
      return false;
    });
  };

  /** Resolves with every item once there are at least `count`; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 5000): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve([...this.items]);
    return new Promise<T[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${count} items, have ${this.items.length}`));
      }, timeoutMs);
      const waiter = {
        count,
        resolve: (items: T[]) => {
          clearTimeout(timer);
          resolve(items);
        },
      };
      this.#waiters.push(waiter);
    });
  }
}

/** A promise with its resolve function, to hold a handler until a test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Lets pending deliveries run: a few event-loop turns, then `ms` of real time. */
export async function settle(ms = 30): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
}
