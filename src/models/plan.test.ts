import { describe, expect, it } from 'vitest';
import type { Evaluation } from './evaluation.js';
import type { Execution } from './execution.js';
import type { Event } from './job-history.js';
import { emptyJob, type Job } from './job.js';
import {
  appendApprovedExecution,
  appendNewExecution,
  appendStoppedExecution,
  isPlanJobFailed,
  markJobCompleted,
  markJobFailed,
  markJobQueued,
  markJobRunningIfEligible,
  newPlan,
} from './plan.js';
import type { JobStateType } from './state.js';

const evaluation: Evaluation = {
  ID: 'ev-1',
  Namespace: 'default',
  JobID: 'j-1',
  TriggeredBy: 'job-register',
  Priority: 7,
  Type: 'batch',
  Status: 'pending',
  Comment: '',
  WaitUntil: '0001-01-01T00:00:00Z',
  CreateTime: 0,
  ModifyTime: 0,
};
const event = (Message: string): Event => ({
  Message,
  Topic: 'Scheduling',
  Timestamp: '2024-01-01T00:00:00Z',
});
const job = (state: JobStateType): Job => ({ ...emptyJob(), ID: 'j-1', State: { StateType: state } });
const execution = (id: string, desired: 'Pending' | 'Running' = 'Pending'): Execution => ({
  ID: id,
  Namespace: 'default',
  EvalID: 'ev-1',
  Name: '',
  NodeID: 'n-1',
  JobID: 'j-1',
  JobVersion: 1,
  DesiredState: { StateType: desired },
  ComputeState: { StateType: 'New' },
  PreviousExecution: '',
  NextExecution: '',
  FollowupEvalID: '',
  PartitionIndex: 0,
  Revision: 1,
  CreateTime: 0,
  ModifyTime: 0,
});

describe('Plan', () => {
  it('starts empty, carrying the evaluation priority and receipt', () => {
    const plan = newPlan(evaluation, job('Pending'), 'r-1');
    expect(plan).toMatchObject({
      EvalID: 'ev-1',
      EvalReceipt: 'r-1',
      Priority: 7,
      DesiredJobState: 'Undefined',
    });
    expect(plan.NewExecutions).toEqual([]);
    expect(plan.UpdatedExecutions.size).toBe(0);
  });

  it('records execution events under the execution ID', () => {
    const plan = newPlan(evaluation, job('Pending'));
    appendNewExecution(plan, execution('e-1'), event('created'));
    appendStoppedExecution(plan, execution('e-2'), event('stopped'), 'Cancelled');
    appendApprovedExecution(plan, execution('e-3'), event('approved'));
    expect(plan.ExecutionEvents.get('e-1')).toEqual([event('created')]);
    expect(plan.UpdatedExecutions.get('e-2')).toMatchObject({
      DesiredState: 'Stopped',
      ComputeState: 'Cancelled',
    });
    expect(plan.UpdatedExecutions.get('e-3')).toMatchObject({
      DesiredState: 'Running',
      ComputeState: 'BidAccepted',
    });
  });

  it('failing a job drops new executions and every update but the stop requests', () => {
    const plan = newPlan(evaluation, job('Running'));
    appendNewExecution(plan, execution('e-1'), event('created'));
    appendStoppedExecution(plan, execution('e-2'), event('stopped'), 'Failed');
    appendApprovedExecution(plan, execution('e-3'), event('approved'));
    markJobFailed(plan, event('boom'));
    expect(isPlanJobFailed(plan)).toBe(true);
    expect(plan.UpdateMessage).toBe('boom');
    expect(plan.NewExecutions).toEqual([]);
    expect([...plan.UpdatedExecutions.keys()]).toEqual(['e-2']);
    expect(plan.JobEvents).toEqual([event('boom')]);
  });

  it('completing a job drops new executions', () => {
    const plan = newPlan(evaluation, job('Running'));
    appendNewExecution(plan, execution('e-1'), event('created'));
    markJobCompleted(plan, event('done'));
    expect(plan).toMatchObject({ DesiredJobState: 'Completed', NewExecutions: [] });
  });

  it('queues a job with the reason as its message', () => {
    const plan = newPlan(evaluation, job('Pending'));
    markJobQueued(plan, event('Job queued. not enough nodes'));
    expect(plan).toMatchObject({ DesiredJobState: 'Queued', UpdateMessage: 'Job queued. not enough nodes' });
  });

  describe('markJobRunningIfEligible', () => {
    it.each<[string, JobStateType, boolean, boolean]>([
      ['pending job with a running execution', 'Pending', true, true],
      ['queued job with a running execution', 'Queued', true, true],
      ['pending job without running executions', 'Pending', false, false],
      ['already running job', 'Running', true, false],
    ])('%s', (_name, state, running, expected) => {
      const plan = newPlan(evaluation, job(state));
      appendNewExecution(plan, execution('e-1', running ? 'Running' : 'Pending'), event('created'));
      expect(markJobRunningIfEligible(plan, event('Running'))).toBe(expected);
      expect(plan.DesiredJobState).toBe(expected ? 'Running' : 'Undefined');
    });

    it('does not override a state the plan already decided', () => {
      const plan = newPlan(evaluation, job('Pending'));
      appendApprovedExecution(plan, execution('e-1'), event('approved'));
      markJobQueued(plan, event('queued'));
      expect(markJobRunningIfEligible(plan, event('Running'))).toBe(false);
      expect(plan.DesiredJobState).toBe('Queued');
    });
  });
});
