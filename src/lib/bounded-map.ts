/**
 * A Map that holds at most `limit` entries, in two generations of `limit / 2`: when the newer one is
 * full, it becomes the older one and the older one's entries are dropped. The entries set most
 * recently (at least the last `limit / 2`) are always kept; setting an entry again makes it recent.
 * For caches whose hot entries are the ones just written (a record moving through its states), where
 * recency of writes is a good enough stand-in for use and reads cost one or two lookups.
 *
 * Why generations rather than dropping the single oldest entry on every set: a full Map that deletes
 * and inserts at every set keeps rehashing itself (V8 compacts a table that collected deleted
 * entries). At the orchestrator's size (32,768 entries, a backlog of thousands of jobs) that cost
 * ~50 µs per job in three such maps against ~4 µs this way (measured with a job-like pattern of sets),
 * and the orchestrator benchmark's CPU per job fell 7–13% with it: a generation is dropped whole.
 */
export class BoundedMap<K, V> {
  #newer = new Map<K, V>();
  /** Never holds a key that `#newer` holds: set moves it. */
  #older = new Map<K, V>();
  readonly #generation: number;
  /** With a limit of 1 there is room for one generation only. */
  readonly #keepsOlder: boolean;

  constructor(limit: number) {
    const bounded = Math.max(1, Math.floor(limit));
    this.#generation = Math.max(1, Math.floor(bounded / 2));
    this.#keepsOlder = bounded >= 2;
  }

  get size(): number {
    return this.#newer.size + this.#older.size;
  }

  get(key: K): V | undefined {
    // one lookup on the common hit: a key held by neither map, or by the newer one with the value
    // undefined, is not in the older one either
    const value = this.#newer.get(key);
    return value !== undefined ? value : this.#older.get(key);
  }

  /** Sets `key` as one of the most recent entries; may drop the older generation to make room. */
  set(key: K, value: V): void {
    if (!this.#newer.has(key)) {
      if (this.#newer.size >= this.#generation) {
        this.#older = this.#keepsOlder ? this.#newer : new Map<K, V>();
        this.#newer = new Map<K, V>();
      } else {
        this.#older.delete(key);
      }
    }
    this.#newer.set(key, value);
  }

  delete(key: K): void {
    this.#newer.delete(key);
    this.#older.delete(key);
  }

  clear(): void {
    this.#newer.clear();
    this.#older.clear();
  }
}
