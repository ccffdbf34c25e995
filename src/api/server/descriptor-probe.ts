/**
 * Notices that the process has no file descriptor left, which the HTTP server never hears of itself:
 * libuv, failing to accept a connection for want of one, accepts it on a descriptor it keeps in reserve
 * and closes it at once, and reports nothing. The API then resets every connection (clients say
 * "connection reset") with nothing in the node's log. Go's server logs each failed accept and retries.
 * So a probe opens /dev/null now and then: a failure with EMFILE or ENFILE is reported once, and again
 * only after descriptors were found free in between.
 */
import { closeSync, openSync } from 'node:fs';
import { isOutOfFileDescriptors } from '../../lib/error-chain.js';

/** How often the probe runs. A failure between two runs that has passed by the next goes unseen. */
const ProbeIntervalMs = 2_000;

export interface DescriptorProbeOptions {
  /** Called when the probe finds no descriptor left, after it found some (or at its first run). */
  onExhausted: (error: Error) => void;
  intervalMs?: number;
  /** Opens and closes one descriptor (tests). Default: /dev/null. */
  probe?: () => void;
}

/** Starts probing; the returned function stops it. The timer does not keep the process alive. */
export function startDescriptorProbe(options: DescriptorProbeOptions): () => void {
  const probe = options.probe ?? (() => closeSync(openSync('/dev/null', 'r')));
  let exhausted = false;
  const timer = setInterval(() => {
    try {
      probe();
      exhausted = false;
    } catch (err) {
      if (!isOutOfFileDescriptors(err) || exhausted) return;
      exhausted = true;
      options.onExhausted(
        new Error(
          'the process has no file descriptor left, so each connection is closed as soon as it is ' +
            `accepted (clients see "connection reset"): ${(err as Error).message}`,
          { cause: err },
        ),
      );
    }
  }, options.intervalMs ?? ProbeIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
