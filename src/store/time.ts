/** Time in the store's two wire forms: Unix nanoseconds (`CreateTime`) and RFC 3339 (`Time`). */
import { goTime } from '../models/go-time.js';
import type { StoreClock } from './types.js';

export const systemClock: StoreClock = { now: () => Date.now() };

/** Unix milliseconds → Unix nanoseconds (a double: exact to 256 ns at today's dates). */
export function msToNanos(ms: number): number {
  return Math.round(ms * 1e6);
}

/** Go's `time.RFC3339Nano` in UTC, as `encoding/json` writes a `time.Time`. */
export const rfc3339 = goTime;
