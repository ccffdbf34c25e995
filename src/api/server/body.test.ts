import { describe, expect, it, vi } from 'vitest';
import { MaxSpecCollectionEntries } from '../../models/jobspec/collection-size.js';
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
    // a body too long to parse cheaply is refused from its text: the scan before the parse stops at the
    // depth too (a frame per level of 10 MB of '[' took ~1 GB)
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const deep = '['.repeat(10_000_000);
      expect(() => parseJsonBody(deep)).toThrow('invalid JSON body: nested too deeply');
      expect(parse).not.toHaveBeenCalledWith(deep);
    } finally {
      parse.mockRestore();
    }
  });

  it('refuses a list or map longer than a job spec may hold before parsing it, naming where it is', () => {
    const keys = (n: number): Record<string, string> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, 'v']));
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const over = JSON.stringify({ Job: { Tasks: [{ Env: keys(MaxSpecCollectionEntries + 1) }] } });
      expect(() => parseJsonBody(over)).toThrow(
        `Job.Tasks[0].Env: ${MaxSpecCollectionEntries + 1} keys, more than the ${MaxSpecCollectionEntries} one ` +
          'list or map of a request body may hold',
      );
      expect(parse).not.toHaveBeenCalledWith(over);
      expect(() => parseJsonBody(JSON.stringify(Array(MaxSpecCollectionEntries + 1).fill(0)))).toThrow(
        /^the request body: 10001 entries, more than/u,
      );
      const longKey = 'k'.repeat(100_000);
      expect(() => parseJsonBody(JSON.stringify({ [longKey]: keys(MaxSpecCollectionEntries + 1) }))).toThrow(
        `${'k'.repeat(200)}…: ${MaxSpecCollectionEntries + 1} keys`,
      );
      const atLimit = { Job: { Tasks: [{ Env: keys(MaxSpecCollectionEntries) }] } };
      expect(parseJsonBody(JSON.stringify(atLimit))).toEqual(atLimit);
    } finally {
      parse.mockRestore();
    }
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
