/** Time in the store's two wire forms: Unix nanoseconds (`CreateTime`) and RFC 3339 (`Time`). */
import type { StoreClock } from './types.js';

export const systemClock: StoreClock = { now: () => Date.now() };

/** Unix milliseconds → Unix nanoseconds (a double: exact to 256 ns at today's dates). */
export function msToNanos(ms: number): number {
  return Math.round(ms * 1e6);
}

/**
 * Go's `time.RFC3339Nano` in UTC, as `encoding/json` writes a `time.Time`: fractional seconds with
 * trailing zeros trimmed, none at all on a whole second.
 */
export function rfc3339(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // 2024-05-01T10:00:00.123Z
  const subMsNanos = Math.round((ms - whole) * 1e6);
  const fraction = `${iso.slice(20, 23)}${String(subMsNanos).padStart(6, '0')}`.replace(/0+$/u, '');
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}
