/** The store's clock; its times are written with models/go-time (nanoseconds and RFC 3339). */
import type { StoreClock } from './types.js';

export const systemClock: StoreClock = { now: () => Date.now() };
