/**
 * Timing of log streams: defaults, and checking what callers pass. Tests shorten them; production keeps
 * Go's, so mixed Go and TypeScript nodes agree on when a silent peer is gone.
 */
import { badOption } from '../options.js';

/** How often a producer asks each consumer which of its streams it still reads (Go: 10 s). */
export const DefaultHeartbeatIntervalMs = 10_000;

/** How long a producer waits for that answer before it drops the consumer's streams (Go: 5 s). */
export const DefaultHeartbeatTimeoutMs = 5_000;

/**
 * How long a consumer waits without hearing of a stream (no frame, no heartbeat naming it) before it
 * gives up on the node. A live producer names every open stream once per heartbeat interval, and a Go
 * producer asks its consumers one after the other, waiting up to the heartbeat timeout for each: three
 * intervals leave room for that.
 */
export const DefaultLogRequestTimeoutMs = 3 * DefaultHeartbeatIntervalMs;

/** `value`, or `fallback` when absent. @throws BacalhauError (BadRequest) unless positive. */
export function positiveMs(name: string, value: number | undefined, fallback: number): number {
  const ms = value ?? fallback;
  if (!(ms > 0) || !Number.isFinite(ms))
    throw badOption(`${name} must be a positive number of ms, got ${ms}`);
  return ms;
}
