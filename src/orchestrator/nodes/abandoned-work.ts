/**
 * Executions the orchestrator gives up on a node without waiting for the node-leave batch: they are
 * failed in the transaction that decides it, and each of their jobs is evaluated again. Two cases:
 * - a node ID that comes back from another data dir (another `InstanceID`) is a new process that knows
 *   nothing of the executions placed on the old one;
 * - an operator deleted the node: it handshakes again within a second or two, as a new node (PENDING
 *   under manual approval), and its work must not carry on there.
 * Left to the batched node-leave, either would be replaced by the node's new join, and the executions
 * would stay in progress on that node.
 */
import { EvalTrigger, newJobEvaluation } from '../../models/index.js';
import type { Event } from '../../models/index.js';
import type { JobStoreTx } from '../../store/types.js';

export const NodeReplacedMessage = 'the node came back with another data dir: its executions there are lost';
export const NodeDeletedMessage = 'the node was deleted: its executions there are given up';

/** Fails the node's in-progress executions, with `event`'s message; returns how many. */
export function failNodeWork(
  tx: JobStoreTx,
  nodeId: string,
  event: Event,
  newEvaluationId: () => string,
): number {
  const abandoned = tx.listExecutions({ nodeIDs: [nodeId], inProgressOnly: true, allJobVersions: true });
  const jobs = new Set<string>();
  for (const execution of abandoned) {
    tx.updateExecution({
      executionID: execution.ID,
      newValues: {
        ComputeState: { StateType: 'Failed', Message: event.Message },
        DesiredState: { StateType: 'Stopped', Message: event.Message },
      },
      events: [event],
    });
    jobs.add(execution.JobID);
  }
  for (const jobID of jobs) {
    tx.createEvaluation(newJobEvaluation(tx.getJob(jobID), EvalTrigger.NodeLeave, newEvaluationId()));
  }
  return abandoned.length;
}
