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

/** Unix milliseconds → Unix nanoseconds, the unit of every stored time (a double: exact to 256 ns today). */
export function msToNanos(ms: number): number {
  return Math.round(ms * 1e6);
}

/** Unix nanoseconds → Unix milliseconds (with the fraction). */
export function nanosToMs(ns: number): number {
  return ns / 1e6;
}
