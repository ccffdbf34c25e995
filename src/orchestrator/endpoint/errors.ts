/**
 * The endpoint's own errors, with Bacalhau's messages. Where Go leaves a user's mistake without a code
 * (HTTP 500), these carry one with a 4xx status; each case says why.
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import type { JobStateType } from '../../models/state.js';

export const EndpointComponent = 'Orchestrator';

/** Conflicts with the job's current state, as the store's conflicts: HTTP 409. */
const conflictStatus = 409;

/** Go: `PutJobRequest.Validate` on a body without `Job` (`empty/nil job`). */
export function emptyJob(): BacalhauError {
  return new BacalhauError('empty/nil job', { code: ErrorCode.ValidationError, component: 'JobSpec' });
}

/** Go: `DiffJobRequest.Validate`. */
export function diffNameMissing(): BacalhauError {
  return new BacalhauError('invalid job spec: name is missing', {
    code: ErrorCode.ValidationError,
    component: 'JobSpec',
    hint: 'Job name must be provided in the job spec for diff operations',
  });
}

/**
 * Go: `SubmitJob` on an identical resubmission, without a code (HTTP 500). Here ResourceInUse, 409: the
 * name is taken by a job with this very spec.
 */
export function noChangesDetected(name: string, id: string): BacalhauError {
  return new BacalhauError(`no changes detected for new job spec. Job Name: '${name}', Job Id: '${id}'`, {
    code: ErrorCode.ResourceInUse,
    component: EndpointComponent,
    hint: 'Use the --force flag to override this warning',
  });
}

/**
 * Go silently keeps the old type on update (reference 12b). Refused here, ResourceInUse (409): the name
 * belongs to a job of another type.
 */
export function jobTypeChanged(name: string, id: string, from: string, to: string): BacalhauError {
  return new BacalhauError(
    `cannot change the type of job '${name}' (${id}) from ${from} to ${to}: a job keeps its type across updates`,
    {
      code: ErrorCode.ResourceInUse,
      component: EndpointComponent,
      hint: `Submit the ${to} job under another name`,
    },
  );
}

/**
 * Go: `cannot stop job in state Completed`, without a code (HTTP 500); a Failed job passes Go's check
 * and then fails in the store (ConflictJobState, also 500). Both are 409 here, with the same message.
 */
export function cannotStop(state: JobStateType): BacalhauError {
  return new BacalhauError(`cannot stop job in state ${state}`, {
    code: ErrorCode.ConflictJobState,
    component: EndpointComponent,
    httpStatus: conflictStatus,
    hint:
      state === 'Failed'
        ? 'The job has already failed: nothing of it is running any more'
        : 'The job has already finished: nothing of it is running any more',
  });
}

/** Go: without a code (HTTP 500). 409 here: a job that has not started yet cannot be run again. */
export function cannotRerun(state: JobStateType): BacalhauError {
  return new BacalhauError(`cannot rerun job in state ${state}`, {
    code: ErrorCode.ConflictJobState,
    component: EndpointComponent,
    httpStatus: conflictStatus,
    hint: 'try to use the job run command instead of the job rerun command',
  });
}

export function invalidJobVersion(version: number): BacalhauError {
  return new BacalhauError(`invalid job version: ${version}`, {
    code: ErrorCode.ValidationError,
    component: EndpointComponent,
    hint: 'A job version is a positive integer; 0 means the current version',
  });
}

/**
 * A job too large for the transport to carry to a node (NATS refuses messages above its server's
 * `max_payload`, 1 MB by default). Go accepts such a job, which then never reaches a node and stays
 * Pending; refused here, ValidationError (400), with what to change.
 */
export function jobTooLarge(jobBytes: number, limitBytes: number): BacalhauError {
  return new BacalhauError(
    `job spec is too large to send to compute nodes: ${jobBytes} bytes encoded, and the orchestrator's ` +
      `NATS connection carries at most ${limitBytes} bytes per job (its server's max_payload, less room ` +
      'for the execution sent with it)',
    {
      code: ErrorCode.ValidationError,
      component: 'JobSpec',
      hint:
        'Move large data out of the spec: inline inputs (e.g. a big `wasm run` module) to a URL, S3 or ' +
        'local input, and long Env values or Parameters into an input file',
      details: { jobBytes: String(jobBytes), limitBytes: String(limitBytes) },
    },
  );
}
