import { describe, expect, it } from 'vitest';
import type { Execution, ExecutionDesiredStateType, ExecutionStateType } from '../../models/index.js';
import { makeExecution, makeJob } from '../../store/store.contract.js';
import { messageTypeFor, messageTypeForState } from './transitions.js';

const job = makeJob();

function exec(desired: ExecutionDesiredStateType, compute: ExecutionStateType): Execution {
  return makeExecution(job, {
    ID: 'e-1',
    DesiredState: { StateType: desired },
    ComputeState: { StateType: compute },
  });
}

describe('messageTypeFor', () => {
  it('asks a node to bid on a new execution that is pending or running', () => {
    expect(messageTypeFor(exec('Pending', 'New'))).toBe('AskForBid');
    expect(messageTypeFor(exec('Running', 'New'))).toBe('AskForBid');
    expect(messageTypeFor(exec('Stopped', 'Cancelled'))).toBeUndefined();
  });

  it('accepts a bid when the desired state moves from Pending to Running', () => {
    expect(messageTypeFor(exec('Running', 'BidAccepted'), exec('Pending', 'AskForBidAccepted'))).toBe(
      'BidAccepted',
    );
  });

  it('rejects a bid when a pending execution with a bid is stopped', () => {
    expect(messageTypeFor(exec('Stopped', 'BidRejected'), exec('Pending', 'AskForBidAccepted'))).toBe(
      'BidRejected',
    );
    expect(messageTypeFor(exec('Stopped', 'BidRejected'), exec('Pending', 'AskForBid'))).toBe('BidRejected');
  });

  it('cancels anything else stopped whose compute state was not terminal', () => {
    expect(messageTypeFor(exec('Stopped', 'Cancelled'), exec('Running', 'BidAccepted'))).toBe(
      'CancelExecution',
    );
    expect(messageTypeFor(exec('Stopped', 'Failed'), exec('Running', 'Running'))).toBe('CancelExecution');
    // Not yet answered: the node may be bidding.
    expect(messageTypeFor(exec('Stopped', 'Cancelled'), exec('Pending', 'New'))).toBe('CancelExecution');
  });

  it('sends nothing when the previous compute state was terminal or nothing changed', () => {
    expect(messageTypeFor(exec('Stopped', 'Failed'), exec('Running', 'Completed'))).toBeUndefined();
    expect(messageTypeFor(exec('Stopped', 'Cancelled'), exec('Stopped', 'Failed'))).toBeUndefined();
    expect(messageTypeFor(exec('Running', 'BidAccepted'), exec('Running', 'BidAccepted'))).toBeUndefined();
    expect(messageTypeFor(exec('Pending', 'AskForBidAccepted'), exec('Pending', 'New'))).toBeUndefined();
    expect(messageTypeFor(exec('Running', 'Running'), exec('Running', 'BidAccepted'))).toBeUndefined();
  });
});

describe('messageTypeForState', () => {
  it('asks again for an unanswered bid and approves again an approved one', () => {
    expect(messageTypeForState(exec('Pending', 'New'))).toBe('AskForBid');
    expect(messageTypeForState(exec('Running', 'AskForBid'))).toBe('AskForBid');
    expect(messageTypeForState(exec('Running', 'BidAccepted'))).toBe('BidAccepted');
  });

  it('rejects or cancels what is stopped but may still be held by its node', () => {
    expect(messageTypeForState(exec('Stopped', 'AskForBidAccepted'))).toBe('BidRejected');
    expect(messageTypeForState(exec('Stopped', 'BidAccepted'))).toBe('CancelExecution');
    expect(messageTypeForState(exec('Stopped', 'Running'))).toBe('CancelExecution');
  });

  it('sends nothing for a terminal execution or a bid waiting for the scheduler', () => {
    expect(messageTypeForState(exec('Stopped', 'Completed'))).toBeUndefined();
    expect(messageTypeForState(exec('Running', 'Failed'))).toBeUndefined();
    expect(messageTypeForState(exec('Pending', 'AskForBidAccepted'))).toBeUndefined();
  });
});
