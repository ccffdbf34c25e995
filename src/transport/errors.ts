/**
 * The errors a transport raises. Every one is a BacalhauError with a code; callers branch on the code
 * (or on {@link isHandshakeRequired}), never on the message.
 */
import { BacalhauError, ErrorCode } from '../models/index.js';

export const TransportComponent = 'Transport';

/**
 * Bacalhau's `nodes.HandshakeRequired` code: the orchestrator has no live connection for the node
 * (never connected, timed out, or disconnected by the orchestrator). The compute node must handshake
 * again; messages it missed are then replayed. It travels on the wire as
 * `Bacalhau-ErrorCode: HandshakeRequired` like any other code.
 */
export const HandshakeRequiredCode = ErrorCode.HandshakeRequired;

export function handshakeRequiredError(nodeId: string): BacalhauError {
  return new BacalhauError(`node ${nodeId} not connected - handshake required`, {
    code: HandshakeRequiredCode,
    component: TransportComponent,
    httpStatus: 428,
    retryable: true,
  });
}

export function isHandshakeRequired(err: unknown): boolean {
  return err instanceof BacalhauError && err.code === HandshakeRequiredCode;
}

/** The transport (or the side of it the call was made on) has been stopped. */
export function transportStoppedError(what = 'transport'): BacalhauError {
  return new BacalhauError(`${what} stopped`, {
    code: ErrorCode.ServiceUnavailable,
    component: TransportComponent,
  });
}

/** The other side cannot be reached (network partition, orchestrator down). Worth retrying. */
export function networkError(message: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.NetworkFailure,
    component: TransportComponent,
    retryable: true,
  });
}

/** The orchestrator refused the handshake; `details.reason` holds its reason. */
export function handshakeRejectedError(nodeId: string, reason: string): BacalhauError {
  return new BacalhauError(`handshake of node ${nodeId} rejected by orchestrator: ${reason}`, {
    code: ErrorCode.Forbidden,
    component: TransportComponent,
    details: { reason },
  });
}

/** The caller's AbortSignal fired. */
export function abortedError(signal: AbortSignal): BacalhauError {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof DOMException && reason.name === 'TimeoutError';
  return new BacalhauError(timedOut ? 'request timed out' : 'request cancelled', {
    code: timedOut ? ErrorCode.TimeOut : ErrorCode.RequestCancelled,
    component: TransportComponent,
    retryable: timedOut,
    cause: reason,
  });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortedError(signal);
}

/** Any thrown value as a BacalhauError, keeping BacalhauErrors as they are. */
export function asBacalhauError(err: unknown): BacalhauError {
  if (err instanceof BacalhauError) return err;
  return BacalhauError.wrap(err, 'transport handler failed', {
    code: ErrorCode.InternalError,
    component: TransportComponent,
  });
}
