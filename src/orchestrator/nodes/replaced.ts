/**
 * A node ID that comes back from another data dir (another `InstanceID`) is a new process that knows
 * nothing of the executions the orchestrator placed on the old one: without this, they would stay
 * in progress on that node forever (a node-leave batched with the new join is replaced by it). They
 * are failed in the handshake's own transaction, and each of their jobs is evaluated again.
 */
import { EvalTrigger, newJobEvaluation } from '../../models/index.js';
import type { Event } from '../../models/index.js';
import type { JobStoreTx } from '../../store/types.js';

export const NodeReplacedMessage = 'the node came back with another data dir: its executions there are lost';

/** Fails the node's in-progress executions; returns how many. */
export function failReplacedNodeWork(
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
        ComputeState: { StateType: 'Failed', Message: NodeReplacedMessage },
        DesiredState: { StateType: 'Stopped', Message: NodeReplacedMessage },
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
