/**
 * Orchestrator messages become execution-store writes (Go's compute `MessageHandler`); everything else
 * (bidding, running, cancelling, answering) follows from the store's change events. A message about an
 * execution that has moved on is dropped: the orchestrator learns the outcome from the node's own
 * messages. Replays after a reconnect hit the same conditions and change nothing. A BidAccepted for an
 * execution the node has no record of goes to `onUnknown` (unknown-executions.ts).
 */
import { BacalhauError, ErrorCode, MetaKey, Protocol } from '../models/index.js';
import type { Event } from '../models/index.js';
import type { OrchestratorMessage } from '../transport/messages.js';
import { isAlreadyTerminal, isExecutionNotFound, isInvalidState } from './store/errors.js';
import type { ExecutionStore } from './store/types.js';

export const MessageHandlerComponent = 'ComputeMessageHandler';

/** Bacalhau's `BaseRequest.Message()`: the first event's message. */
function requestMessage(events: readonly Event[]): string {
  return events[0]?.Message ?? '';
}

export function handleOrchestratorMessage(
  store: ExecutionStore,
  message: OrchestratorMessage,
  onUnknown: (executionID: string) => void = () => undefined,
): void {
  try {
    apply(store, message);
  } catch (err) {
    // Benign races: the execution already finished, or already went past the state the message expects.
    if (isAlreadyTerminal(err) || isInvalidState(err)) return;
    // the store's own lookup says so, without a read of its own on every BidAccepted
    if (message.type === 'BidAccepted' && isExecutionNotFound(err)) {
      onUnknown(message.payload.ExecutionID);
      return;
    }
    throw err;
  }
}

function apply(store: ExecutionStore, message: OrchestratorMessage): void {
  switch (message.type) {
    case 'AskForBid': {
      const execution = message.payload.Execution;
      if (execution.Job === undefined) {
        throw new BacalhauError('job is missing in the execution', {
          code: ErrorCode.BadRequest,
          component: MessageHandlerComponent,
        });
      }
      // A duplicate ask (an orchestrator replay across restarts) must not bid twice.
      if (store.find(execution.ID) !== undefined) return;
      const job = {
        ...execution.Job,
        Meta: { ...execution.Job.Meta, [MetaKey.OrchestratorProtocol]: Protocol.NCLV1 },
      };
      store.create({ ...execution, Job: job });
      return;
    }
    case 'BidAccepted':
      store.update({
        executionID: message.payload.ExecutionID,
        condition: { expectedStates: ['New', 'AskForBidAccepted'] },
        newValues: { ComputeState: { StateType: 'BidAccepted', Message: '' } },
      });
      return;
    case 'BidRejected':
      store.update({
        executionID: message.payload.ExecutionID,
        condition: { expectedStates: ['New', 'AskForBidAccepted'] },
        newValues: {
          ComputeState: { StateType: 'BidRejected', Message: requestMessage(message.payload.Events) },
        },
        events: message.payload.Events,
      });
      return;
    case 'CancelExecution':
      if (store.find(message.payload.ExecutionID) === undefined) return;
      store.update({
        executionID: message.payload.ExecutionID,
        newValues: {
          ComputeState: { StateType: 'Cancelled', Message: requestMessage(message.payload.Events) },
        },
        events: message.payload.Events,
      });
      return;
  }
}
