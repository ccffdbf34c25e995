/**
 * Executions the orchestrator places on this node but the node has no record of: its execution store
 * was lost or replaced (deleted, moved away because it was damaged) while they were under way. The
 * orchestrator would wait for them for ever, so the node tells it they failed (a ComputeError, as for
 * any failure), and the orchestrator places them again. The node learns of them from an orchestrator
 * message about one (a BidAccepted sent again after a reconnect), and at start-up from the execution
 * folders that a previous process left.
 *
 * Not a message of the store's outbox, since there is no record to attach it to: one lost with the
 * connection is sent again at the next start-up, while the folder is there (an hour).
 *
 * The job's ID is not known either, and is sent empty. Our orchestrator finds the execution by its
 * ID; Go's also looks the job up by the message's JobID, so against it the report changes nothing,
 * which leaves a Go orchestrator as it is with a Go compute node, where the execution waits for ever.
 */
import { BacalhauError, ErrorCode } from '../models/index.js';
import {
  ComputeEventTopic,
  eventFromError,
  MessageType,
  type ComputeErrorMessage,
  type Outgoing,
} from '../transport/messages.js';

export function unknownExecutionError(
  nodeID: string,
  executionID: string,
  now: Date,
): Outgoing<ComputeErrorMessage> {
  const error = new BacalhauError(
    `node ${nodeID} has no record of execution ${executionID}: its execution store was lost or replaced while the execution was under way`,
    {
      code: ErrorCode.ExecutionNotFound,
      component: 'ComputeNode',
      hint: 'the orchestrator places the execution again; its output on this node is lost',
      failsExecution: true,
    },
  );
  return {
    type: MessageType.ComputeError,
    // the job is not known here either: the orchestrator finds the execution by its ID
    payload: {
      ExecutionID: executionID,
      JobID: '',
      JobType: '',
      Events: [eventFromError(ComputeEventTopic.Execution, error, now)],
    },
  };
}
