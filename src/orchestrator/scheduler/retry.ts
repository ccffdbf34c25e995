/**
 * Retry strategies (Bacalhau `pkg/orchestrator/retry`). Bacalhau's orchestrator uses a chain holding one
 * fixed strategy that always says yes: a failed partition is always placed again, and what stops endless
 * retries is node selection (a node gets at most two attempts at a job version, see the previous-executions
 * ranker) together with the queue timeout.
 */
import type { RetryRequest, RetryStrategy } from './types.js';

/** Always the same answer (Go `FixedStrategy`). */
export function fixedRetryStrategy(shouldRetry: boolean): RetryStrategy {
  return Object.freeze({ shouldRetry: (_request: RetryRequest) => shouldRetry });
}

/** The default: always retry. */
export const alwaysRetry: RetryStrategy = fixedRetryStrategy(true);

/**
 * Retries only if every strategy agrees, asking them in order and stopping at the first no (Go `Chain`).
 * An empty chain never retries, as in Go.
 */
export function retryChain(...strategies: readonly RetryStrategy[]): RetryStrategy {
  const chain = Object.freeze([...strategies]);
  return Object.freeze({
    shouldRetry(request: RetryRequest): boolean {
      if (chain.length === 0) return false;
      return chain.every((strategy) => strategy.shouldRetry(request));
    },
  });
}
