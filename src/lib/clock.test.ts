import { describe, expect, it } from 'vitest';
import { ManualClock, sleep, systemClock } from './clock.js';

describe('ManualClock', () => {
  it('starts at the given time and only moves when advanced', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    expect(new ManualClock(new Date('2025-01-02T03:04:05Z')).now()).toBe(Date.UTC(2025, 0, 2, 3, 4, 5));
  });

  it('fires due timers in due order, then set order, with now() at each due time', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(10, () => fired.push(`a@${clock.now()}`));
    clock.setTimer(10, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(31, () => fired.push('late'));
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(21);
    expect(fired).toEqual(['a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDue()).toBe(31);
  });

  it('fires timers set by timers when they fall due within the window', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimer(5, () => {
      fired.push(clock.now());
      clock.setTimer(5, () => fired.push(clock.now()));
      clock.setTimer(50, () => fired.push(clock.now()));
    });
    clock.advance(20);
    expect(fired).toEqual([5, 10]);
    clock.runAll();
    expect(fired).toEqual([5, 10, 55]);
  });

  it('treats negative and zero delays as due now, firing on the next advance', () => {
    const clock = new ManualClock(0);
    let fired = 0;
    clock.setTimer(-5, () => fired++);
    clock.setTimer(0, () => fired++);
    expect(fired).toBe(0);
    clock.advance(0);
    expect(fired).toBe(2);
  });

  it('cancels timers, idempotently, and cancel after firing is harmless', () => {
    const clock = new ManualClock(0);
    let fired = 0;
    const a = clock.setTimer(10, () => fired++);
    const b = clock.setTimer(10, () => fired++);
    a.cancel();
    a.cancel();
    clock.advance(10);
    expect(fired).toBe(1);
    b.cancel();
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses to move backwards', () => {
    const clock = new ManualClock(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
  });

  it('advanceAsync lets promise chains run between timers', async () => {
    const clock = new ManualClock(0);
    const log: string[] = [];
    clock.setTimer(10, () => {
      void Promise.resolve().then(() => log.push('reaction to first'));
    });
    clock.setTimer(10, () => log.push('second'));
    await clock.advanceAsync(10);
    expect(log).toEqual(['reaction to first', 'second']);
  });

  it('stalls: time moves on, and what fell due meanwhile fires late at the next advance', () => {
    const clock = new ManualClock(0);
    const firedAt: number[] = [];
    clock.setTimer(10, () => firedAt.push(clock.now()));
    clock.stall(100);
    expect(firedAt).toEqual([]);
    clock.advance(0);
    expect(firedAt).toEqual([100]);
  });

  it('runAll stops runaway timer loops', () => {
    const clock = new ManualClock(0);
    const again = (): void => void clock.setTimer(1, again);
    again();
    expect(() => clock.runAll(100)).toThrow(/more than 100 timers/);
  });
});

describe('sleep', () => {
  it('resolves when the clock reaches the delay', async () => {
    const clock = new ManualClock(0);
    let done = false;
    const p = sleep(clock, 100).then(() => (done = true));
    await clock.advanceAsync(99);
    expect(done).toBe(false);
    await clock.advanceAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('rejects with the signal reason and cancels its timer', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const p = sleep(clock, 100, { signal: controller.signal });
    controller.abort(new Error('bye'));
    await expect(p).rejects.toThrow('bye');
    expect(clock.pendingTimers).toBe(0);
    await expect(sleep(clock, 1, { signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow('early');
  });
});

describe('systemClock', () => {
  it('reads the wall clock and runs and cancels real timers', async () => {
    const before = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
    const cancelled = systemClock.setTimer(1, () => {
      throw new Error('cancelled timer fired');
    });
    cancelled.cancel();
    await new Promise<void>((resolve) => systemClock.setTimer(1, resolve));
  });
});
