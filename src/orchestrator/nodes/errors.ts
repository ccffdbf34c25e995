/**
 * The node manager's errors, with Bacalhau's codes, messages and HTTP statuses
 * (`pkg/orchestrator/nodes/errors.go`). "Not found" and "multiple nodes found" come from the store
 * (`src/store/errors.ts`), which already speaks for the same component.
 */
import { BacalhauError, ErrorCode } from '../../models/index.js';

export const NodeManagerComponent = 'NodesManager';

/**
 * The node has no live connection here (never handshook, timed out, shut down, rejected or deleted):
 * it must handshake again. HTTP 428, retryable, as `NewErrHandshakeRequired`.
 */
export function handshakeRequired(nodeId: string): BacalhauError {
  return new BacalhauError(`node ${nodeId} not connected - handshake required`, {
    code: ErrorCode.HandshakeRequired,
    component: NodeManagerComponent,
    httpStatus: 428,
    retryable: true,
  });
}

/** `nodeId` is the ID or prefix the caller passed, as Go formats it. HTTP 409. */
export function nodeAlreadyApproved(nodeId: string): BacalhauError {
  return new BacalhauError(`node ${nodeId} already approved`, {
    code: ErrorCode.ConflictNodeState,
    component: NodeManagerComponent,
    httpStatus: 409,
  });
}

/** `nodeId` is the ID or prefix the caller passed, as Go formats it. HTTP 409. */
export function nodeAlreadyRejected(nodeId: string): BacalhauError {
  return new BacalhauError(`node ${nodeId} already rejected`, {
    code: ErrorCode.ConflictNodeState,
    component: NodeManagerComponent,
    httpStatus: 409,
  });
}

/** Rejecting or deleting the orchestrator's own node would take it off its own node list. HTTP 409. */
export function ownNode(nodeId: string, action: 'reject' | 'delete'): BacalhauError {
  return new BacalhauError(`cannot ${action} node ${nodeId}: it is this orchestrator`, {
    code: ErrorCode.ConflictNodeState,
    component: NodeManagerComponent,
    httpStatus: 409,
    hint: 'Only other nodes can be rejected or deleted: this one runs the orchestrator (and its own compute node, if any)',
  });
}

/** The manager was stopped; callers (the transport, the API) may retry against a new one. */
export function nodeManagerStopped(): BacalhauError {
  return new BacalhauError('node manager stopped', {
    code: ErrorCode.ServiceUnavailable,
    component: NodeManagerComponent,
    retryable: true,
  });
}
