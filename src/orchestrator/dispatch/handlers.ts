/**
 * What a compute node's report does to the store (Bacalhau `pkg/orchestrator/message_handler.go`).
 * Each report updates its execution and creates an `exec-update` evaluation in one transaction, so the
 * scheduler decides what follows (approve the bid, place elsewhere, complete or fail the job).
 *
 * | message | compute state | desired state | also |
 * |---|---|---|---|
 * | BidResult accepted | AskForBidAccepted (message: first event's) | unchanged | |
 * | BidResult refused | AskForBidRejected (message: first event's) | Stopped "bid rejected" | |
 * | RunResult | Completed | Stopped "execution completed" | PublishedResult, RunOutput |
 * | RunResult, service or daemon job | Failed "execution completed unexpectedly" | Stopped, same message | PublishedResult, RunOutput |
 * | ComputeError | Failed (message: the error's) | Stopped "execution failed" | |
 *
 * The message's events become execution history (for a ComputeError, the error event with its
 * details: IsError, Hint, Retryable, FailsExecution, ErrorCode), in time order: a failure's error
 * comes first in the message (Go's orchestrators read the first event), before the notes that led to it.
 *
 * **Idempotent**: a report that no longer applies is ignored and changes nothing, which is what makes
 * replays after a reconnect or restart safe:
 * - the execution is unknown, or assigned to another node than the sender;
 * - its compute state is already terminal (a replay, or the orchestrator gave up on it first);
 * - BidResult: compute state is not New / AskForBid (already answered or approved), or desired state is
 *   Stopped;
 * - RunResult: desired state is not Running (the bid was never approved).
 *
 * Deliberate differences from Go: Go checks only the desired state for BidResult (a replay could move
 * an approved execution back to AskForBidAccepted) and fails on all of the above (logged, not applied);
 * Go takes the evaluation's type from the message, here it comes from the stored job (with its priority).
 */
import { newJobEvaluation } from '../../models/evaluation.js';
import {
  BacalhauError,
  ErrorCode,
  EvalTrigger,
  isLongRunningJob,
  isTerminalExecutionState,
  newUUID,
} from '../../models/index.js';
import type { Evaluation, Event, Execution, ExecutionStateType, Job } from '../../models/index.js';
import type { JobStoreTx, UpdateExecutionRequest } from '../../store/types.js';
import { computeErrorInfo } from '../../transport/messages.js';
import type { BidResult, ComputeError, ComputeMessage, RunResult } from '../../transport/messages.js';

/** Desired-state messages Bacalhau writes. */
export const DispatchMessages = Object.freeze({
  bidRejected: 'bid rejected',
  executionCompleted: 'execution completed',
  completedUnexpectedly: 'execution completed unexpectedly',
  executionFailed: 'execution failed',
});

export type HandleOutcome =
  | { readonly status: 'applied'; readonly execution: Execution; readonly evaluation: Evaluation }
  | { readonly status: 'ignored'; readonly reason: string };

const bidAnswerable: readonly ExecutionStateType[] = ['New', 'AskForBid'];

/**
 * Applies one compute message from `nodeId` inside `tx`. Throws only what the store throws for
 * reasons other than the checks above (a failing database); the caller's transaction then rolls back.
 */
export function applyComputeMessage(tx: JobStoreTx, nodeId: string, message: ComputeMessage): HandleOutcome {
  const id = message.payload.ExecutionID;
  const execution = findExecution(tx, id);
  if (execution === undefined) return ignored(`execution ${id} not found`);
  if (execution.NodeID !== nodeId) {
    return ignored(`execution ${id} runs on node ${execution.NodeID}, not ${nodeId}`);
  }
  const computeState = execution.ComputeState.StateType;
  if (isTerminalExecutionState(computeState)) {
    return ignored(`execution ${id} is already in terminal state ${computeState}`);
  }
  // Only read (type, priority, namespace): the shared record saves a decode per message.
  const job = tx.peekJob(execution.JobID);

  let update: UpdateExecutionRequest | string;
  switch (message.type) {
    case 'BidResult':
      update = bidResultUpdate(execution, message.payload);
      break;
    case 'RunResult':
      update = runResultUpdate(execution, job, message.payload);
      break;
    case 'ComputeError':
      update = computeErrorUpdate(execution, message.payload);
      break;
  }
  if (typeof update === 'string') return ignored(update);

  const stored = tx.updateExecution(update);
  const evaluation = tx.createEvaluation(execUpdateEvaluation(job, newUUID()));
  return { status: 'applied', execution: stored, evaluation };
}

