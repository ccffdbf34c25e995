/** Times as Bacalhau writes them in NodeState: Go's `time.Time` JSON form (RFC 3339, nanosecond precision). */
import { ZeroTime } from '../../models/index.js';

/**
 * Epoch milliseconds as Go's RFC3339Nano in UTC: trailing zeros of the fraction dropped, no fraction
 * at all on a whole second (`2024-01-01T00:00:00Z`, `2024-01-01T00:00:00.25Z`).
 */
export function goTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const dot = iso.lastIndexOf('.');
  if (dot < 0) return iso;
  const fraction = iso.slice(dot + 1, -1).replace(/0+$/, '');
  return `${iso.slice(0, dot)}${fraction === '' ? '' : `.${fraction}`}Z`;
}

/** Epoch milliseconds of an RFC 3339 time; undefined for the zero time or anything unparsable. */
export function parseGoTime(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || text === ZeroTime) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
