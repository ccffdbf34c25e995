import { describe, expect, it } from 'vitest';
import {
  appendNewExecution,
  appendStoppedExecution,
  markJobCompleted,
  markJobFailed,
  markJobQueued,
  newPlan,
  type Plan,
} from '../../models/index.js';
import { OrchestratorEvents } from '../events.js';
import { evaluation, exec, job } from '../scheduler/testing.js';
import { newDelayedEvaluation } from '../scheduler/index.js';
import { ChainedPlanner } from './chain.js';
import { LoggingPlanner } from './logging.js';
import { RecordingLogger } from './testing.js';
import type { Planner } from './types.js';

const events = new OrchestratorEvents(() => new Date(Date.UTC(2024, 0, 1)));

function plan(): Plan {
  const j = job();
  return newPlan(evaluation(j), j);
}

describe('LoggingPlanner', () => {
  it('logs completions at info, failures at warn, other job state changes at trace', async () => {
    const logger = new RecordingLogger();
    const planner = new LoggingPlanner(logger);

    const completed = plan();
    markJobCompleted(completed, events.jobStateUpdate('Completed'));
    await planner.process(completed);
    const failed = plan();
    markJobFailed(failed, events.jobExhaustedRetries());
    await planner.process(failed);
    const queued = plan();
    markJobQueued(queued, events.jobQueued('no nodes'));
    await planner.process(queued);
    await planner.process(plan()); // no job state change: nothing at job level

    expect(logger.entries.map((e) => `${e.level} ${e.message}`)).toEqual([
      'info Job completed successfully',
      'warn Job failed',
      'trace Job updated',
    ]);
    expect(logger.entries[1]?.fields).toEqual({
      Details: {},
      Event: 'Job failed because it has been retried too many times',
      JobID: 'j-1',
      OldState: 'Pending',
      NewState: 'Failed',
      OldRevision: 0,
      Reason: 'Job failed because it has been retried too many times',
    });
  });

  it('logs executions and evaluations at trace, only when trace is enabled', async () => {
    const p = plan();
    const created = exec('n-1', 'New', { id: 'e-new' });
    appendNewExecution(p, created, events.execCreated(created));
    appendStoppedExecution(p, exec('n-2', 'Running', { id: 'e-old' }), events.executionTimeout(10), 'Failed');
    p.NewEvaluations.push(
      newDelayedEvaluation(p.Eval, { id: 'v-next', nowMs: 0, waitUntilMs: 60_000, comment: 'later' }),
    );

    const tracing = new RecordingLogger();
    await new LoggingPlanner(tracing).process(p);
    expect(tracing.entries.map((e) => e.message)).toEqual([
      'New execution created',
      'Execution updated',
      'New evaluation',
    ]);
    expect(tracing.entries[1]?.fields).toMatchObject({
      ExecutionID: 'e-old',
      OldState: 'Running',
      NewState: 'Stopped',
      OldComputeState: 'Running',
      NewComputeState: 'Failed',
      Reason: 'Execution timed out. Execution took longer than 10s',
      IsError: 'true',
    });
    expect(tracing.entries[2]?.fields).toEqual({
      JobID: 'j-1',
      EvalID: 'v-next',
      TriggeredBy: 'job-register',
      WaitUntil: '1970-01-01T00:01:00Z',
      Reason: 'later',
    });

    const quiet = new RecordingLogger((level) => level !== 'trace');
    await new LoggingPlanner(quiet).process(p);
    expect(quiet.entries).toEqual([]);
  });
});

describe('ChainedPlanner', () => {
  it('runs planners in order and stops at the first failure', async () => {
    const calls: string[] = [];
    const step = (name: string, fail = false): Planner => ({
      process: () => {
        calls.push(name);
        return fail ? Promise.reject(new Error(`${name} failed`)) : Promise.resolve();
      },
    });
    await new ChainedPlanner(step('a'), step('b')).process(plan());
    expect(calls).toEqual(['a', 'b']);

    calls.length = 0;
    await expect(new ChainedPlanner(step('a', true), step('b')).process(plan())).rejects.toThrow('a failed');
    expect(calls).toEqual(['a']);
  });
});
