import { BoundedMap } from './bounded-map.js';

/** Values of more than this (~bytes) are heavy: kept apart, and only the last {@link HeavyEntries}. */
export const HeavyWeight = 64 * 1024;
const HeavyEntries = 16;

/**
 * Values by record ID, the least recently cached dropped first (half of them at a time: BoundedMap),
 * each valid while the record's key is the one it was cached under: the record's document itself
 * ({@link DecodedCache}), or a stamp that changes whenever the value does, for a value not worth reading
 * just to compare it (a document of megabytes, a value built from several).
 *
 * Heavy values (over {@link HeavyWeight}, by `weigh`) are kept in a cache of their own of a few
 * entries: a job spec carrying a WASM module inline weighs megabytes, and thousands of them kept as
 * ordinary entries filled the heap (3 GB after 3,000 jobs of 1 MiB each). The jobs in flight stay
 * cached; others are decoded again when read.
 *
 * Values are shared between every caller: never mutate one (hand out frozen values, or copies).
 */
export class KeyedCache<T> {
  readonly #entries: BoundedMap<string, { key: string; value: T }>;
  readonly #heavy = new BoundedMap<string, { key: string; value: T }>(HeavyEntries);
  readonly #weigh: (value: T, key: string) => number;

  /** `weigh` gives a value's approximate size in bytes; by default, that of its strings and numbers. */
  constructor(limit = 4096, weigh: (value: T, key: string) => number = approximateWeight) {
    this.#entries = new BoundedMap(limit);
    this.#weigh = weigh;
  }

  /** The value of record `id` cached under `key`; else `make`'s, cached under `key` from now on. */
  lookup(id: string, key: string, make: () => T): T {
    const cached = this.#entry(id);
    if (cached !== undefined && cached.key === key) return cached.value;
    const value = make();
    const heavy = this.#weigh(value, key) > HeavyWeight;
    // the record's previous value may be in the other map
    (heavy ? this.#entries : this.#heavy).delete(id);
    (heavy ? this.#heavy : this.#entries).set(id, { key, value });
    return value;
  }

  /**
   * The value last cached for record `id`, without checking its key: for owners that know the record
   * cannot have changed since (it is written once, through them).
   */
  peek(id: string): T | undefined {
    return this.#entry(id)?.value;
  }

  forget(id: string): void {
    this.#entries.delete(id);
    this.#heavy.delete(id);
  }

  #entry(id: string): { key: string; value: T } | undefined {
    return this.#entries.get(id) ?? this.#heavy.get(id);
  }
}

/**
 * About the bytes of a JSON-like value's strings (2 per character, as V8 may hold them) and numbers;
 * stops counting past {@link HeavyWeight}, all that matters.
 */
function approximateWeight(value: unknown): number {
  let weight = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && weight <= HeavyWeight) {
    const next = pending.pop();
    if (typeof next === 'string') weight += 2 * next.length;
    else if (typeof next === 'object' && next !== null) {
      weight += 8;
      for (const item of Array.isArray(next) ? next : Object.values(next)) pending.push(item);
    } else weight += 8;
  }
  return weight;
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

  /** A value weighs what its document does. */
  constructor(decode: (doc: string) => T, limit?: number) {
    super(limit, (_value, doc) => 2 * doc.length);
    this.#decode = decode;
  }

  /** The decoded `doc` of record `id`, from the cache when the document is the one cached. */
  get(id: string, doc: string): T {
    return this.lookup(id, doc, () => this.#decode(doc));
  }
}
