import { setMaxListeners } from 'node:events';

/**
 * An AbortController whose signal any number of listeners may wait on, for one that every operation
 * in flight listens to: past ten, Node would warn of a leak that is none (each removes its listener
 * when done).
 */
export function unboundedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/**
 * Settles with `promise`, or rejects with `onAbort()` as soon as one of `signals` fires. The promise
 * keeps running; only the caller stops waiting. Generic; kept here until `src/lib` has async helpers.
 */
export function raceSignals<T>(
  promise: Promise<T>,
  signals: readonly (AbortSignal | undefined)[],
  onAbort: (signal: AbortSignal) => Error,
): Promise<T> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  const fired = live.find((s) => s.aborted);
  if (fired !== undefined) {
    promise.catch(() => undefined);
    return Promise.reject(onAbort(fired));
  }
  if (live.length === 0) return promise;
  return new Promise<T>((resolve, reject) => {
    const listeners = live.map((signal) => {
      const listener = (): void => {
        cleanup();
        reject(onAbort(signal));
      };
      signal.addEventListener('abort', listener, { once: true });
      return () => signal.removeEventListener('abort', listener);
    });
    const cleanup = (): void => listeners.forEach((remove) => remove());
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (err: unknown) => {
        cleanup();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Resolves when `promise` settles (either way) or when `signal` fires, whichever comes first. */
export function settledOrAborted(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  const settled = promise.then(
    () => undefined,
    () => undefined,
  );
  if (signal === undefined) return settled;
  return raceSignals(settled, [signal], () => new Error('aborted')).catch(() => undefined);
}
