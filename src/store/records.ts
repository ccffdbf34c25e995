/**
 * The store's rules, independent of how records are kept: what a new or updated record looks like,
 * which conditions an update must meet, how history entries are made. Implementations call these inside
 * their transaction and only persist the results.
 */
import { JobType } from '../models/constants.js';
import { EvalStatus, ZeroTime, type Evaluation } from '../models/evaluation.js';
import { emptyRunCommandResult, type Execution } from '../models/execution.js';
import { normalizeJob, validateJob, type Job } from '../models/job.js';
import { JobHistoryType, type Event, type JobHistory } from '../models/job-history.js';
import type { NodeState } from '../models/node.js';
import { isTerminalExecutionState, isTerminalJobState } from '../models/state.js';
import { hasNullChar, hasWhitespace, isBlank } from '../models/validate.js';
import {
  badRequest,
  executionAlreadyTerminal,
  invalidExecutionRevision,
  invalidExecutionState,
  invalidJobRevision,
  invalidJobState,
  jobAlreadyTerminal,
} from './errors.js';
import type {
  EvaluationChanges,
  ExecutionOrderBy,
  ExecutionQuery,
  JobOrderBy,
  UpdateExecutionCondition,
  UpdateExecutionRequest,
  UpdateJobCondition,
  UpdateJobStateRequest,
} from './types.js';

const DefaultNamespace = 'default';
export const DefaultHistoryLimit = 100;

function invalid(what: string, problems: readonly string[]): void {
  // Go joins validation errors with newlines (errors.Join).
  if (problems.length > 0) throw badRequest(`invalid ${what}: ${problems.join('\n')}`);
}

/** A job as `createJob` stores it. */
export function newJob(input: Job, now: number): Job {
  const job: Job = normalizeJob({
    ...input,
    State: { StateType: 'Pending' },
    Version: 1,
    Revision: 1,
    CreateTime: now,
    ModifyTime: now,
  });
  invalid('job', validateJob(job));
  return job;
}

/** The next version of `existing` with the spec of `update`, as `updateJob` stores it. */
export function nextJobVersion(
  existing: Job,
  update: Job,
  condition: UpdateJobCondition | undefined,
  now: number,
): Job {
  const namespace = update.Namespace === '' ? DefaultNamespace : update.Namespace;
  const name = update.Name === '' ? existing.ID : update.Name;
  if (name !== existing.Name || namespace !== existing.Namespace) {
    throw badRequest('cannot change job name or namespace during update');
  }
  if (update.Type !== '' && update.Type !== existing.Type) {
    throw badRequest(`cannot change job type during update: job ${existing.ID} is ${existing.Type}`);
  }
  checkJobCondition(existing, condition);
  const job: Job = normalizeJob({
    ...existing,
    Priority: update.Priority,
    Count: update.Count,
    Constraints: update.Constraints,
    Meta: update.Meta,
    Labels: update.Labels,
    Tasks: update.Tasks,
    State: { StateType: 'Pending' },
    Version: existing.Version + 1,
    Revision: existing.Revision + 1,
    ModifyTime: now,
  });
  invalid('job', validateJob(job));
  return job;
}

export function checkJobCondition(job: Job, condition: UpdateJobCondition | undefined): void {
  if (condition === undefined) return;
  const state = job.State.StateType;
  const { expectedState, expectedRevision, unexpectedStates } = condition;
  if (expectedState !== undefined && expectedState !== 'Undefined' && expectedState !== state) {
    throw invalidJobState(job.ID, state, expectedState);
  }
  if (expectedRevision !== undefined && expectedRevision !== 0 && expectedRevision !== job.Revision) {
    throw invalidJobRevision(job.ID, job.Revision, expectedRevision);
  }
  if (unexpectedStates?.includes(state) === true) throw invalidJobState(job.ID, state);
}

