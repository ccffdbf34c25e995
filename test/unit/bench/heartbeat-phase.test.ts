import { describe, expect, it } from 'vitest';
import { phaseDelayMs } from '../../../bench/lib/heartbeat-phase.js';

describe('phaseDelayMs', () => {
  it('puts node i of n at phase i/n of the interval, whenever it asks', () => {
    expect(phaseDelayMs(0, 4, 1000, 0)).toBe(0);
    expect(phaseDelayMs(1, 4, 1000, 0)).toBe(250);
    expect(phaseDelayMs(1, 4, 1000, 100)).toBe(150);
    expect(phaseDelayMs(1, 4, 1000, 300)).toBe(950);
    expect(phaseDelayMs(3, 4, 1000, 12_750)).toBe(0);
    expect(phaseDelayMs(2, 4, 1000, 12_400)).toBe(100);
  });

  it('spreads the beats of all nodes evenly over one interval', () => {
    const count = 10;
    const beats = Array.from({ length: count }, (_, i) => 7_300 + phaseDelayMs(i, count, 5000, 7_300));
    const phases = beats.map((at) => at % 5000).sort((a, b) => a - b);
    expect(phases).toEqual(Array.from({ length: count }, (_, i) => i * 500));
    for (const at of beats) expect(at - 7_300).toBeLessThan(5000);
  });
});