function bidResultUpdate(execution: Execution, result: BidResult): UpdateExecutionRequest | string {
  const state = execution.ComputeState.StateType;
  if (!bidAnswerable.includes(state)) {
    return `execution ${execution.ID} is in state ${state}: its bid was already answered`;
  }
  if (execution.DesiredState.StateType === 'Stopped') {
    return `execution ${execution.ID} is no longer wanted`;
  }
  const message = result.Events[0]?.Message ?? '';
  return {
    executionID: execution.ID,
    condition: {
      expectedRevision: execution.Revision,
      expectedStates: bidAnswerable,
      expectedDesiredStates: ['Pending', 'Running'],
    },
    newValues: result.Accepted
      ? { ComputeState: { StateType: 'AskForBidAccepted', Message: message } }
      : {
          ComputeState: { StateType: 'AskForBidRejected', Message: message },
          DesiredState: { StateType: 'Stopped', Message: DispatchMessages.bidRejected },
        },
    events: inTimeOrder(result.Events),
  };
}

function runResultUpdate(execution: Execution, job: Job, result: RunResult): UpdateExecutionRequest | string {
  if (execution.DesiredState.StateType !== 'Running') {
    return `execution ${execution.ID} has desired state ${execution.DesiredState.StateType}, not Running`;
  }
  const unexpected = isLongRunningJob(job);
  return {
    executionID: execution.ID,
    condition: { expectedRevision: execution.Revision, expectedDesiredStates: ['Running'] },
    newValues: {
      ...(result.PublishResult === undefined ? {} : { PublishedResult: result.PublishResult }),
      ...(result.RunCommandResult === undefined ? {} : { RunOutput: result.RunCommandResult }),
      ComputeState: unexpected
        ? { StateType: 'Failed', Message: DispatchMessages.completedUnexpectedly }
        : { StateType: 'Completed' },
      DesiredState: {
        StateType: 'Stopped',
        Message: unexpected ? DispatchMessages.completedUnexpectedly : DispatchMessages.executionCompleted,
      },
    },
    events: inTimeOrder(result.Events),
  };
}

function computeErrorUpdate(execution: Execution, error: ComputeError): UpdateExecutionRequest {
  return {
    executionID: execution.ID,
    condition: { expectedRevision: execution.Revision, unexpectedStates: ['Completed', 'Cancelled'] },
    newValues: {
      ComputeState: { StateType: 'Failed', Message: computeErrorInfo(error).message },
      DesiredState: { StateType: 'Stopped', Message: DispatchMessages.executionFailed },
    },
    events: inTimeOrder(error.Events),
  };
}

/** The events by Timestamp, ties (and any unreadable time) in message order. */
function inTimeOrder(events: readonly Event[]): Event[] {
  const times = events.map((event) => Date.parse(event.Timestamp));
  if (times.some(Number.isNaN)) return [...events];
  return events
    .map((event, i) => ({ event, time: times[i]! }))
    .sort((a, b) => a.time - b.time)
    .map((e) => e.event);
}

function execUpdateEvaluation(job: Job, id: string): Evaluation {
  return newJobEvaluation(job, EvalTrigger.ExecUpdate, id);
}

/** The execution with exactly this ID (the store's getExecution also matches prefixes), or undefined. */
function findExecution(tx: JobStoreTx, id: string): Execution | undefined {
  if (id === '') return undefined;
  try {
    const execution = tx.getExecution(id);
    return execution.ID === id ? execution : undefined;
  } catch (err) {
    if (isLookupMiss(err)) return undefined;
    throw err;
  }
}

function isLookupMiss(err: unknown): boolean {
  return (
    err instanceof BacalhauError &&
    (err.code === ErrorCode.NotFound || err.code === ErrorCode.MultipleExecutionsFound)
  );
}

function ignored(reason: string): HandleOutcome {
  return { status: 'ignored', reason };
}
