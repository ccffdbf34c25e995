import { describe, expect, it } from 'vitest';
import { progressTimedOut } from './progress-messages.js';

describe('progressTimedOut', () => {
  it('gives the wait as Bacalhau prints a duration', () => {
    expect(progressTimedOut(1)).toBe('Progress tracking timed out after 1s. The job is still running.');
    expect(progressTimedOut(600)).toBe('Progress tracking timed out after 10m0s. The job is still running.');
    expect(progressTimedOut(5400)).toBe(
      'Progress tracking timed out after 1h30m0s. The job is still running.',
    );
  });
});
