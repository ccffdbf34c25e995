import { describe, expect, it } from 'vitest';
import { newPlan } from '../../models/index.js';
import { applyRateLimit } from './rate-limiter.js';
import { NOW, NOW_NS, evaluation, job, sequentialIds } from './testing.js';

describe('applyRateLimit', () => {
  const limit = { maxExecutionsPerEval: 20, executionLimitBackoffMs: 100, ids: sequentialIds() };
  const plan = () => newPlan(evaluation(job(), 'job-register'), job());

  it.each([0, 1, 19, 20])('allows %d of a limit of 20 without a follow-up', (needed) => {
    const p = plan();
    expect(applyRateLimit(limit, p, needed, NOW)).toBe(needed);
    expect(p.NewEvaluations).toEqual([]);
  });

  it('caps at the limit and asks for an exec-limit evaluation for the rest', () => {
    const p = plan();
    expect(applyRateLimit(limit, p, 27, NOW)).toBe(20);
    expect(p.NewEvaluations).toEqual([
      {
        ID: 'v-1',
        Namespace: 'default',
        JobID: 'j-1',
        TriggeredBy: 'exec-limit',
        Priority: 50,
        Type: 'batch',
        Status: 'pending',
        Comment: 'Creating delayed evaluation to schedule remaining 7 executions after reaching limit of 20',
        WaitUntil: '2024-01-01T00:00:00.1Z',
        CreateTime: NOW_NS,
        ModifyTime: NOW_NS,
      },
    ]);
  });

  it('adds one follow-up per call that hits the limit', () => {
    const p = plan();
    applyRateLimit(limit, p, 21, NOW);
    applyRateLimit(limit, p, 30, NOW);
    expect(p.NewEvaluations.map((e) => e.Comment)).toEqual([
      'Creating delayed evaluation to schedule remaining 1 executions after reaching limit of 20',
      'Creating delayed evaluation to schedule remaining 10 executions after reaching limit of 20',
    ]);
  });

  it.each([0, -5])('a limit of %d means no limit', (max) => {
    const p = plan();
    expect(applyRateLimit({ ...limit, maxExecutionsPerEval: max }, p, 1000, NOW)).toBe(1000);
    expect(p.NewEvaluations).toEqual([]);
  });
});
