import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { connectionNotices } from './retry-warnings.js';

function notices() {
  const clock = new ManualClock();
  const lines: string[] = [];
  const said = connectionNotices({
    warn: (line) => lines.push(`WARN ${line}`),
    info: (line) => lines.push(`INFO ${line}`),
    clock,
  });
  return { clock, lines, said };
}

describe('connection notices', () => {
  it('says the first failed attempt, then how many more failed, at most once a minute', () => {
    const { clock, lines, said } = notices();
    for (let i = 0; i < 20; i++) {
      said.retry(new Error('no orchestrator'), 4000);
      clock.advance(4000); // a retry every 4 s for 80 s
    }
    expect(lines).toEqual([
      'WARN not connected to the orchestrator (no orchestrator); trying again in 4.0s',
      'WARN not connected to the orchestrator (no orchestrator); trying again in 4.0s (14 more failed attempts since the last warning)',
    ]);
  });

  it('says when it connected at last', () => {
    const { clock, lines, said } = notices();
    said.retry(new Error('no orchestrator'), 3000);
    clock.advance(3000);
    said.connected();
    expect(lines).toEqual([
      'WARN not connected to the orchestrator (no orchestrator); trying again in 3.0s',
      'INFO connected to the orchestrator, 3.0s after the first of 1 failed attempt',
    ]);
  });

  it('says when it is connected again, and warns at once of the next outage', () => {
    const { clock, lines, said } = notices();
    said.connected(); // the first handshake: nothing to say
    for (let i = 0; i < 3; i++) {
      said.retry(new Error('no orchestrator'), 2000);
      clock.advance(2000);
    }
    said.connected();
    said.connected();
    clock.advance(1000);
    said.retry(new Error('refused'), 1000);
    clock.advance(1000);
    said.connected();
    expect(lines).toEqual([
      'WARN not connected to the orchestrator (no orchestrator); trying again in 2.0s',
      'INFO connected to the orchestrator again, 6.0s after the first of 3 failed attempts',
      'WARN not connected to the orchestrator (refused); trying again in 1.0s',
      'INFO connected to the orchestrator again, 1.0s after the first of 1 failed attempt',
    ]);
  });

  it('says a new reason at once, with its hint, and each reason at most once a minute', () => {
    const { clock, lines, said } = notices();
    const refused = new BacalhauError('nats: Authorization Violation', {
      code: ErrorCode.Unauthorized,
      hint: "set Compute.Auth.Token to the orchestrator's Orchestrator.Auth.Token",
    });
    said.retry(new Error('reconnecting'), 2000);
    clock.advance(2000);
    for (let i = 0; i < 4; i++) {
      said.retry(i % 2 === 0 ? refused : new Error('reconnecting'), 2000);
      clock.advance(2000);
    }
    expect(lines).toEqual([
      'WARN not connected to the orchestrator (reconnecting); trying again in 2.0s',
      'WARN not connected to the orchestrator (nats: Authorization Violation); trying again in 2.0s' +
        ". Hint: set Compute.Auth.Token to the orchestrator's Orchestrator.Auth.Token",
    ]);
  });
});
