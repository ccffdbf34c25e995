import { describe, expect, it, vi } from 'vitest';
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
  });

  it(`reads ${MaxBodyDepth} levels and refuses one more as nested too deeply`, () => {
    expect(() => parseJsonBody(nested(MaxBodyDepth))).not.toThrow();
    expect(() => parseJsonBody(nested(MaxBodyDepth + 1))).toThrow('invalid JSON body: nested too deeply');
    expect(() => parseJsonBody(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toThrow(
      'invalid JSON body: nested too deeply',
    );
  });

  it('parses with no reviver, which V8 would call back for every value of a large body', () => {
    // wall-clock checks flake on a busy machine: the reviver's absence is what keeps a 10 MB body cheap
    const parse = vi.spyOn(JSON, 'parse');
    try {
      parseJsonBody('{"Job":[1,2,3]}');
      expect(parse).toHaveBeenCalledTimes(1);
      expect(parse.mock.calls[0]).toEqual(['{"Job":[1,2,3]}']);
    } finally {
      parse.mockRestore();
    }
  });
});
