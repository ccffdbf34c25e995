import { describe, expect, it } from 'vitest';
import { goRegExp } from './go-regexp.js';

describe('goRegExp: RE2 patterns as users write them for Bacalhau', () => {
  it.each([
    ['^HOME_', 'HOME_X', true],
    ['(?i)^home_x$', 'HOME_X', true],
    ['(?i)^home_x$', 'HOME_Y', false],
    ['^[[:upper:]_]+$', 'MY_VAR', true],
    ['^[[:upper:]_]+$', 'my_var', false],
    ['[[:digit:]]', 'V2', true],
    ['\\AAWS_', 'AWS_KEY', true],
    ['_KEY\\z', 'AWS_KEY', true],
    ['_KEY\\z', 'AWS_KEY\n', false],
    ['(?s)A.B', 'A\nB', true],
    ['(?m)\\AB', 'A\nB', false],
    ['a\\\\A', 'a\\A', true],
    ['[:alpha:]', 'p', true],
    ['^[^[:digit:]]+$', 'abc', true],
  ])('%s on %j: %s', (pattern, text, matches) => {
    expect(goRegExp(pattern).test(text)).toBe(matches);
  });

  it('refuses what JavaScript cannot do, and what neither can read', () => {
    expect(() => goRegExp('(?U)a+')).toThrow('the flag U has no JavaScript equivalent');
    expect(() => goRegExp('[[:nope:]]')).toThrow('invalid character class range: [:nope:]');
    expect(() => goRegExp('\\pL')).toThrow('\\p (Unicode classes) is not supported here');
    expect(() => goRegExp('[')).toThrow(/Unterminated character class/);
  });
});
