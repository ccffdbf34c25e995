import { describe, expect, it } from 'vitest';
import { alwaysRetry, fixedRetryStrategy } from './retry.js';
import { job } from './testing.js';
import type { RetryRequest } from './types.js';

const request: RetryRequest = { jobID: 'j-1', job: job(), failedExecutions: [] };

describe('retry strategies', () => {
  it('fixed strategies always give the same answer; the default always retries', () => {
    expect(fixedRetryStrategy(true).shouldRetry(request)).toBe(true);
    expect(fixedRetryStrategy(false).shouldRetry(request)).toBe(false);
    expect(alwaysRetry.shouldRetry(request)).toBe(true);
  });
});
