/**
 * The store's errors, with Bacalhau's codes and messages (`pkg/jobstore/errors.go`,
 * `pkg/orchestrator/nodes/errors.go`). Every implementation throws these, so the contract suite can
 * assert codes and messages.
 */
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import type { ExecutionDesiredStateType, ExecutionStateType, JobStateType } from '../models/state.js';

export const JobStoreComponent = 'JobStore';
export const NodeStoreComponent = 'NodesManager';

/** Codes Bacalhau's store packages define besides `bacerrors`' own; they travel as these exact strings. */
export const StoreErrorCode = {
  ConflictJobState: ErrorCode.ConflictJobState,
  MultipleJobsFound: ErrorCode.MultipleJobsFound,
  ConflictJobRevision: ErrorCode.ConflictJobRevision,
  MultipleExecutionsFound: ErrorCode.MultipleExecutionsFound,
  MultipleNodesFound: ErrorCode.MultipleNodesFound,
} as const;

/**
 * Conflicts are the caller's to resolve (re-read and retry, or report): HTTP 409, where Bacalhau's
 * unmapped codes give 500. Deliberate, so that e.g. stopping a terminal job is not a server error.
 */
const conflictStatus = 409;

function jobStoreError(message: string, code: ErrorCode, extra: { hint?: string; httpStatus?: number } = {}) {
  return new BacalhauError(message, { code, component: JobStoreComponent, ...extra });
}

export function jobNotFound(id: string): BacalhauError {
  return jobStoreError(`job not found: ${id}`, ErrorCode.NotFound);
}

/** Go names the key of its name index (`name:namespace`). */
export function jobNameNotFound(name: string, namespace: string): BacalhauError {
  return jobStoreError(`job name index not found: ${name}:${namespace}`, ErrorCode.NotFound);
}

export function jobVersionNotFound(jobID: string, version: number): BacalhauError {
  return jobStoreError(`job version ${version} not found for job ${jobID}`, ErrorCode.NotFound);
}

export function multipleJobsFound(prefix: string): BacalhauError {
  return jobStoreError(`multiple jobs found for id ${prefix}`, StoreErrorCode.MultipleJobsFound, {
    hint: 'Use full job ID',
  });
}

export function jobAlreadyExists(id: string): BacalhauError {
  return jobStoreError(`job already exists: ${id}`, ErrorCode.ResourceInUse);
}

export function jobNameAlreadyExists(name: string, namespace: string): BacalhauError {
  return jobStoreError(`job name ${name} already exists in namespace ${namespace}`, ErrorCode.ResourceInUse);
}

export function invalidJobState(id: string, actual: JobStateType, expected?: JobStateType): BacalhauError {
  const message =
    expected === undefined || expected === 'Undefined'
      ? `job ${id} is in unexpected state ${actual}`
      : `job ${id} is in state ${actual} but expected ${expected}`;
  return jobStoreError(message, StoreErrorCode.ConflictJobState, { httpStatus: conflictStatus });
}

export function invalidJobRevision(id: string, actual: number, expected: number): BacalhauError {
  return jobStoreError(
    `job ${id} has revision ${actual} but expected ${expected}`,
    StoreErrorCode.ConflictJobRevision,
    { httpStatus: conflictStatus },
  );
}

export function jobAlreadyTerminal(id: string, actual: JobStateType, next: JobStateType): BacalhauError {
  return jobStoreError(
    `job ${id} is in terminal state ${actual} and cannot transition to ${next}`,
    StoreErrorCode.ConflictJobState,
    { httpStatus: conflictStatus },
  );
}

export function executionNotFound(id: string): BacalhauError {
  return jobStoreError(`execution not found: ${id}`, ErrorCode.NotFound);
}

export function multipleExecutionsFound(prefix: string): BacalhauError {
  return jobStoreError(`multiple executions found for id ${prefix}`, StoreErrorCode.MultipleExecutionsFound, {
    hint: 'Use full execution ID',
  });
}

export function executionAlreadyExists(id: string): BacalhauError {
  return jobStoreError(`execution already exists ${id}`, ErrorCode.ResourceInUse);
}

/** Go prints a slice of states as `[A B]`. */
function goList(values: readonly string[]): string {
  return `[${values.join(' ')}]`;
}

export function invalidExecutionState(
  id: string,
  actual: ExecutionStateType | ExecutionDesiredStateType,
  expected: readonly string[] = [],
): BacalhauError {
  const message =
    expected.length === 0
      ? `execution ${id} is in unexpected state ${actual}`
      : `execution ${id} is in state ${actual}, but expected ${goList(expected)}`;
  return jobStoreError(message, StoreErrorCode.ConflictJobState, { httpStatus: conflictStatus });
}

export function invalidExecutionRevision(id: string, actual: number, expected: number): BacalhauError {
  return jobStoreError(
    `execution ${id} has revision ${actual} but expected ${expected}`,
    StoreErrorCode.ConflictJobRevision,
    { httpStatus: conflictStatus },
  );
}

export function executionAlreadyTerminal(
  id: string,
  actual: ExecutionStateType,
  next: ExecutionStateType,
): BacalhauError {
  return jobStoreError(
    `execution ${id} is in terminal state ${actual} and cannot transition to ${next}`,
    StoreErrorCode.ConflictJobState,
    { httpStatus: conflictStatus },
  );
}

export function evaluationAlreadyExists(id: string): BacalhauError {
  return jobStoreError(`evaluation already exists: ${id}`, ErrorCode.ResourceInUse);
}

export function evaluationNotFound(id: string): BacalhauError {
  return jobStoreError(`evaluation not found: ${id}`, ErrorCode.NotFound);
}

export function badRequest(message: string): BacalhauError {
  return jobStoreError(message, ErrorCode.BadRequest);
}

export function nodeNotFound(id: string): BacalhauError {
  return new BacalhauError(`node not found: ${id}`, {
    code: ErrorCode.NotFound,
    component: NodeStoreComponent,
  });
}

export function multipleNodesFound(prefix: string, matching: readonly string[]): BacalhauError {
  const shown = matching.length > 3 ? [...matching.slice(0, 3), '...'] : matching;
  return new BacalhauError(`multiple nodes found for prefix: ${prefix}, matching IDs: ${goList(shown)}`, {
    code: StoreErrorCode.MultipleNodesFound,
    component: NodeStoreComponent,
    httpStatus: conflictStatus,
    hint: 'Use a more specific node ID prefix',
  });
}

export function storeClosed(): BacalhauError {
  return jobStoreError('job store is closed', ErrorCode.ServiceUnavailable);
}

/** A failure of the storage itself (I/O, corruption, lock contention). */
export function datastoreFailure(
  message: string,
  cause: unknown,
  retryable = false,
  hint?: string,
): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.DatastoreFailure,
    component: JobStoreComponent,
    retryable,
    cause,
    ...(hint === undefined ? {} : { hint }),
  });
}