/** The job after `updateJobState`. */
export function jobWithState(job: Job, request: UpdateJobStateRequest, now: number): Job {
  checkJobCondition(job, request.condition);
  if (isTerminalJobState(job.State.StateType)) {
    throw jobAlreadyTerminal(job.ID, job.State.StateType, request.newState);
  }
  const State: Job['State'] = { ...job.State, StateType: request.newState };
  if (request.message === undefined || request.message === '') delete State.Message;
  else State.Message = request.message;
  return { ...job, State, Revision: job.Revision + 1, ModifyTime: now };
}

/** An execution as `createExecution` stores it; `job` is the current job it belongs to. */
export function newExecution(input: Execution, job: Job, now: number): Execution {
  const rest = { ...input };
  delete rest.Job;
  const createTime = input.CreateTime === 0 ? now : input.CreateTime;
  const execution: Execution = {
    ...rest,
    JobVersion: input.JobVersion === 0 ? job.Version : input.JobVersion,
    AllocatedResources: input.AllocatedResources ?? { Tasks: {} },
    PublishedResult: input.PublishedResult ?? { Type: '' },
    RunOutput: input.RunOutput ?? emptyRunCommandResult(),
    CreateTime: createTime,
    ModifyTime: input.ModifyTime === 0 ? createTime : input.ModifyTime,
    Revision: input.Revision === 0 ? 1 : input.Revision,
  };
  const problems: string[] = [];
  if (isBlank(execution.ID)) problems.push('missing execution ID');
  if (hasWhitespace(execution.ID)) problems.push('execution ID contains a space');
  if (hasNullChar(execution.ID)) problems.push('execution ID contains a null character');
  if (isBlank(execution.Namespace)) problems.push('execution must be in a namespace');
  if (isBlank(execution.JobID)) problems.push('missing execution job ID');
  const partitioned = job.Type === JobType.Batch || job.Type === JobType.Service;
  if (partitioned && execution.JobVersion === job.Version && job.Count > 1) {
    if (execution.PartitionIndex < 0 || execution.PartitionIndex >= job.Count) {
      problems.push(`partition index must be between 0 and ${job.Count - 1}`);
    }
  }
  invalid('execution', problems);
  return execution;
}

export function checkExecutionCondition(
  execution: Execution,
  condition: UpdateExecutionCondition | undefined,
): void {
  if (condition === undefined) return;
  const compute = execution.ComputeState.StateType;
  const desired = execution.DesiredState.StateType;
  const { expectedStates, expectedDesiredStates, expectedRevision, unexpectedStates } = condition;
  if (expectedStates !== undefined && expectedStates.length > 0 && !expectedStates.includes(compute)) {
    throw invalidExecutionState(execution.ID, compute, expectedStates);
  }
  if (
    expectedDesiredStates !== undefined &&
    expectedDesiredStates.length > 0 &&
    !expectedDesiredStates.includes(desired)
  ) {
    throw invalidExecutionState(execution.ID, desired, expectedDesiredStates);
  }
  if (expectedRevision !== undefined && expectedRevision !== 0 && expectedRevision !== execution.Revision) {
    throw invalidExecutionRevision(execution.ID, execution.Revision, expectedRevision);
  }
  if (unexpectedStates?.includes(compute) === true) throw invalidExecutionState(execution.ID, compute);
}

/** The execution after `updateExecution`. */
export function updatedExecution(
  existing: Execution,
  request: UpdateExecutionRequest,
  now: number,
): Execution {
  checkExecutionCondition(existing, request.condition);
  const next = request.newValues.ComputeState?.StateType ?? existing.ComputeState.StateType;
  if (isTerminalExecutionState(existing.ComputeState.StateType)) {
    throw executionAlreadyTerminal(existing.ID, existing.ComputeState.StateType, next);
  }
  const merged: Execution = { ...existing };
  const target = merged as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(request.newValues)) {
    if (value !== undefined && !immutableExecutionFields.has(key)) target[key] = value;
  }
  merged.Revision = existing.Revision + 1;
  merged.ModifyTime =
    request.newValues.ModifyTime === undefined || request.newValues.ModifyTime === 0
      ? now
      : request.newValues.ModifyTime;
  return merged;
}

const immutableExecutionFields = new Set([
  'ID',
  'JobID',
  'JobVersion',
  'Namespace',
  'CreateTime',
  'Revision',
  'Job',
]);

