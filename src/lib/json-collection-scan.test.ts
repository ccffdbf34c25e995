import { describe, expect, it } from 'vitest';
import { findOversizedJsonCollection } from './json-collection-scan.js';

const keys = (n: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe('findOversizedJsonCollection', () => {
  it('names the path, kind and size of a map over the limit, nested in arrays and objects', () => {
    const text = JSON.stringify({ Job: { Tasks: [{}, { Name: 'x', Env: keys(6) }] } });
    expect(findOversizedJsonCollection(text, 5, 100)).toEqual({
      path: 'Job.Tasks[1].Env',
      kind: 'object',
      entries: 6,
    });
    expect(findOversizedJsonCollection(text, 6, 100)).toBeUndefined();
  });

  it('counts array entries of every type, and an empty array as none', () => {
    const text = JSON.stringify({ a: [[], {}, 'x,y', 1.5e3, true, null, [1, 2]], b: [] });
    expect(findOversizedJsonCollection(text, 6, 100)).toEqual({ path: 'a', kind: 'array', entries: 7 });
    expect(findOversizedJsonCollection('[]', 0, 100)).toBeUndefined();
    expect(findOversizedJsonCollection(' [ ] ', 0, 100)).toBeUndefined();
    expect(findOversizedJsonCollection('[0]', 0, 100)).toEqual({ path: '', kind: 'array', entries: 1 });
  });

  it('is not misled by commas, brackets, quotes and escapes inside strings, keys included', () => {
    const text = JSON.stringify({ 'a,b[{"': ['],}{\\"', '\\', 'x"y'], 'k\u00e9\n': { x: 1, y: 2 } });
    expect(findOversizedJsonCollection(text, 3, 100)).toBeUndefined();
    expect(findOversizedJsonCollection(text, 2, 100)).toEqual({ path: 'a,b[{"', kind: 'array', entries: 3 });
    expect(findOversizedJsonCollection(text, 1, 100)).toMatchObject({ path: 'a,b[{"' });
    const second = JSON.stringify({ short: [1], 'k\u00e9\n': { x: 1, y: 2 } });
    expect(findOversizedJsonCollection(second, 1, 100)).toEqual({
      path: 'k\u00e9\n',
      kind: 'object',
      entries: 2,
    });
  });

  it('names the whole text with an empty path', () => {
    expect(findOversizedJsonCollection(JSON.stringify(keys(3)), 2, 100)).toEqual({
      path: '',
      kind: 'object',
      entries: 3,
    });
  });

  it('stops at the first collection opened deeper than allowed, keeping one frame per level', () => {
    expect(findOversizedJsonCollection(`${'['.repeat(5_000_000)}`, 10, 100)).toEqual({ kind: 'nesting' });
    expect(findOversizedJsonCollection(`{"a":${'['.repeat(99)}${']'.repeat(99)}}`, 10, 100)).toBeUndefined();
    expect(findOversizedJsonCollection(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`, 10, 100)).toEqual({
      kind: 'nesting',
    });
  });

  it('finds nothing in text that is not JSON and ends early, or in scalars', () => {
    expect(findOversizedJsonCollection('{"a": [1, 2, 3', 1, 100)).toBeUndefined();
    expect(findOversizedJsonCollection('"unterminated', 1, 100)).toBeUndefined();
    expect(findOversizedJsonCollection('12', 0, 100)).toBeUndefined();
    expect(findOversizedJsonCollection(']]]', 0, 100)).toBeUndefined();
  });
});
