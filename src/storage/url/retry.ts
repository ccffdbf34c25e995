/**
 * Retrying transient download failures with doubling waits (Go uses go-retryablehttp with
 * `InputSources.MaxRetryCount` retries and waits capped at 1 s).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { doublingDelayMs } from '../../lib/backoff.js';
import { BacalhauError } from '../../models/index.js';
import { cancelledError } from '../errors.js';

export interface RetryPolicy {
  /** Attempts after the first. */
  readonly maxRetries: number;
  readonly waitMinMs: number;
  readonly waitMaxMs: number;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not `retryable`, or retries run out;
 * the last error then says how many attempts were made.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  what: string,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof BacalhauError) || !err.retryable || signal?.aborted === true) throw err;
      if (retry >= policy.maxRetries) {
        throw new BacalhauError(`${err.message} (${retry + 1} attempts)`, { ...err.options(), cause: err });
      }
    }
    const wait = doublingDelayMs(retry, { firstMs: policy.waitMinMs, maxMs: policy.waitMaxMs });
    await sleep(wait, undefined, signal === undefined ? {} : { signal }).catch(() => {
      throw cancelledError(signal as AbortSignal, what);
    });
  }
}
