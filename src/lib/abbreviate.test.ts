import { describe, expect, it } from 'vitest';
import { abbreviate } from './abbreviate.js';

describe('abbreviate', () => {
  it('keeps a text up to the limit and cuts a longer one, marking the cut', () => {
    expect(abbreviate('abc', 3)).toBe('abc');
    expect(abbreviate('abcd', 3)).toBe('abc…');
    expect(abbreviate('x'.repeat(200))).toBe('x'.repeat(200));
    expect(abbreviate('x'.repeat(201))).toBe(`${'x'.repeat(200)}…`);
  });
});
