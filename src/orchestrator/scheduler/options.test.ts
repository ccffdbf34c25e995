import { describe, expect, it } from 'vitest';
import { BacalhauError } from '../../models/index.js';
import { RankingNodeSelector } from '../selection/index.js';
import { compileSchedulerOptions, defaultIds } from './options.js';
import { alwaysRetry, fixedRetryStrategy } from './retry.js';
import { fixedSelector, sequentialIds } from './testing.js';

describe('compileSchedulerOptions', () => {
  it('fills Bacalhau’s defaults and freezes the result', () => {
    const options = compileSchedulerOptions();
    expect(options).toMatchObject({
      queueBackoffMs: 60_000,
      maxExecutionsPerEval: 20,
      executionLimitBackoffMs: 100,
      retryStrategy: alwaysRetry,
      ids: defaultIds,
    });
    expect(options.selector).toBeInstanceOf(RankingNodeSelector);
    expect(Object.isFrozen(options)).toBe(true);
    expect(options.ids.execution()).toMatch(/^e-/);
    expect(options.ids.evaluation()).toMatch(/^v-/);
  });

  it('keeps what is given', () => {
    const selector = fixedSelector();
    const retryStrategy = fixedRetryStrategy(false);
    const ids = sequentialIds();
    expect(
      compileSchedulerOptions({
        selector,
        retryStrategy,
        ids,
        queueBackoffMs: 0,
        maxExecutionsPerEval: 0,
        executionLimitBackoffMs: 5,
      }),
    ).toEqual({
      selector,
      retryStrategy,
      ids,
      queueBackoffMs: 0,
      maxExecutionsPerEval: 0,
      executionLimitBackoffMs: 5,
    });
  });

  it.each([
    [{ queueBackoffMs: -1 }, 'queueBackoffMs must be a finite number ≥ 0: -1'],
    [{ queueBackoffMs: Number.NaN }, 'queueBackoffMs must be a finite number ≥ 0: NaN'],
    [{ executionLimitBackoffMs: Infinity }, 'executionLimitBackoffMs must be a finite number ≥ 0: Infinity'],
    [{ maxExecutionsPerEval: 1.5 }, 'maxExecutionsPerEval must be an integer: 1.5'],
  ])('refuses %j', (options, message) => {
    expect(() => compileSchedulerOptions(options)).toThrow(BacalhauError);
    expect(() => compileSchedulerOptions(options)).toThrow(message);
  });
});
