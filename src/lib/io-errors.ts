/**
 * The errors an adapter that reads and writes the compute node's disk gives (inputs, publishers), for
 * the component it names: the disk failing, and the operation cancelled or timed out.
 */
import { BacalhauError, ErrorCode, errorMessage } from '../models/index.js';
import { isOutOfFileDescriptors, outOfFileDescriptorsHint } from './error-chain.js';

/**
 * The local disk failed us (full, unwritable), or the node had no file descriptor left to use it
 * with: not the user's fault, maybe not lasting.
 */
export function diskError(component: string, what: string, cause: unknown): BacalhauError {
  return new BacalhauError(`${what}: ${errorMessage(cause)}`, {
    code: ErrorCode.IOError,
    component,
    hint: isOutOfFileDescriptors(cause)
      ? outOfFileDescriptorsHint('the compute node')
      : 'Check free space and permissions of the compute node data directory.',
    retryable: true,
    cause,
  });
}

/** RequestCancelled, or TimeOut when the signal was `AbortSignal.timeout`. */
export function abortedError(component: string, signal: AbortSignal, what: string): BacalhauError {
  const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
  return new BacalhauError(`${what} ${timedOut ? 'timed out' : 'was cancelled'}`, {
    code: timedOut ? ErrorCode.TimeOut : ErrorCode.RequestCancelled,
    component,
    cause: signal.reason,
  });
}
