/**
 * Go's `time.Duration.String()` for the durations that appear in Bacalhau's messages
 * ("execution timeout 1m0s and queue timeout 0s …"). Input in nanoseconds.
 */
export function formatGoDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  const negative = nanoseconds < 0;
  let ns = Math.abs(nanoseconds);
  const sign = negative ? '-' : '';
  if (ns < 1e9) {
    // Sub-second durations use the largest unit that keeps the integer part non-zero.
    if (ns < 1e3) return `${sign}${ns}ns`;
    if (ns < 1e6) return `${sign}${trimFraction(ns / 1e3)}µs`;
    return `${sign}${trimFraction(ns / 1e6)}ms`;
  }
  const hours = Math.floor(ns / 3.6e12);
  ns -= hours * 3.6e12;
  const minutes = Math.floor(ns / 6e10);
  ns -= minutes * 6e10;
  const seconds = trimFraction(ns / 1e9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

export function formatGoDurationSeconds(seconds: number): string {
  return formatGoDuration(seconds * 1e9);
}

function trimFraction(value: number): string {
  return String(Number(value.toFixed(9)));
}
