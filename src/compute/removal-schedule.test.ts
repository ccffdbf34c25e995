import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { RemovalSchedule } from './removal-schedule.js';

const HourMs = 3_600_000;

function schedule() {
  const clock = new ManualClock();
  const removed: string[] = [];
  return { clock, removed, removals: new RemovalSchedule(clock, (id) => removed.push(id)) };
}

describe('RemovalSchedule', () => {
  it('removes each execution when it falls due, soonest first, with one timer whatever it holds', () => {
    const { clock, removed, removals } = schedule();
    for (let i = 0; i < 1000; i++) {
      removals.add(`e-${i}`, HourMs);
      clock.advance(1);
    }
    // a restarted node's leftovers come with their own, shorter delays
    removals.add('e-left-late', 30 * 60_000);
    removals.add('e-left-early', 10 * 60_000);
    expect(clock.pendingTimers).toBe(1);
    expect(removals.size).toBe(1002);

    clock.advance(10 * 60_000 - 1);
    expect(removed).toEqual([]);
    clock.advance(1);
    expect(removed).toEqual(['e-left-early']);
    clock.advance(20 * 60_000);
    expect(removed).toEqual(['e-left-early', 'e-left-late']);
    // the first of the hour's: 1 ms after the schedule's start plus the hour, less the 1,000 ms passed
    clock.advance(HourMs - 30 * 60_000 - 1000);
    expect(removed.slice(2)).toEqual(['e-0']);
    clock.advance(499);
    expect(removed.slice(2)).toEqual(Array.from({ length: 500 }, (_, i) => `e-${i}`));
    expect(clock.pendingTimers).toBe(1);
    clock.advance(HourMs);
    expect(removed).toHaveLength(1002);
    expect(removals.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('removes one due now on a later turn, never inside add', () => {
    const { clock, removed, removals } = schedule();
    removals.add('e-now', 0);
    removals.add('e-overdue', -5);
    expect(removed).toEqual([]);
    clock.advance(0);
    expect(removed.sort()).toEqual(['e-now', 'e-overdue']);
  });

  it('drops what it holds when stopped, and takes nothing after', () => {
    const { clock, removed, removals } = schedule();
    removals.add('e-1', HourMs);
    removals.stop();
    removals.add('e-2', 1);
    clock.advance(2 * HourMs);
    expect(removed).toEqual([]);
    expect([removals.size, clock.pendingTimers]).toEqual([0, 0]);
  });
});
