import { describe, expect, it } from 'vitest';
import { notModified, parseHttpDate, rangeApplies } from './conditional.js';

const at = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseHttpDate', () => {
  it.each([
    ['Sun, 06 Nov 1994 08:49:37 GMT', at],
    ['Sunday, 06-Nov-94 08:49:37 GMT', at],
    ['Sun Nov  6 08:49:37 1994', at],
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
    ['Friday, 01-Jan-68 00:00:00 GMT', Date.UTC(2068, 0, 1)],
  ])('reads %j as Go does', (text, ms) => {
    expect(parseHttpDate(text)).toBe(ms);
  });

  it.each([
    '',
    '9999',
    '1994-11-06T08:49:37Z',
    'Sun, 06 Nov 1994 08:49:37', // no zone: Date.parse would take local time
    'Sun, 06 Nov 1994 08:49:37 CET',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 25:49:37 GMT',
    'sun, 06 nov 1994 08:49:37 gmt',
  ])('takes %j for no date', (text) => {
    expect(parseHttpDate(text)).toBeUndefined();
  });
});

describe('conditional requests', () => {
  const modified = at + 400; // Last-Modified drops the 400 ms
  const imf = 'Sun, 06 Nov 1994 08:49:37 GMT';

  it('is not modified since its own second or later, unless If-None-Match says otherwise', () => {
    expect(notModified({}, modified)).toBe(false);
    expect(notModified({ 'if-modified-since': imf }, modified)).toBe(true);
    expect(notModified({ 'if-modified-since': 'Sun, 06 Nov 1994 08:49:36 GMT' }, modified)).toBe(false);
    expect(notModified({ 'if-modified-since': '9999' }, modified)).toBe(false);
    expect(notModified({ 'if-modified-since': imf, 'if-none-match': '"abc"' }, modified)).toBe(false);
    expect(notModified({ 'if-modified-since': imf, 'if-none-match': '' }, modified)).toBe(true);
    expect(notModified({ 'if-none-match': '*' }, modified)).toBe(true);
    expect(notModified({ 'if-none-match': '"abc", *' }, modified)).toBe(true);
  });

  it('serves a Range without If-Range, or with the modification date; never for an entity tag', () => {
    expect(rangeApplies({}, modified)).toBe(true);
    expect(rangeApplies({ 'if-range': '' }, modified)).toBe(true);
    expect(rangeApplies({ 'if-range': imf }, modified)).toBe(true);
    expect(rangeApplies({ 'if-range': 'Sunday, 06-Nov-94 08:49:37 GMT' }, modified)).toBe(true);
    expect(rangeApplies({ 'if-range': 'Sun, 06 Nov 1994 08:49:38 GMT' }, modified)).toBe(false);
    expect(rangeApplies({ 'if-range': '"abc"' }, modified)).toBe(false);
  });
});
