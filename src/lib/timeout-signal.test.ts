import { describe, expect, it } from 'vitest';
import { MaxTimerMs, timeoutSignal } from './timeout-signal.js';

describe('timeoutSignal', () => {
  it('is no limit for 0, less, or more than a timer can wait', () => {
    expect(timeoutSignal(0)).toBeUndefined();
    expect(timeoutSignal(-5000)).toBeUndefined();
    expect(timeoutSignal(MaxTimerMs + 1)).toBeUndefined();
    expect(timeoutSignal(2000 * 3600 * 1000)).toBeUndefined();
  });

  it('aborts after the time otherwise', async () => {
    const signal = timeoutSignal(1);
    expect(signal?.aborted).toBe(false);
    await new Promise((resolve) => signal?.addEventListener('abort', resolve));
    expect((signal?.reason as Error).name).toBe('TimeoutError');
    expect(timeoutSignal(MaxTimerMs)?.aborted).toBe(false);
  });
});
