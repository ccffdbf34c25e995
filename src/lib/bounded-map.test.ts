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

  it('drops the entry set least recently beyond its limit; setting again makes an entry recent', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3); // a is now the most recent
    map.set('c', 4); // drops b
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([3, undefined, 4, 2]);
  });

  it('keeps at least one entry whatever limit it is given', () => {
    const map = new BoundedMap<string, number>(0);
    map.set('a', 1);
    map.set('b', 2);
    expect([map.get('a'), map.get('b'), map.size]).toEqual([undefined, 2, 1]);
  });
});
