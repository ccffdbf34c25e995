import { describe, expect, it } from 'vitest';
import { DecodedCache, KeyedCache } from './decoded-cache.js';

describe('DecodedCache', () => {
  function counting(limit?: number) {
    const decoded: string[] = [];
    const cache = new DecodedCache((doc: string) => {
      decoded.push(doc);
      return { doc };
    }, limit);
    return { cache, decoded };
  }

  it('decodes a document once while it is unchanged, again once it changed', () => {
    const { cache, decoded } = counting();
    const first = cache.get('a', '{"v":1}');
    expect(cache.get('a', '{"v":1}')).toBe(first);
    expect(cache.get('a', '{"v":2}')).toEqual({ doc: '{"v":2}' });
    expect(decoded).toEqual(['{"v":1}', '{"v":2}']);
  });

  it('builds a value by key without the document: again only once the key changed', () => {
    const cache = new KeyedCache<{ doc: string }>();
    const made: string[] = [];
    const make = (what: string) => () => (made.push(what), { doc: what });
    const first = cache.lookup('a', 'stamp-1', make('first'));
    expect(cache.lookup('a', 'stamp-1', make('again'))).toBe(first);
    expect(cache.lookup('a', 'stamp-2', make('second'))).toEqual({ doc: 'second' });
    expect(made).toEqual(['first', 'second']);
  });

  it('keeps at most `limit` records, dropping the least recently decoded', () => {
    const { cache, decoded } = counting(2);
    cache.get('a', 'A');
    cache.get('b', 'B');
    cache.get('a', 'A2'); // a is now the most recent
    cache.get('c', 'C'); // evicts b
    cache.get('a', 'A2');
    cache.get('b', 'B');
    expect(decoded).toEqual(['A', 'B', 'A2', 'C', 'B']);
  });
});