/** An evaluation as `createEvaluation` stores it. */
export function newEvaluation(
  input: Evaluation,
  job: Pick<Job, 'ID' | 'Namespace' | 'Type'>,
  now: number,
): Evaluation {
  return {
    ...input,
    JobID: input.JobID === '' ? job.ID : input.JobID,
    Namespace: input.Namespace === '' ? job.Namespace : input.Namespace,
    Type: input.Type === '' ? job.Type : input.Type,
    Status: input.Status === '' ? EvalStatus.Pending : input.Status,
    WaitUntil: input.WaitUntil === '' ? ZeroTime : input.WaitUntil,
    CreateTime: input.CreateTime === 0 ? now : input.CreateTime,
    ModifyTime: input.ModifyTime === 0 ? now : input.ModifyTime,
  };
}

export function updatedEvaluation(existing: Evaluation, changes: EvaluationChanges, now: number): Evaluation {
  const next: Evaluation = { ...existing, ModifyTime: now };
  if (changes.Status !== undefined) next.Status = changes.Status;
  if (changes.Comment !== undefined) next.Comment = changes.Comment;
  if (changes.WaitUntil !== undefined) next.WaitUntil = changes.WaitUntil;
  if (changes.Priority !== undefined) next.Priority = changes.Priority;
  return next;
}

/** History entries numbered from `lastSeqNum + 1`. */
export function historyEntries(
  lastSeqNum: number,
  base: { JobID: string; JobVersion: number; ExecutionID?: string },
  events: readonly Event[],
  time: string,
): JobHistory[] {
  return events.map((event, i) => {
    const entry: JobHistory = {
      SeqNum: lastSeqNum + i + 1,
      Type: base.ExecutionID === undefined ? JobHistoryType.JobLevel : JobHistoryType.ExecutionLevel,
      JobID: base.JobID,
      JobVersion: base.JobVersion,
      Event: { ...event, Timestamp: event.Timestamp === '' ? time : event.Timestamp },
      Time: time,
    };
    if (base.ExecutionID !== undefined) entry.ExecutionID = base.ExecutionID;
    return entry;
  });
}

export function checkNode(node: NodeState): void {
  if (isBlank(node.Info.NodeID)) throw badRequest('invalid node: missing node ID');
}

/** Column to sort jobs by; BadRequest for anything else. */
export function jobOrderColumn(orderBy: JobOrderBy | undefined): 'create_time' | 'modify_time' | 'id' {
  switch (orderBy ?? '') {
    case '':
    case 'created_at':
      return 'create_time';
    case 'modified_at':
      return 'modify_time';
    // Bacalhau's CLI offers it and its store refuses it; the IDs are unique, so this order is total
    case 'id':
      return 'id';
    default:
      throw badRequest(`OrderBy ${String(orderBy)} not supported for listJobs`);
  }
}

export function executionOrderColumn(orderBy: ExecutionOrderBy | undefined): 'create_time' | 'modify_time' {
  switch (orderBy ?? '') {
    case '':
    case 'created_at':
    case 'create_time':
      return 'create_time';
    case 'modified_at':
    case 'modify_time':
      return 'modify_time';
    default:
      throw badRequest(`OrderBy ${String(orderBy)} not supported for listExecutions`);
  }
}

export function checkExecutionQuery(query: ExecutionQuery): void {
  const jobID = query.jobID ?? '';
  if (jobID === '' && (query.nodeIDs ?? []).length === 0 && query.inProgressOnly !== true) {
    throw badRequest('bad GetExecutions request: JobID, NodeIDs or InProgressOnly must be set');
  }
  if ((query.jobVersion ?? 0) > 0 && jobID === '') {
    throw badRequest('bad GetExecutions request: JobVersion cannot be set without JobID');
  }
}

/** Namespace filter of a job query: undefined = all. */
export function namespaceFilter(namespace: string | undefined): string | undefined {
  return namespace === undefined || namespace === '' || namespace === '*' ? undefined : namespace;
}

export { DefaultNamespace };
