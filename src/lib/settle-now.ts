/**
 * `fn`'s result, or what it throws, as a settled promise: a synchronous step behind an asynchronous
 * signature, whose callers handle its failure as a rejection, never as a throw.
 */
export function settleNow<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
