import { describe, expect, it } from 'vitest';
import { goTime as formatRfc3339, msToNanos } from '../../models/go-time.js';
import { newDelayedEvaluation } from './delayed-evaluation.js';
import { NOW, NOW_NS, evaluation, job } from './testing.js';

describe('newDelayedEvaluation', () => {
  const from = {
    ...evaluation(job({ Type: 'ops', Priority: 7, Namespace: 'ns' }), 'node-join'),
    Comment: 'x',
  };

  it('copies job, namespace, type and priority; pending, with WaitUntil and times', () => {
    expect(
      newDelayedEvaluation(from, {
        id: 'v-next',
        nowMs: NOW,
        waitUntilMs: NOW + 60_000,
        triggeredBy: 'job-queue',
        comment: 'why',
      }),
    ).toEqual({
      ID: 'v-next',
      Namespace: 'ns',
      JobID: 'j-1',
      TriggeredBy: 'job-queue',
      Priority: 7,
      Type: 'ops',
      Status: 'pending',
      Comment: 'why',
      WaitUntil: '2024-01-01T00:01:00Z',
      CreateTime: NOW_NS,
      ModifyTime: NOW_NS,
    });
  });

  it('keeps the original trigger by default, drops its comment, and makes a v-<uuid> ID', () => {
    const next = newDelayedEvaluation(from, { nowMs: NOW, waitUntilMs: NOW });
    expect(next.TriggeredBy).toBe('node-join');
    expect(next.Comment).toBe('');
    expect(next.ID).toMatch(/^v-[0-9a-f-]{36}$/);
  });
});

describe('time helpers', () => {
  it.each([
    [NOW, '2024-01-01T00:00:00Z'],
    [NOW + 100, '2024-01-01T00:00:00.1Z'],
    [NOW + 120, '2024-01-01T00:00:00.12Z'],
    [NOW + 123, '2024-01-01T00:00:00.123Z'],
    [NOW + 60_000, '2024-01-01T00:01:00Z'],
  ])('formats %d as %s', (ms, text) => {
    expect(formatRfc3339(ms)).toBe(text);
  });

  it('converts milliseconds to nanoseconds', () => {
    expect(msToNanos(NOW)).toBe(1_704_067_200_000_000_000);
    expect(msToNanos(1.5)).toBe(1_500_000);
  });
});
