import { BoundedMap } from './bounded-map.js';

/**
 * Values by record ID, the least recently cached dropped first (half of them at a time: BoundedMap),
 * each valid while the record's key is the one it was cached under: the record's document itself
 * ({@link DecodedCache}), or a stamp that changes whenever the value does, for a value not worth reading
 * just to compare it (a document of megabytes, a value built from several).
 *
 * Values are shared between every caller: never mutate one (hand out frozen values, or copies).
 */
export class KeyedCache<T> {
  readonly #entries: BoundedMap<string, { key: string; value: T }>;

  constructor(limit = 4096) {
    this.#entries = new BoundedMap(limit);
  }

  /** The value of record `id` cached under `key`; else `make`'s, cached under `key` from now on. */
  lookup(id: string, key: string, make: () => T): T {
    const cached = this.#entries.get(id);
    if (cached !== undefined && cached.key === key) return cached.value;
    const value = make();
    this.#entries.set(id, { key, value });
    return value;
  }

  /**
   * The value last cached for record `id`, without checking its key: for owners that know the record
   * cannot have changed since (it is written once, through them).
   */
  peek(id: string): T | undefined {
    return this.#entries.get(id)?.value;
  }

  forget(id: string): void {
    this.#entries.delete(id);
  }
}

/**
 * Decoded documents by record ID. Decoding a stored document costs far more than comparing it with the
 * one decoded last time, and stores read the same few records over and over while a job moves through
 * its states (the orchestrator's store, records it reads for itself; the compute store, an execution's
 * job spec). An entry is valid only while the record's document is unchanged, so `get` needs nothing
 * invalidated: a stale entry is simply not used.
 */
export class DecodedCache<T> extends KeyedCache<T> {
  readonly #decode: (doc: string) => T;

  constructor(decode: (doc: string) => T, limit?: number) {
    super(limit);
    this.#decode = decode;
  }

  /** The decoded `doc` of record `id`, from the cache when the document is the one cached. */
  get(id: string, doc: string): T {
    return this.lookup(id, doc, () => this.#decode(doc));
  }
}
