import { describe, expect, it } from 'vitest';
import { BufferPool, MaxFreeBuffers } from './run-worker.js';
import { ControlSlot } from './worker.js';

describe('BufferPool', () => {
  it('hands an ended run’s buffers to the next run, its control words back at zero', () => {
    const pool = new BufferPool(1000);
    const first = pool.take();
    expect(first.ring.byteLength).toBe(1024);
    first.control[ControlSlot.Killed] = 1;
    first.control[ControlSlot.HttpAnswered] = 1;
    first.control.fill(7, 1, 3); // the ring's positions
    pool.give(first);
    const next = pool.take();
    expect(next).toBe(first);
    expect([...next.control]).toEqual([0, 0, 0, 0]);
  });

  it('gives runs under way buffers of their own', () => {
    const pool = new BufferPool(64);
    const a = pool.take();
    const b = pool.take();
    expect(b.ring.buffer).not.toBe(a.ring.buffer);
    expect(b.control.buffer).not.toBe(a.control.buffer);
    pool.give(b);
    pool.give(a);
    expect(new Set([pool.take(), pool.take()])).toEqual(new Set([a, b]));
  });

  it('keeps no more than a few for later: a burst of runs does not hold its buffers forever', () => {
    const pool = new BufferPool(64);
    const burst = Array.from({ length: MaxFreeBuffers + 3 }, () => pool.take());
    for (const buffers of burst) pool.give(buffers);
    const later = Array.from({ length: MaxFreeBuffers + 1 }, () => pool.take());
    expect(later.filter((buffers) => burst.includes(buffers))).toHaveLength(MaxFreeBuffers);
  });
});
