/**
 * `AbortSignal.timeout` for a duration a user or a server chose. Node's timers wait at most 2^31 - 1 ms
 * (~24.8 days): a longer `AbortSignal.timeout` fires at once (or throws past 2^32 - 1 ms), so such a
 * wait, which is no limit in practice, gets no signal at all. Browser-safe.
 */

/** The longest delay a timer takes, in ms. */
export const MaxTimerMs = 2 ** 31 - 1;

/** A signal that aborts after `ms`; undefined (no limit) for 0 or less, or past {@link MaxTimerMs}. */
export function timeoutSignal(ms: number): AbortSignal | undefined {
  return ms > 0 && ms <= MaxTimerMs ? AbortSignal.timeout(ms) : undefined;
}
