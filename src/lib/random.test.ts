import { describe, expect, it } from 'vitest';
import { mathRandom, randomInt, seededRandom } from './random.js';

describe('seededRandom', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    const seqB = Array.from({ length: 5 }, () => b.next());
    const seqC = Array.from({ length: 5 }, () => c.next());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('stays in [0, 1) and covers the range evenly enough', () => {
    const r = seededRandom(7);
    const buckets = [0, 0, 0, 0, 0];
    for (let i = 0; i < 5_000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      buckets[Math.floor(x * 5)]! += 1;
    }
    for (const count of buckets) expect(count).toBeGreaterThan(850);
  });
});

describe('randomInt', () => {
  it('returns integers in [0, bound)', () => {
    const r = seededRandom(1);
    for (let i = 0; i < 1_000; i++) {
      const n = randomInt(r, 5);
      expect(Number.isInteger(n) && n >= 0 && n < 5).toBe(true);
    }
    expect(randomInt(mathRandom, 1)).toBe(0);
  });

  it('rejects a bound that is not a positive integer', () => {
    expect(() => randomInt(mathRandom, 0)).toThrow(RangeError);
    expect(() => randomInt(mathRandom, 1.5)).toThrow(RangeError);
  });
});
