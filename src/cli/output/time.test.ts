import { afterEach, describe, expect, it } from 'vitest';
import { dateTime, fromNanos, shortenTime, timeOnly, timeOnlyMilli } from './time.js';

describe('CLI times', () => {
  const zone = process.env['TZ'];
  afterEach(() => {
    if (zone === undefined) delete process.env['TZ'];
    else process.env['TZ'] = zone;
  });

  it("prints UTC whatever the user's time zone, as Bacalhau does", () => {
    // 2026-11-20 23:16:23.045 UTC: already the 21st in Tokyo, still the 20th in New York
    const created = fromNanos(Date.UTC(2026, 10, 20, 23, 16, 23, 45) * 1e6);
    for (const tz of ['Asia/Tokyo', 'America/New_York', 'UTC']) {
      process.env['TZ'] = tz;
      expect([dateTime(created), timeOnly(created), timeOnlyMilli(created)]).toEqual([
        '2026-11-20 23:16:23',
        '23:16:23',
        '23:16:23.045',
      ]);
    }
  });

  it('keeps only the time of a date-time too wide for its column', () => {
    expect(shortenTime('2026-11-20 23:16:23', 10)).toBe('23:16:23');
    expect(shortenTime('2026-11-20 23:16:23', 19)).toBe('2026-11-20 23:16:23');
  });
});
