/** The execution store's errors, with Bacalhau's messages (`pkg/compute/store/errors.go`). */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import type { ExecutionStateType } from '../../models/state.js';

export const ExecutionStoreComponent = 'ExecutionStore';

function storeError(message: string, code: ErrorCode, details: Record<string, string> = {}): BacalhauError {
  return new BacalhauError(message, { code, component: ExecutionStoreComponent, details });
}

export function executionNotFound(id: string): BacalhauError {
  return storeError(`execution not found: ${id}`, ErrorCode.ExecutionNotFound);
}

export function executionAlreadyExists(id: string): BacalhauError {
  return storeError(`execution already exists: ${id}`, ErrorCode.ResourceInUse);
}

/** Go prints the expected states as a slice: `[New AskForBidAccepted]`. */
export function invalidExecutionState(
  id: string,
  actual: ExecutionStateType,
  expected: readonly ExecutionStateType[] = [],
): BacalhauError {
  return storeError(
    `execution ${id} is in state ${actual} but expected one of [${expected.join(' ')}]`,
    ErrorCode.BadRequest,
    { actual, kind: 'state' },
  );
}

export function invalidExecutionRevision(id: string, actual: number, expected: number): BacalhauError {
  return storeError(`execution ${id} has revision ${actual} but expected ${expected}`, ErrorCode.BadRequest);
}

export function executionAlreadyTerminal(
  id: string,
  actual: ExecutionStateType,
  newState: ExecutionStateType,
): BacalhauError {
  return storeError(
    `execution ${id} is in terminal state ${actual} and cannot transition to ${newState}`,
    ErrorCode.BadRequest,
    { actual, kind: 'terminal' },
  );
}

/** Whether `err` says the execution had already reached a terminal state (a benign race). */
export function isAlreadyTerminal(err: unknown): boolean {
  return (
    err instanceof BacalhauError &&
    err.component === ExecutionStoreComponent &&
    err.details.kind === 'terminal'
  );
}

/** Whether `err` says the store has no record of the execution. */
export function isExecutionNotFound(err: unknown): boolean {
  return (
    err instanceof BacalhauError &&
    err.component === ExecutionStoreComponent &&
    err.code === ErrorCode.ExecutionNotFound
  );
}

/** Whether `err` is a failed state condition (the execution moved on meanwhile). */
export function isInvalidState(err: unknown): boolean {
  return (
    err instanceof BacalhauError && err.component === ExecutionStoreComponent && err.details.kind === 'state'
  );
}
