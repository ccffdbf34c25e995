import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../../lib/clock.js';
import { JobWaits, MaxJobWaitMs, waitParam } from './job-waits.js';
import type { ApiJobChange } from './types.js';

/** A change feed the test commits to by hand. */
function feed() {
  const listeners = new Set<(changes: readonly ApiJobChange[]) => void>();
  return {
    onChange(listener: (changes: readonly ApiJobChange[]) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    commit(...jobIDs: string[]) {
      const changes = jobIDs.map((ID) => ({ type: 'JobStateUpdated', job: { ID } }));
      for (const listener of listeners) listener([...changes, { type: 'ExecutionCreated' }]);
    },
    get listeners() {
      return listeners.size;
    },
  };
}

/** `changed`, and whether it has settled yet. */
function watch(changed: Promise<void>) {
  const state = { settled: false };
  void changed.then(() => (state.settled = true));
  return state;
}

describe('JobWaits', () => {
  it('wakes the waits of a job at its next change, and only those', async () => {
    const changes = feed();
    const waits = new JobWaits(changes, new ManualClock(0));
    const wait = (id: string) => watch(waits.next(id, 10_000, new AbortController().signal).changed);
    const [sa1, sa2, sb] = [wait('j-a'), wait('j-a'), wait('j-b')];
    changes.commit('j-c');
    await settle();
    expect([sa1.settled, sa2.settled, sb.settled]).toEqual([false, false, false]);
    changes.commit('j-a');
    await settle();
    expect([sa1.settled, sa2.settled, sb.settled]).toEqual([true, true, false]);
    expect(changes.listeners).toBe(1);
  });

  it('ends a wait after its time, when its signal aborts, or when cancelled', async () => {
    const clock = new ManualClock(0);
    const waits = new JobWaits(feed(), clock);
    const controller = new AbortController();
    const timed = watch(waits.next('j-a', 2000, new AbortController().signal).changed);
    const aborted = watch(waits.next('j-a', 60_000, controller.signal).changed);
    const cancelled = waits.next('j-a', 60_000, new AbortController().signal);
    const cancelledState = watch(cancelled.changed);
    clock.advance(1999);
    await settle();
    expect([timed.settled, aborted.settled, cancelledState.settled]).toEqual([false, false, false]);
    clock.advance(1);
    controller.abort();
    cancelled.cancel();
    await settle();
    expect([timed.settled, aborted.settled, cancelledState.settled]).toEqual([true, true, true]);
  });

  it('ends a wait at once when its signal is already aborted, and every wait when closed', async () => {
    const changes = feed();
    const waits = new JobWaits(changes, new ManualClock(0));
    const aborted = watch(waits.next('j-a', 60_000, AbortSignal.abort()).changed);
    const open = watch(waits.next('j-b', 60_000, new AbortController().signal).changed);
    await settle();
    expect([aborted.settled, open.settled]).toEqual([true, false]);
    waits.close();
    await settle();
    expect(open.settled).toBe(true);
    expect(changes.listeners).toBe(0);
  });
});

describe('waitParam', () => {
  it('reads a Go duration in ms, at most and by default the longest wait', () => {
    expect(waitParam('500ms')).toBe(500);
    expect(waitParam('2s')).toBe(2000);
    expect(waitParam('0')).toBe(0);
    expect(waitParam('1h')).toBe(MaxJobWaitMs);
    expect(waitParam(undefined)).toBe(MaxJobWaitMs);
    expect(MaxJobWaitMs).toBe(25_000);
  });

  it('refuses what is not a duration or is negative, naming the parameter', () => {
    expect(() => waitParam('soon')).toThrow(`invalid query parameter 'wait': time: invalid duration "soon"`);
    expect(() => waitParam('-1s')).toThrow(`invalid query parameter 'wait': "-1s" is negative`);
  });
});
