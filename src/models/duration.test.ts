import { describe, expect, it } from 'vitest';
import {
  Hour,
  Microsecond,
  Millisecond,
  Minute,
  Second,
  canonicalDuration,
  durationToMs,
  formatDuration,
  isDuration,
  msToDuration,
  parseDuration,
} from './duration.js';

describe('parseDuration (Go time.ParseDuration)', () => {
  it.each([
    ['0', 0n],
    ['5s', 5n * Second],
    ['30s', 30n * Second],
    ['1478s', 1478n * Second],
    ['-5s', -5n * Second],
    ['+5s', 5n * Second],
    ['-0', 0n],
    ['5.0s', 5n * Second],
    ['5.6s', 5n * Second + 600n * Millisecond],
    ['5.s', 5n * Second],
    ['.5s', 500n * Millisecond],
    ['1.0s', Second],
    ['1.004s', Second + 4n * Millisecond],
    ['100.00100s', 100n * Second + Millisecond],
    ['10ns', 10n],
    ['11us', 11n * Microsecond],
    ['12\u00b5s', 12n * Microsecond],
    ['12\u03bcs', 12n * Microsecond],
    ['13ms', 13n * Millisecond],
    ['14s', 14n * Second],
    ['15m', 15n * Minute],
    ['16h', 16n * Hour],
    ['3h30m', 3n * Hour + 30n * Minute],
    ['10.5s4m', 4n * Minute + 10n * Second + 500n * Millisecond],
    ['-2m3.4s', -(2n * Minute + 3n * Second + 400n * Millisecond)],
    ['1h2m3s4ms5us6ns', Hour + 2n * Minute + 3n * Second + 4n * Millisecond + 5n * Microsecond + 6n],
    ['39h9m14.425s', 39n * Hour + 9n * Minute + 14n * Second + 425n * Millisecond],
    ['52763797000ns', 52763797000n],
    ['0.3333333333333333333h', 20n * Minute],
    ['9007199254740993ns', 9007199254740993n],
    ['9223372036854775807ns', 9223372036854775807n],
    ['-9223372036854775808ns', -9223372036854775808n],
  ])('%s', (text, want) => {
    expect(parseDuration(text)).toBe(want);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1 m', 'time: unknown unit " m" in duration "1 m"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
  ])('rejects %j', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
    expect(isDuration(text)).toBe(false);
  });
});

describe('formatDuration (Go Duration.String)', () => {
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [1100n, '1.1\u00b5s'],
    [2200n * Microsecond, '2.2ms'],
    [3300n * Millisecond, '3.3s'],
    [4n * Minute + 5n * Second, '4m5s'],
    [4n * Minute + 5001n * Millisecond, '4m5.001s'],
    [5n * Hour + 6n * Minute + 7001n * Millisecond, '5h6m7.001s'],
    [8n * Minute + 1n, '8m0.000000001s'],
    [Minute, '1m0s'],
    [Hour, '1h0m0s'],
    [24n * Hour, '24h0m0s'],
    [-Minute, '-1m0s'],
    [9223372036854775807n, '2562047h47m16.854775807s'],
    [-9223372036854775808n, '-2562047h47m16.854775808s'],
  ])('%s', (ns, want) => {
    expect(formatDuration(ns)).toBe(want);
  });

  it('normalises to canonical text and converts to milliseconds', () => {
    expect(canonicalDuration('1m')).toBe('1m0s');
    expect(canonicalDuration('90s')).toBe('1m30s');
    expect(canonicalDuration('1.5h')).toBe('1h30m0s');
    expect(durationToMs('1m30s')).toBe(90_000);
    expect(durationToMs('1500us')).toBe(1);
    expect(msToDuration(15_000)).toBe('15s');
  });
});
