import { describe, expect, it } from 'vitest';
import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('gets what was set, deletes and clears', () => {
    const map = new BoundedMap<string, number>(10);
    map.set('a', 1);
    map.set('b', 2);
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([1, 2, undefined, 2]);
    map.delete('a');
    expect([map.get('a'), map.size]).toEqual([undefined, 1]);
    map.clear();
    expect([map.get('b'), map.size]).toEqual([undefined, 0]);
  });

  it('drops the older half of its entries when the newer half is full', () => {
    const map = new BoundedMap<string, number>(4);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, i);
    expect([map.get('a'), map.get('d'), map.size]).toEqual([0, 3, 4]);
    map.set('e', 4); // a and b go; c and d stay with e
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => map.get(key))).toEqual([undefined, undefined, 2, 3, 4]);
    expect(map.size).toBe(3);
  });

  it('makes an entry recent again when it is set again, holding it once', () => {
    const map = new BoundedMap<string, number>(4);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3); // a and b are the older generation now
    map.set('a', 4); // a moves to the newer one
    expect(map.size).toBe(3);
    map.set('d', 5); // the newer generation (c, a) is full: b goes
    expect(['a', 'b', 'c', 'd'].map((key) => map.get(key))).toEqual([4, undefined, 3, 5]);
    expect(map.size).toBe(3);
  });

  it('never holds more than its limit, and at least one entry whatever limit it is given', () => {
    for (const limit of [0, 1, 2, 3, 7]) {
      const map = new BoundedMap<number, number>(limit);
      for (let i = 0; i < 20; i++) {
        map.set(i, i);
        expect(map.size).toBeLessThanOrEqual(Math.max(1, limit));
        expect(map.get(i)).toBe(i);
      }
    }
  });
});
