/**
 * The errors of the publisher layer. Problems with the job's publisher spec carry the field they are
 * about in `details.Field` and at the start of the message (`Tasks[0].Publisher.Type: …`).
 */
import { abortedError as abortedFor, diskError } from '../lib/io-errors.js';
import { BacalhauError, ErrorCode } from '../models/index.js';

export const PublisherComponent = 'Publisher';

/** Where a job names its publisher: Bacalhau jobs have one task, and its publisher is the job's. */
export const PublisherField = 'Tasks[0].Publisher';

/**
 * A problem with `field`, of the job (`Tasks[0].Publisher.Type`) or of the node's configuration
 * (`Publishers.Types.Local.Port`), with how to fix it; ValidationError unless told.
 */
export function fieldError(
  field: string,
  problem: string,
  { hint, code = ErrorCode.ValidationError, cause }: { hint: string; code?: ErrorCode; cause?: unknown },
): BacalhauError {
  return new BacalhauError(`${field}: ${problem}`, {
    code,
    hint,
    cause,
    component: PublisherComponent,
    details: { Field: field },
  });
}

/** Reading the results or storing the archive failed: the disk, not the job; maybe not lasting. */
export function ioError(what: string, cause: unknown): BacalhauError {
  return diskError(PublisherComponent, what, cause);
}

/** RequestCancelled, or TimeOut when the signal was `AbortSignal.timeout`. */
export function abortedError(signal: AbortSignal, what: string): BacalhauError {
  return abortedFor(PublisherComponent, signal, what);
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw abortedError(signal, what);
}
