/**
 * Go's handler timeout (echo's `TimeoutWithConfig`, 30 s): a handler still running after the limit is
 * abandoned, its signal aborted, and the client answered 503 `Server Timeout!`. WebSocket streams are not
 * limited (they end when the client or the stream does). Every other route answers at once or within a
 * bounded wait (the history cursor returns immediately; a blocking read of a job waits at most 25 s,
 * job-waits.ts), so the limit only catches a stuck dependency.
 *
 * Deliberate difference: the answer is an APIError (code `TimeOut`), not Go's plain-text body.
 */
import type { Clock } from '../../lib/clock.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { APIServerComponent } from './errors.js';

export const TimeoutMessage = 'Server Timeout!';

/**
 * Settles as `work` does, or rejects with the 503 APIError after `timeoutMs` (0: never), aborting
 * `controller` so the handler can stop.
 */
export async function withHandlerTimeout<T>(
  work: Promise<T>,
  options: { timeoutMs: number; clock: Clock; controller: AbortController },
): Promise<T> {
  if (options.timeoutMs <= 0) return work;
  let timer: { cancel(): void } | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = options.clock.setTimer(options.timeoutMs, () => {
      const err = new BacalhauError(TimeoutMessage, {
        code: ErrorCode.TimeOut,
        component: APIServerComponent,
        httpStatus: 503,
        retryable: true,
      });
      options.controller.abort(err);
      reject(err);
    });
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    timer?.cancel();
  }
}
