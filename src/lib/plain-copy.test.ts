import { describe, expect, it } from 'vitest';
import { deepFreeze } from './deep-freeze.js';
import { plainCopy } from './plain-copy.js';

describe('plainCopy', () => {
  it('copies every object and array, so changing the copy leaves the original as it was', () => {
    const original = deepFreeze({ a: 1, s: 'text', n: null, list: [{ b: [2, 3] }], map: { k: { v: true } } });
    const copy = plainCopy(original);
    expect(copy).toEqual(original);
    expect(Object.isFrozen(copy)).toBe(false);
    copy.list[0]!.b.push(4);
    copy.map.k.v = false;
    expect(original).toEqual({ a: 1, s: 'text', n: null, list: [{ b: [2, 3] }], map: { k: { v: true } } });
  });

  it('returns primitives as they are', () => {
    expect([plainCopy(1), plainCopy('x'), plainCopy(null), plainCopy(undefined)]).toEqual([
      1,
      'x',
      null,
      undefined,
    ]);
  });

  it('keeps an own __proto__ key as a key, as JSON.parse made it, without changing the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "Meta": {"__proto__": "x"}}') as Record<
      string,
      unknown
    >;
    const copy = plainCopy(parsed);
    expect(Object.keys(copy)).toEqual(['__proto__', 'Meta']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).not.toBe(parsed['__proto__']);
  });
});
