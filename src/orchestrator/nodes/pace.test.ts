import { describe, expect, it } from 'vitest';
import { HeartbeatPace } from './pace.js';

describe('HeartbeatPace', () => {
  const arrivals = (pace: HeartbeatPace, times: number[]) => times.forEach((t) => pace.arrive(t));

  it('knows no pace before two arrivals, and takes the only gap it has', () => {
    const pace = new HeartbeatPace(100_000);
    expect(pace.usualGapMs()).toBe(0);
    pace.arrive(0);
    expect(pace.usualGapMs()).toBe(0);
    pace.arrive(30_000);
    expect(pace.usualGapMs()).toBe(30_000);
  });

  it('is not moved by one outage, nor by heartbeats sent early', () => {
    const pace = new HeartbeatPace(100_000);
    arrivals(pace, [0, 15_000, 30_000, 45_000, 135_000, 135_100, 150_000]);
    expect(pace.usualGapMs()).toBe(15_000);
  });

  it('does not count a silence longer than any pace', () => {
    const pace = new HeartbeatPace(100_000);
    arrivals(pace, [0, 20_000, 500_000]);
    expect(pace.usualGapMs()).toBe(20_000);
    expect(pace.lastArrival).toBe(500_000);
  });
});
