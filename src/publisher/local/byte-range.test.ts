import { describe, expect, it } from 'vitest';
import { byteRange } from './byte-range.js';

const invalid = { kind: 'unsatisfiable', message: 'invalid range', noOverlap: false };
const noOverlap = { kind: 'unsatisfiable', message: 'invalid range: failed to overlap', noOverlap: true };

describe('byteRange', () => {
  it.each([
    [undefined, { kind: 'whole' }],
    ['', { kind: 'whole' }],
    ['bytes=', { kind: 'whole' }],
    ['bytes=0-9', { kind: 'part', start: 0, end: 9 }],
    ['bytes=2-4', { kind: 'part', start: 2, end: 4 }],
    ['bytes= 2 - 4 ', { kind: 'part', start: 2, end: 4 }],
    ['bytes=5-', { kind: 'part', start: 5, end: 9 }],
    ['bytes=5-1000', { kind: 'part', start: 5, end: 9 }],
    ['bytes=-3', { kind: 'part', start: 7, end: 9 }],
    ['bytes=-30', { kind: 'part', start: 0, end: 9 }],
    // several ranges: the whole file
    ['bytes=0-1,4-5', { kind: 'whole' }],
    // one of two past the end: the other is served
    ['bytes=0-1,40-50', { kind: 'part', start: 0, end: 1 }],
  ])('reads %j of a 10-byte file', (header, answer) => {
    expect(byteRange(header, 10)).toEqual(answer);
  });

  it.each([
    'items=0-1',
    'bytes=1',
    'bytes=a-3',
    'bytes=4-2',
    'bytes=-',
    'bytes=--2',
    'bytes=1-2-3',
    'bytes=0x1-2',
  ])('refuses %j as an invalid range', (header) => {
    expect(byteRange(header, 10)).toEqual(invalid);
  });

  it.each([
    ['bytes=10-', 10],
    ['bytes=20-5', 10], // past the end: its end is not looked at, as in Go
    ['bytes=-0', 10],
    ['bytes=-5', 0],
    ['bytes=0-', 0],
  ])('says %j of a %d-byte file does not overlap', (header, size) => {
    expect(byteRange(header, size)).toEqual(noOverlap);
  });
});
