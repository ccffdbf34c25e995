import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Heap } from './heap.js';

describe('Heap', () => {
  it('pops in comparator order whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 })), (values) => {
        const heap = new Heap<number>((a, b) => a < b);
        for (const v of values) heap.push(v);
        expect(heap.size).toBe(values.length);
        const out: number[] = [];
        for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
        expect(out).toEqual([...values].sort((a, b) => a - b));
      }),
    );
  });

  it('peeks without removing and drains everything', () => {
    const heap = new Heap<number>((a, b) => a > b);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
    [3, 9, 1].forEach((v) => heap.push(v));
    expect(heap.peek()).toBe(9);
    expect(heap.size).toBe(3);
    expect(heap.drain().sort()).toEqual([1, 3, 9]);
    expect(heap.size).toBe(0);
  });
});
