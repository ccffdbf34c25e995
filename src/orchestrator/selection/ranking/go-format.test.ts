import { describe, expect, it } from 'vitest';
import { formatGoFloat, formatGoStringMap } from './go-format.js';

describe('formatGoFloat (Go %v)', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [0.5, '0.5'],
    [2, '2'],
    [0.1, '0.1'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [123456, '123456'],
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [-2.5e-7, '-2.5e-07'],
    [1e21, '1e+21'],
    [1.5e300, '1.5e+300'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
    [Number.NaN, 'NaN'],
  ])('%d → %s', (x, text) => {
    expect(formatGoFloat(x)).toBe(text);
  });
});

describe('formatGoStringMap (Go %s of a map)', () => {
  it('sorts keys', () => {
    expect(formatGoStringMap({ zone: 'a', region: 'eu' })).toBe('map[region:eu zone:a]');
    expect(formatGoStringMap({})).toBe('map[]');
    expect(formatGoStringMap(null)).toBe('map[]');
  });
});
