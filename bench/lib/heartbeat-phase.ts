/**
 * Spreading many nodes' heartbeats evenly over the interval, whenever each node connected: node `i` of
 * `count` beats at phase `i × interval / count` of every interval. Nodes that connect in a burst would
 * otherwise beat in a burst, every interval.
 */

/** How long node `index` of `count` waits, `elapsedMs` after the common origin, for its next beat. */
export function phaseDelayMs(index: number, count: number, intervalMs: number, elapsedMs: number): number {
  const phase = (index * intervalMs) / count;
  const delay = (phase - elapsedMs) % intervalMs;
  return delay < 0 ? delay + intervalMs : Math.max(0, delay); // never -0
}
