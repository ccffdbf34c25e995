/** The sources of each signal `anySignal` made, held for as long as that signal lives. */
const sourcesOf = new WeakMap<AbortSignal, readonly AbortSignal[]>();

/**
 * `AbortSignal.any`, with its sources kept alive as long as the signal it returns. Node 20's holds them
 * weakly: an `AbortSignal.timeout` that nothing else holds may be garbage-collected, and then never
 * fires (a `version` against a server that accepted and never answered waited 30 s, not 3).
 */
export function anySignal(signals: readonly AbortSignal[]): AbortSignal {
  // eslint-disable-next-line no-restricted-properties -- the one place that may call it
  const combined = AbortSignal.any([...signals]);
  sourcesOf.set(combined, signals);
  return combined;
}

/**
 * What aborts when any of the signals given does, for optional signals (a caller's, a timeout that may
 * be no limit): undefined when none is given, the one itself when only one is.
 */
export function eitherSignal(...signals: readonly (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  return given.length <= 1 ? given[0] : anySignal(given);
}
