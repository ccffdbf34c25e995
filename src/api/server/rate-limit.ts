/**
 * Go's rate limiter (echo's `RateLimiterMemoryStore` over `x/time/rate`): a token bucket per client
 * address holding `ratePerSecond` tokens at most, refilled at `ratePerSecond`; a request takes one token or
 * is refused with 429 `rate limit exceeded`. Buckets idle for three minutes are forgotten.
 *
 * Deliberate difference: the client address is the connection's, not `X-Forwarded-For` / `X-Real-IP`
 * (echo's default), which any client could set to get a fresh bucket per request.
 */
import type { Clock } from '../../lib/clock.js';
import { requestError } from './errors.js';

const idleExpiryMs = 3 * 60_000;

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #ratePerMs: number;
  readonly #burst: number;
  #sweptMs: number;

  /** @throws Error unless `ratePerSecond` is a positive number */
  constructor(
    ratePerSecond: number,
    private readonly clock: Clock,
  ) {
    if (!(ratePerSecond > 0)) throw new Error(`invalid rate limit: ${ratePerSecond} requests per second`);
    this.#ratePerMs = ratePerSecond / 1000;
    // x/time/rate's burst is an integer; echo sets it to the rate.
    this.#burst = Math.max(1, Math.floor(ratePerSecond));
    this.#sweptMs = clock.now();
  }

  /** @throws the 429 APIError when `client` has no token left */
  take(client: string): void {
    const now = this.clock.now();
    this.#sweep(now);
    const bucket = this.#buckets.get(client) ?? { tokens: this.#burst, updatedMs: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updatedMs) * this.#ratePerMs);
    bucket.updatedMs = now;
    this.#buckets.set(client, bucket);
    if (bucket.tokens < 1) throw requestError('rate limit exceeded', { status: 429 });
    bucket.tokens -= 1;
  }

  #sweep(now: number): void {
    if (now - this.#sweptMs < idleExpiryMs) return;
    this.#sweptMs = now;
    for (const [client, bucket] of this.#buckets) {
      if (now - bucket.updatedMs >= idleExpiryMs) this.#buckets.delete(client);
    }
  }
}
