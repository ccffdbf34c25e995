import { describe, expect, it } from 'vitest';
import { DecodedCache, HeavyWeight, KeyedCache } from './decoded-cache.js';

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

  describe('heavy values (a spec carrying a module inline)', () => {
    const module = 'A'.repeat(HeavyWeight);

    it('keeps only the last 16 of them, and every light one as before', () => {
      const cache = new KeyedCache<{ Tasks: { Inputs: string[] }[] }>();
      const made: string[] = [];
      const lookup = (id: string, inline: string) =>
        cache.lookup(id, 'v1', () => (made.push(id), { Tasks: [{ Inputs: [inline] }] }));
      for (let i = 0; i < 20; i++) lookup(`heavy-${i}`, module);
      for (let i = 0; i < 20; i++) lookup(`light-${i}`, 'small');
      made.length = 0;
      lookup('heavy-19', module);
      for (let i = 0; i < 20; i++) lookup(`light-${i}`, 'small');
      lookup('heavy-0', module);
      expect(made).toEqual(['heavy-0']);
    });

    it('holds one value per record when its weight changes side', () => {
      const cache = new KeyedCache<string>();
      cache.lookup('a', 'v1', () => module);
      expect(cache.peek('a')).toBe(module);
      cache.lookup('a', 'v2', () => 'small');
      expect(cache.peek('a')).toBe('small');
      cache.lookup('a', 'v3', () => module);
      expect(cache.peek('a')).toBe(module);
      cache.forget('a');
      expect(cache.peek('a')).toBeUndefined();
    });

    it('weighs a decoded document by the document', () => {
      const decoded: string[] = [];
      const cache = new DecodedCache((doc: string) => (decoded.push(doc.slice(0, 5)), { size: doc.length }));
      const heavyDoc = (i: number) => `doc-${i % 10}` + module;
      for (let i = 0; i < 40; i++) cache.get(`d-${i}`, heavyDoc(i));
      decoded.length = 0;
      cache.get('d-0', heavyDoc(0));
      cache.get('d-39', heavyDoc(39));
      expect(decoded).toEqual(['doc-0']);
    });
  });
});
