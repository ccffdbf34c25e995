/** The sources of each signal `anySignal` made, held for as long as that signal lives. */
const sourcesOf = new WeakMap<AbortSignal, readonly AbortSignal[]>();

/**
 * `AbortSignal.any`, with its sources kept alive as long as the signal it returns. Node 20's holds them
 * weakly: an `AbortSignal.timeout` that nothing else holds may be garbage-collected, and then never
 * fires (a `version` against a server that accepted and never answered waited 30 s, not 3).
 *
 * It also leaks: each call adds a WeakRef to every source's set of dependants, and Node 20 never takes
 * it out, not even once the signal it points to is collected (~50 bytes a call for good; 200,000 calls
 * kept 10 MB). The node's stop signals are combined with a signal per bid, run and publish, so a node
 * kept a few hundred bytes of every execution it ever ran. Those sets are pruned here of collected
 * signals whenever one has doubled since it was last pruned.
 */
export function anySignal(signals: readonly AbortSignal[]): AbortSignal {
  // eslint-disable-next-line no-restricted-properties -- the one place that may call it
  const combined = AbortSignal.any([...signals]);
  sourcesOf.set(combined, signals);
  // Node adds the dependant to the sources of a source that is itself combined, not to that source
  for (const source of signals.flatMap(rootsOf)) pruneDependants(source);
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

function rootsOf(signal: AbortSignal): readonly AbortSignal[] {
  return sourcesOf.get(signal)?.flatMap(rootsOf) ?? [signal];
}

/** Sets smaller than this are left alone: pruning costs a pass over the set. */
const PruneFloor = 64;
/** The size at which each dependants set is pruned next: twice what it kept at its last pruning. */
const pruneAt = new WeakMap<Set<unknown>, number>();

/** Takes the WeakRefs of collected signals out of `source`'s dependants once that set doubled. */
function pruneDependants(source: AbortSignal): void {
  const dependants = dependantsOf(source);
  if (dependants === undefined || dependants.size < (pruneAt.get(dependants) ?? PruneFloor)) return;
  // Node's own WeakRef class (not `instanceof WeakRef`)
  for (const ref of dependants as Set<{ deref?: () => unknown }>) {
    if (typeof ref.deref === 'function' && ref.deref() === undefined) dependants.delete(ref);
  }
  pruneAt.set(dependants, Math.max(PruneFloor, 2 * dependants.size));
}

/**
 * Node's own set of the signals `AbortSignal.any` made from `source`, under a symbol it does not
 * export; undefined where there is none (a Node that keeps them otherwise).
 */
function dependantsOf(source: AbortSignal): Set<unknown> | undefined {
  const key = Object.getOwnPropertySymbols(source).find((s) => s.description === 'kDependantSignals');
  const value: unknown = key === undefined ? undefined : (source as unknown as Record<symbol, unknown>)[key];
  // Node's own Set class (not `instanceof Set`)
  return typeof (value as Set<unknown> | undefined)?.delete === 'function'
    ? (value as Set<unknown>)
    : undefined;
}
