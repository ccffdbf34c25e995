/**
 * Retry strategies (Bacalhau `pkg/orchestrator/retry`). Bacalhau's orchestrator uses a chain holding one
 * fixed strategy that always says yes; here that strategy alone, which answers the same. A failed
 * partition is always placed again, and what stops endless retries is node selection (a node gets at
 * most two attempts at a job version, see the previous-executions ranker) together with the queue
 * timeout.
 */
import type { RetryRequest, RetryStrategy } from './types.js';

/** Always the same answer (Go `FixedStrategy`). */
export function fixedRetryStrategy(shouldRetry: boolean): RetryStrategy {
  return Object.freeze({ shouldRetry: (_request: RetryRequest) => shouldRetry });
}

/** The default: always retry. */
export const alwaysRetry: RetryStrategy = fixedRetryStrategy(true);
