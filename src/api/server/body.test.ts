import { describe, expect, it } from 'vitest';
import { MaxBodyDepth, parseJsonBody } from './body.js';

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth - 1)}[]${'}'.repeat(depth - 1)}`;
}

describe('parseJsonBody', () => {
  it('drops __proto__ keys at every depth, inside arrays too, and keeps the rest', () => {
    const body = parseJsonBody(
      '{"__proto__":{"polluted":1},"Job":{"Tasks":[{"__proto__":{"x":1},"Name":"main"}],"Name":"j"}}',
    ) as Record<string, unknown>;
    expect(body).toEqual({ Job: { Tasks: [{ Name: 'main' }], Name: 'j' } });
    expect(Object.hasOwn(body, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it(`reads ${MaxBodyDepth} levels and refuses one more as nested too deeply`, () => {
    expect(() => parseJsonBody(nested(MaxBodyDepth))).not.toThrow();
    expect(() => parseJsonBody(nested(MaxBodyDepth + 1))).toThrow('invalid JSON body: nested too deeply');
    expect(() => parseJsonBody(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toThrow(
      'invalid JSON body: nested too deeply',
    );
  });

  it('costs little more than the parse itself: a large body does not hold the event loop', () => {
    // 10 MB of small values, each of which a reviver would be called back for (about ten times the parse)
    const text = JSON.stringify({ Job: Array<number>(5_000_000).fill(1) });
    let started = performance.now();
    JSON.parse(text);
    const parse = performance.now() - started;
    started = performance.now();
    parseJsonBody(text);
    expect(performance.now() - started).toBeLessThan(3 * parse + 50);
  });
});
