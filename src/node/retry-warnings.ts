/**
 * What a compute node says about reaching its orchestrator: the first failed attempt, then at most one
 * line a minute with how many more failed (it tries every few seconds, for as long as it takes: one line
 * each filled the log of a node whose orchestrator was down for an hour); and, once a handshake is
 * accepted, that it is connected (again), so the log does not end on the last warning.
 */
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../models/bacerrors.js';

export const RetryWarningIntervalMs = 60_000;

export interface ConnectionNotices {
  /** A handshake failed and is tried again in `retryInMs`. */
  readonly retry: (error: unknown, retryInMs: number) => void;
  /** A handshake was accepted. */
  readonly connected: () => void;
}

export function connectionNotices(options: {
  warn: (message: string) => void;
  info: (message: string) => void;
  clock: Clock;
}): ConnectionNotices {
  const { warn, info, clock } = options;
  let lastWarnedMs = -Infinity;
  let sinceWarning = 0;
  /** The failed attempts since the last accepted handshake, and when the first of them was. */
  let failed = 0;
  let firstFailedMs = 0;
  let everConnected = false;
  return {
    retry: (error, retryInMs) => {
      const now = clock.now();
      if (failed++ === 0) firstFailedMs = now;
      if (now - lastWarnedMs < RetryWarningIntervalMs) {
        sinceWarning++;
        return;
      }
      const more = sinceWarning === 0 ? '' : ` (${sinceWarning} more failed attempts since the last warning)`;
      warn(
        `not connected to the orchestrator (${errorMessage(error)}); trying again in ` +
          `${(retryInMs / 1000).toFixed(1)}s${more}`,
      );
      lastWarnedMs = now;
      sinceWarning = 0;
    },
    connected: () => {
      const again = everConnected ? ' again' : '';
      everConnected = true;
      if (failed === 0) return;
      const seconds = ((clock.now() - firstFailedMs) / 1000).toFixed(1);
      const attempts = failed === 1 ? '1 failed attempt' : `${failed} failed attempts`;
      info(`connected to the orchestrator${again}, ${seconds}s after the first of ${attempts}`);
      failed = 0;
      sinceWarning = 0;
      lastWarnedMs = -Infinity;
    },
  };
}
