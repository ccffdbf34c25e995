import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/index.js';
import {
  askForBid,
  baseResponse,
  bidAccepted,
  bidRejected,
  bidResult,
  cancelExecution,
  computeError,
  computeErrorInfo,
  eventFromError,
  isComputeMessageType,
  isOrchestratorMessageType,
  MessageType,
  newEvent,
  runResult,
  sequenced,
} from './messages.js';
import { testExecution, testJob } from './testing/fixtures.js';

const now = new Date('2025-02-03T04:05:06.789Z');

describe('message types', () => {
  it("are spelled as Bacalhau's messages constants", () => {
    expect(Object.values(MessageType)).toEqual([
      'AskForBid',
      'BidAccepted',
      'BidRejected',
      'CancelExecution',
      'BidResult',
      'RunResult',
      'ComputeError',
      'transport.HandshakeRequest',
      'transport.HeartbeatRequest',
      'transport.UpdateNodeInfoRequest',
      'transport.ShutdownNoticeRequest',
      'transport.HandshakeResponse',
      'transport.HeartbeatResponse',
      'transport.UpdateNodeInfoResponse',
      'transport.ShutdownNoticeResponse',
    ]);
  });

  it('tell the direction of a data-plane message', () => {
    expect(
      ['AskForBid', 'BidAccepted', 'BidRejected', 'CancelExecution'].every(isOrchestratorMessageType),
    ).toBe(true);
    expect(['BidResult', 'RunResult', 'ComputeError'].every(isComputeMessageType)).toBe(true);
    expect(isOrchestratorMessageType('BidResult')).toBe(false);
    expect(isComputeMessageType('transport.HeartbeatRequest')).toBe(false);
  });
});

describe('constructors', () => {
  const execution = testExecution({ id: 'e-1', job: testJob({ ID: 'j-1', Type: 'service' }) });

  it('build orchestrator messages with empty events by default', () => {
    expect(askForBid(execution)).toEqual({
      type: 'AskForBid',
      payload: { Events: [], Execution: execution },
    });
    expect(bidAccepted('e-1')).toEqual({
      type: 'BidAccepted',
      payload: { Events: [], ExecutionID: 'e-1', Accepted: true },
    });
    const events = [newEvent('Scheduling', 'job stopped', { now })];
    expect(bidRejected('e-1', events)).toEqual({
      type: 'BidRejected',
      payload: { Events: events, ExecutionID: 'e-1' },
    });
    expect(cancelExecution('e-1')).toEqual({
      type: 'CancelExecution',
      payload: { Events: [], ExecutionID: 'e-1' },
    });
  });

  it('fill the base response from the execution', () => {
    expect(baseResponse(execution)).toEqual({
      ExecutionID: 'e-1',
      JobID: 'j-1',
      JobType: 'service',
      Events: [],
    });
    expect(baseResponse({ ...execution, Job: undefined }).JobType).toBe('');
    expect(bidResult(execution, false).payload).toEqual({ ...baseResponse(execution), Accepted: false });
  });

  it('leave absent run results out', () => {
    expect(runResult(execution, {}).payload).toEqual(baseResponse(execution));
    expect(runResult(execution, { PublishResult: { Type: 'noop' } }).payload).toEqual({
      ...baseResponse(execution),
      PublishResult: { Type: 'noop' },
    });
  });

  it('put the error first in a ComputeError', () => {
    const other = newEvent('Execution', 'Running', { now });
    const message = computeError(execution, new Error('boom'), {
      now,
      events: [other],
      topic: 'Running Execution',
    });
    expect(message.type).toBe('ComputeError');
    expect(message.payload.Events).toEqual([
      {
        Message: 'boom',
        Topic: 'Running Execution',
        Timestamp: now.toISOString(),
        Details: { IsError: 'true' },
      },
      other,
    ]);
  });

  it('attach a sequence number', () => {
    expect(sequenced(cancelExecution('e-1'), 7)).toEqual({ ...cancelExecution('e-1'), seqNum: 7 });
  });
});

describe('events and errors', () => {
  it('newEvent leaves empty details out', () => {
    expect(newEvent('Execution', 'Running', { now, details: {} })).toEqual({
      Message: 'Running',
      Topic: 'Execution',
      Timestamp: '2025-02-03T04:05:06.789Z',
    });
    // as Go's time.Time JSON: the fraction's trailing zeros dropped
    const at = new Date('2025-02-03T04:05:06.540Z');
    expect(newEvent('Execution', 'Running', { now: at }).Timestamp).toBe('2025-02-03T04:05:06.54Z');
  });

  it("eventFromError carries a BacalhauError's attributes as Bacalhau does", () => {
    const error = new BacalhauError('image not found', {
      code: ErrorCode.NotFound,
      component: 'Docker',
      hint: 'check the image name',
      retryable: true,
      failsExecution: true,
      details: { Image: 'ubuntu:nope' },
    });
    expect(eventFromError('Preparing Environment', error, now)).toEqual({
      Message: 'image not found',
      Topic: 'Preparing Environment',
      Timestamp: now.toISOString(),
      Details: {
        Image: 'ubuntu:nope',
        Hint: 'check the image name',
        Retryable: 'true',
        FailsExecution: 'true',
        ErrorCode: 'Docker:NotFound',
        IsError: 'true',
      },
    });
    expect(eventFromError('Execution', 'plain string', now).Details).toEqual({ IsError: 'true' });
  });

  it('computeErrorInfo reads the error event back', () => {
    const error = new BacalhauError('no space', { code: ErrorCode.ResourceExhausted, component: 'Bidder' });
    const payload = computeError(testExecution(), error, {
      events: [newEvent('Execution', 'extra')],
    }).payload;
    expect(computeErrorInfo(payload)).toMatchObject({
      message: 'no space',
      code: 'ResourceExhausted',
      component: 'Bidder',
      hint: '',
      retryable: false,
      failsExecution: false,
    });
  });

  it('computeErrorInfo prefers the event flagged as an error and copes with none', () => {
    const base = baseResponse(testExecution());
    const info = computeErrorInfo({
      ...base,
      Events: [
        newEvent('Execution', 'context'),
        newEvent('Execution', 'the failure', { details: { IsError: 'true' } }),
      ],
    });
    expect(info).toMatchObject({ message: 'the failure', code: '', component: '' });
    expect(computeErrorInfo(base)).toMatchObject({ message: '', code: '', details: {} });
    expect(
      computeErrorInfo({ ...base, Events: [newEvent('x', 'y', { details: { ErrorCode: 'Timeout' } })] }),
    ).toMatchObject({ code: 'Timeout', component: '' });
  });
});
