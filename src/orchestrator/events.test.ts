import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import type { Execution } from '../models/execution.js';
import { OrchestratorEvents } from './events.js';

const events = new OrchestratorEvents(() => new Date('2024-08-19T20:40:00.100Z'));

describe('OrchestratorEvents', () => {
  it('stamps events with the injected clock and Bacalhau’s topic', () => {
    expect(events.jobSubmitted()).toEqual({
      Message: 'Job submitted',
      Topic: 'Submission',
      Timestamp: '2024-08-19T20:40:00.1Z',
    });
  });

  it('state updates carry the new state, with an optional message', () => {
    expect(events.jobStateUpdate('Running')).toMatchObject({
      Message: 'Running',
      Topic: 'State Update',
      Details: { NewState: 'Running' },
    });
    expect(events.jobStateUpdate('Failed', 'boom').Message).toBe('Failed. boom');
  });

  it('queueing explains the reason', () => {
    expect(events.jobQueued('not enough nodes').Message).toBe('Job queued. not enough nodes');
    expect(events.jobQueued('').Message).toBe('Job queued');
  });

  it('timeouts are errors with Go durations and the hint', () => {
    expect(events.executionTimeout(90)).toEqual({
      Message: 'Execution timed out. Execution took longer than 1m30s',
      Topic: 'Exec Timeout',
      Timestamp: '2024-08-19T20:40:00.1Z',
      Details: {
        IsError: 'true',
        Hint: 'Increase the task timeout or allocate more resources',
        FailsExecution: 'true',
      },
    });
    expect(events.jobTimeout(3600).Message).toBe('Job timed out. Job took longer than 1h0m0s');
  });

  it('names the node of a new execution by its short ID', () => {
    const execution = { NodeID: 'n-7d3a1b2c-1111-4222-8333-444455556666' } as Execution;
    expect(events.execCreated(execution)).toMatchObject({
      Message: 'Requested execution on n-7d3a1b2c',
      Details: { NodeID: execution.NodeID },
    });
  });

  it('turns a BacalhauError into an error event with its hint and code', () => {
    const err = new BacalhauError('not enough nodes to run job', {
      code: ErrorCode.ResourceExhausted,
      component: 'Orchestrator',
      hint: 'add nodes',
      retryable: true,
    });
    expect(events.fromError('Scheduling', err).Details).toEqual({
      IsError: 'true',
      Hint: 'add nodes',
      Retryable: 'true',
      ErrorCode: 'Orchestrator:ResourceExhausted',
    });
  });
});
