/**
 * What a compute node says while it cannot reach its orchestrator: the first failed attempt, then at
 * most one line a minute with how many more failed (it tries every few seconds, for as long as it
 * takes: one line each filled the log of a node whose orchestrator was down for an hour).
 */
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../models/bacerrors.js';

export const RetryWarningIntervalMs = 60_000;

export function connectionRetryWarnings(
  warn: (message: string) => void,
  clock: Clock,
): (error: unknown, retryInMs: number) => void {
  let lastWarnedMs = -Infinity;
  let since = 0;
  return (error, retryInMs) => {
    const now = clock.now();
    if (now - lastWarnedMs < RetryWarningIntervalMs) {
      since++;
      return;
    }
    const more = since === 0 ? '' : ` (${since} more failed attempts since the last warning)`;
    warn(
      `not connected to the orchestrator (${errorMessage(error)}); trying again in ` +
        `${(retryInMs / 1000).toFixed(1)}s${more}`,
    );
    lastWarnedMs = now;
    since = 0;
  };
}
