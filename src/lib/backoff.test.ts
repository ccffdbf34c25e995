import { describe, expect, it } from 'vitest';
import { doublingDelayMs } from './backoff.js';

describe('doublingDelayMs', () => {
  it('doubles from the first wait up to the most', () => {
    const limits = { firstMs: 100, maxMs: 10_000 };
    expect([0, 1, 2, 6, 7, 30, 5000].map((a) => doublingDelayMs(a, limits))).toEqual([
      100, 200, 400, 6400, 10_000, 10_000, 10_000,
    ]);
  });

  it('stays a number for a zero first wait and a huge attempt', () => {
    expect(doublingDelayMs(5000, { firstMs: 0, maxMs: 10 })).toBe(0);
  });
});
