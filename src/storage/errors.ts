/**
 * The errors of the storage layer besides those about an input's fields (models/sources/errors.ts):
 * disk failures, cancellation, and `atInput`, which names the input in front of an error about it.
 */
import { BacalhauError } from '../models/index.js';
import { StorageComponent } from '../models/sources/errors.js';
import { abortedError, diskError } from '../lib/io-errors.js';

/** The local disk failed us (full, unwritable): not the user's fault, maybe not lasting. */
export function ioError(what: string, cause: unknown): BacalhauError {
  return diskError(StorageComponent, what, cause);
}

/** Rejects with RequestCancelled (or TimeOut for `AbortSignal.timeout`) if `signal` fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw cancelledError(signal, what);
}

export function cancelledError(signal: AbortSignal, what: string): BacalhauError {
  return abortedError(StorageComponent, signal, what);
}

/**
 * Names input `index` in front of an error about it, keeping code, hint and retryability. Errors that
 * name a field become `InputSources[i].<field>: …`; others `InputSources[i]: …`.
 */
export function atInput(index: number, err: unknown): BacalhauError {
  const prefix = `InputSources[${index}]`;
  const field = err instanceof BacalhauError ? err.details.Field : undefined;
  if (err instanceof BacalhauError && field !== undefined) {
    return new BacalhauError(`${prefix}.${err.message}`, {
      ...err.options(),
      details: { ...err.details, Field: `${prefix}.${field}` },
      cause: err,
    });
  }
  return BacalhauError.wrap(err, prefix, { component: StorageComponent });
}
