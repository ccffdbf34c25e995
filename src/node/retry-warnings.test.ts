import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { connectionRetryWarnings } from './retry-warnings.js';

describe('connection retry warnings', () => {
  it('says the first failed attempt, then how many more failed, at most once a minute', () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const retry = connectionRetryWarnings((line) => lines.push(line), clock);
    for (let i = 0; i < 20; i++) {
      retry(new Error('no orchestrator'), 4000);
      clock.advance(4000); // a retry every 4 s for 80 s
    }
    expect(lines).toEqual([
      'not connected to the orchestrator (no orchestrator); trying again in 4.0s',
      'not connected to the orchestrator (no orchestrator); trying again in 4.0s (14 more failed attempts since the last warning)',
    ]);
  });
});
