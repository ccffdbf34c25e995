/** Times as Bacalhau writes them on the wire: Go's `time.Time` JSON form (RFC 3339, nanosecond precision). */
import { ZeroTime } from './evaluation.js';

/**
 * Epoch milliseconds (fractions kept to the nanosecond) as Go's RFC3339Nano in UTC, as encoding/json
 * writes a `time.Time`: trailing zeros of the fraction dropped, no fraction at all on a whole second
 * (`2024-01-01T00:00:00Z`, `2024-01-01T00:00:00.25Z`).
 */
export function goTime(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // 2024-05-01T10:00:00.123Z
  const subMsNanos = Math.round((ms - whole) * 1e6);
  const fraction = `${iso.slice(20, 23)}${String(subMsNanos).padStart(6, '0')}`.replace(/0+$/u, '');
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}

/** Epoch milliseconds of an RFC 3339 time; undefined for the zero time or anything unparsable. */
export function parseGoTime(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || text === ZeroTime) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Seconds (timeouts are given in them) → nanoseconds, the unit of stored times. */
export const NanosPerSecond = 1e9;

/** Unix milliseconds → Unix nanoseconds, the unit of every stored time (a double: exact to 256 ns today). */
export function msToNanos(ms: number): number {
  return Math.round(ms * 1e6);
}

/** Unix nanoseconds → Unix milliseconds (with the fraction). */
export function nanosToMs(ns: number): number {
  return ns / 1e6;
}

/**
 * Go's `time.Time.UTC().String()` of an RFC 3339 time: `2006-01-02 15:04:05 +0000 UTC`, as Go prints a
 * time with `%s` (headers, `agent version`); anything else is returned unchanged.
 */
export function goTimeString(rfc3339: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(
    rfc3339,
  );
  if (m === null) return rfc3339;
  const date = new Date(0);
  // setUTCFullYear keeps years below 100 as they are (Date.UTC would read 1 as 1901).
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  date.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const zone = m[8] ?? 'Z';
  if (!/^[Zz]$/.test(zone)) date.setTime(date.getTime() - parseOffset(zone));
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const fraction = (m[7] ?? '').replace(/0+$/, '').replace(/^\.$/, '');
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction} +0000 UTC`
  );
}

function parseOffset(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const [h = '0', m = '0'] = text.slice(1).split(':');
  return sign * (Number(h) * 60 + Number(m)) * 60_000;
}
