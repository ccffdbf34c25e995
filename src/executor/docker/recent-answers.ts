/**
 * Daemon answers kept for a short while. The bid and the start of one job ask the daemon the same
 * questions (is there a bridge network? which platform is this image built for?) milliseconds apart,
 * and a node running many jobs of one image asks them again and again; the answers change only when
 * someone reconfigures the daemon or replaces the image, which a short expiry catches up with.
 * A failed question is not kept: the next caller asks again.
 */
import type { Clock } from '../../lib/clock.js';

interface Answer<V> {
  value: Promise<V>;
  expires: number;
}

export class RecentAnswers<K, V> {
  readonly #answers = new Map<K, Answer<V>>();
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(ttlMs: number, clock: Clock) {
    this.#ttlMs = ttlMs;
    this.#clock = clock;
  }

  /** The answer for `key` given less than the expiry ago (or being asked now), else `ask()`'s. */
  get(key: K, ask: () => Promise<V>): Promise<V> {
    const now = this.#clock.now();
    const kept = this.#answers.get(key);
    if (kept !== undefined && kept.expires > now) return kept.value;
    // expired answers go when a new one comes, so the map holds only what was asked recently
    for (const [k, answer] of this.#answers) if (answer.expires <= now) this.#answers.delete(k);
    const value = ask();
    const answer = { value, expires: now + this.#ttlMs };
    this.#answers.set(key, answer);
    value.catch(() => {
      if (this.#answers.get(key) === answer) this.#answers.delete(key);
    });
    return value;
  }
}
