/**
 * Which message an execution change sends to its compute node (Bacalhau
 * `pkg/orchestrator/watchers/execution_transitions.go`, applied in `ncl_message_creator.go`). Pure.
 *
 * The rules, checked in this order; the first that holds wins:
 *
 * | change | message |
 * |---|---|
 * | created with desired state Pending (bid first: batch, service) | `AskForBid` |
 * | created with desired state Running (direct run: daemon, ops) | `AskForBid` |
 * | desired Pending → Running (the scheduler approved the bid) | `BidAccepted` |
 * | desired Pending → Stopped, previous compute state AskForBid or AskForBidAccepted | `BidRejected` |
 * | desired (not Stopped) → Stopped, previous compute state not terminal | `CancelExecution` |
 *
 * Updates that change neither the desired nor the compute state type send nothing.
 *
 * Deliberate difference: Go tests the *current* compute state for BidRejected, but a plan that rejects
 * a bid has already set it to BidRejected, so in Go the rule never fires and the node receives a
 * CancelExecution instead. Testing the previous state sends the BidRejected the protocol intends.
 */
import { isTerminalExecutionState } from '../../models/index.js';
import type { Execution } from '../../models/index.js';
import type { OrchestratorMessage } from '../../transport/messages.js';

export type DispatchMessageType = OrchestratorMessage['type'];

/** The message `current` calls for, given the stored `previous` (undefined for a new execution). */
export function messageTypeFor(current: Execution, previous?: Execution): DispatchMessageType | undefined {
  const desired = current.DesiredState.StateType;
  if (previous === undefined) {
    return desired === 'Pending' || desired === 'Running' ? 'AskForBid' : undefined;
  }
  if (!hasStateChange(current, previous)) return undefined;
  const previousDesired = previous.DesiredState.StateType;
  const previousCompute = previous.ComputeState.StateType;
  if (previousDesired === 'Pending' && desired === 'Running') return 'BidAccepted';
  if (
    previousDesired === 'Pending' &&
    desired === 'Stopped' &&
    (previousCompute === 'AskForBid' || previousCompute === 'AskForBidAccepted')
  ) {
    return 'BidRejected';
  }
  if (previousDesired !== 'Stopped' && desired === 'Stopped' && !isTerminalExecutionState(previousCompute)) {
    return 'CancelExecution';
  }
  return undefined;
}

/**
 * The message that brings a node in line with an execution as stored, whatever it already received
 * (for re-sending after an orchestrator restart; compute nodes ignore what they already applied):
 * an unanswered ask is asked again, an approved bid approved again, a stopped execution whose node
 * may still hold it rejected or cancelled.
 */
export function messageTypeForState(execution: Execution): DispatchMessageType | undefined {
  const desired = execution.DesiredState.StateType;
  const compute = execution.ComputeState.StateType;
  if (isTerminalExecutionState(compute)) return undefined;
  if (desired === 'Stopped') {
    return compute === 'AskForBid' || compute === 'AskForBidAccepted' ? 'BidRejected' : 'CancelExecution';
  }
  if (compute === 'New' || compute === 'AskForBid') return 'AskForBid';
  if (desired === 'Running' && compute === 'BidAccepted') return 'BidAccepted';
  return undefined;
}

/**
 * Whether the node may still hold a stopped execution: Failed (its node was lost, it timed out, or
 * the node reported it; a cancel of those is ignored) or Cancelled, not Completed and not a refused bid.
 */
export function mayStillRunOnNode(execution: Execution): boolean {
  const compute = execution.ComputeState.StateType;
  return execution.DesiredState.StateType === 'Stopped' && (compute === 'Failed' || compute === 'Cancelled');
}

/** Go's `ExecutionUpsert.HasStateChange`. */
export function hasStateChange(current: Execution, previous: Execution): boolean {
  return (
    previous.DesiredState.StateType !== current.DesiredState.StateType ||
    previous.ComputeState.StateType !== current.ComputeState.StateType
  );
}
