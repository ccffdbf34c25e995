/**
 * Decoded documents by record ID, least recently decoded dropped first. Decoding a stored document
 * costs far more than comparing it with the one decoded last time, and stores read the same few
 * records over and over while a job moves through its states (the orchestrator's store, records it
 * reads for itself; the compute store, an execution's job spec). An entry is valid only while the
 * record's document is unchanged, so `get` needs nothing invalidated: a stale entry is simply not used.
 *
 * Values are shared between every caller: never mutate one (hand them out only frozen).
 */
export class DecodedCache<T> {
  readonly #entries = new Map<string, { doc: string; value: T }>();
  readonly #decode: (doc: string) => T;
  readonly #limit: number;

  constructor(decode: (doc: string) => T, limit = 4096) {
    this.#decode = decode;
    this.#limit = limit;
  }

  /** The decoded `doc` of record `id`, from the cache when the document is the one cached. */
  get(id: string, doc: string): T {
    const cached = this.#entries.get(id);
    if (cached !== undefined && cached.doc === doc) return cached.value;
    const value = this.#decode(doc);
    this.#entries.delete(id);
    this.#entries.set(id, { doc, value });
    if (this.#entries.size > this.#limit) {
      // Maps iterate in insertion order: the first key is the least recently decoded.
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return value;
  }

  /**
   * The value last decoded for record `id`, without checking it against the stored document: for
   * owners that know the document cannot have changed since (it is written once, through them).
   */
  peek(id: string): T | undefined {
    return this.#entries.get(id)?.value;
  }

  forget(id: string): void {
    this.#entries.delete(id);
  }
}
