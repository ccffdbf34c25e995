import { describe, expect, it, vi } from 'vitest';
import { alwaysRetry, fixedRetryStrategy, retryChain } from './retry.js';
import { job } from './testing.js';
import type { RetryRequest } from './types.js';

const request: RetryRequest = { jobID: 'j-1', job: job(), failedExecutions: [] };

describe('retry strategies', () => {
  it('fixed strategies always give the same answer; the default always retries', () => {
    expect(fixedRetryStrategy(true).shouldRetry(request)).toBe(true);
    expect(fixedRetryStrategy(false).shouldRetry(request)).toBe(false);
    expect(alwaysRetry.shouldRetry(request)).toBe(true);
  });

  it('a chain retries only if every strategy agrees, stopping at the first no', () => {
    const last = { shouldRetry: vi.fn(() => true) };
    expect(retryChain(alwaysRetry, last).shouldRetry(request)).toBe(true);
    expect(last.shouldRetry).toHaveBeenCalledWith(request);
    last.shouldRetry.mockClear();
    expect(retryChain(fixedRetryStrategy(false), last).shouldRetry(request)).toBe(false);
    expect(last.shouldRetry).not.toHaveBeenCalled();
  });

  it('an empty chain never retries, as in Go', () => {
    expect(retryChain().shouldRetry(request)).toBe(false);
  });
});
