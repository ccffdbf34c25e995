/**
 * How the executor names and labels what it creates on the daemon (Go `dockerObjectName` and
 * `containerLabels`), so that a restarted node finds its containers again and removes the orphans.
 *
 * Label values are Go's: the executor ID concatenated with the job or execution ID, no separator.
 * The role and instance labels are ours. Role: an HTTP-mode execution has a sandbox container besides
 * its job container, and only the job container may be re-attached to. Instance: the executor ID is
 * the node's name, which a second node on the same daemon may be given by mistake; the data dir's
 * InstanceID keeps each one's restart clean-up (orphans, stop) away from the other's containers.
 */
export const Label = {
  Executor: 'bacalhau-executor',
  Job: 'bacalhau-jobID',
  Execution: 'bacalhau-executionID',
  Role: 'bacalhau-role',
  Instance: 'bacalhau-instance',
} as const;

export type ContainerRole = 'executor' | 'sandbox';

/** Whose containers: the executor's (the node ID, as in Go) of one data dir's node. */
export interface ExecutorScope {
  executorID: string;
  instanceID: string;
}

export interface ExecutionRef extends ExecutorScope {
  jobID: string;
  executionID: string;
}

/** `bacalhau-<executorID>-<jobID>-<executionID>-<role>` (Go's job container ends in `-executor`). */
export function containerName(ref: ExecutionRef, role: ContainerRole): string {
  return ['bacalhau', ref.executorID, ref.jobID, ref.executionID, role].join('-');
}

export function containerLabels(ref: ExecutionRef, role: ContainerRole): Record<string, string> {
  return {
    [Label.Executor]: ref.executorID,
    [Label.Job]: ref.executorID + ref.jobID,
    [Label.Execution]: executionLabelValue(ref.executorID, ref.executionID),
    [Label.Role]: role,
    [Label.Instance]: ref.instanceID,
  };
}

export function executionLabelValue(executorID: string, executionID: string): string {
  return executorID + executionID;
}

/** The execution ID in a label value this executor wrote, or undefined when another one wrote it. */
export function executionIDFromLabel(executorID: string, value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith(executorID) || value.length === executorID.length)
    return undefined;
  return value.slice(executorID.length);
}
