/**
 * What a compute node says about reaching its orchestrator: the first failed attempt, then at most one
 * line a minute with how many more failed (it tries every few seconds, for as long as it takes: one line
 * each filled the log of a node whose orchestrator was down for an hour); and, once a handshake is
 * accepted, that it is connected (again), so the log does not end on the last warning.
 *
 * The minute counts per reason: a new one is news and is said at once, with the error's hint. An
 * orchestrator that came back with another token used to be reported a minute after the first
 * "reconnecting" line, and with nothing saying which setting to change.
 */
import type { Clock } from '../lib/clock.js';
import { BacalhauError, errorMessage } from '../models/bacerrors.js';

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
  /** When each reason was last said, since the last accepted handshake. */
  const lastWarnedMs = new Map<string, number>();
  let sinceWarning = 0;
  /** The failed attempts since the last accepted handshake, and when the first of them was. */
  let failed = 0;
  let firstFailedMs = 0;
  let everConnected = false;
  return {
    retry: (error, retryInMs) => {
      const now = clock.now();
      if (failed++ === 0) firstFailedMs = now;
      const reason = errorMessage(error);
      if (now - (lastWarnedMs.get(reason) ?? -Infinity) < RetryWarningIntervalMs) {
        sinceWarning++;
        return;
      }
      const more = sinceWarning === 0 ? '' : ` (${sinceWarning} more failed attempts since the last warning)`;
      const hint = error instanceof BacalhauError && error.hint !== '' ? `. Hint: ${error.hint}` : '';
      warn(
        `not connected to the orchestrator (${reason}); trying again in ` +
          `${(retryInMs / 1000).toFixed(1)}s${more}${hint}`,
      );
      lastWarnedMs.set(reason, now);
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
      lastWarnedMs.clear();
    },
  };
}
