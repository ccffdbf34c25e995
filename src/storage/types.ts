/**
 * The storage seam (Bacalhau's `storage.Storage`): turns one input source of a task (`InputSources[i]`)
 * into data on the compute node's disk that an executor mounts at the input's target.
 *
 * Implementations live in sibling folders named by mechanism (`inline/`, `url/`, `local/`) and all run
 * `storage.contract.ts` unchanged. The registry (`registry.ts`) maps wire types to implementations and
 * `prepare.ts` prepares every input of an execution.
 *
 * ## Errors
 * Every rejection is a BacalhauError:
 * - `ValidationError`: the input itself is wrong (missing or malformed parameter, wrong `Source.Type`).
 *   `details.Field` names the field relative to the input source (`Source.Params.URL`) and the message
 *   starts with it; `prepare.ts` prefixes `InputSources[i].` so users see which input.
 * - `ConfigurationError` (Go's code): this node's configuration does not allow the input (a local path
 *   outside `Compute.AllowListedLocalPaths`); the hint names the key and the fix.
 * - `NotFound`, `NetworkFailure`, `TimeOut`, `ResourceExhausted`, `IOError`: fetching failed;
 *   `retryable` says whether trying again later may help.
 * - `RequestCancelled`: the call's signal fired. Nothing half-prepared is left behind.
 *
 * ## Ownership
 * What `prepareStorage` creates under `storageDirectory` belongs to the volume until `cleanupStorage`.
 * Providers that mount data in place (`local`) create nothing there and clean up nothing.
 */
import type { InputSource } from '../models/index.js';

/** Our `context.Context`: every I/O method takes one (design example 10). */
export interface IoOptions {
  signal?: AbortSignal;
}

/** Prepared data, ready to be bind-mounted into a task (`storage.StorageVolume`, always a bind). */
export interface StorageVolume {
  /** Absolute host path of the data: a file or a directory. */
  readonly source: string;
  /** Absolute path where the task sees it. May be below the input's `Target` (a downloaded file). */
  readonly target: string;
  /**
   * Mount read-only. As in Go, what a storage made for the execution alone (inline data, a download)
   * is writable, and a local input only with `ReadWrite` and an `:rw` allow-list entry.
   */
  readonly readOnly: boolean;
  /**
   * Made for this execution alone (inline data, a download), so nothing else has it open. Absent for a
   * local input: the user's own folder, which other executions may use at the same time.
   */
  readonly exclusive?: boolean;
}

export interface Storage {
  /** Whether this node can serve this type at all (local: only with an allow-list). Never rejects. */
  isInstalled(): Promise<boolean>;

  /** Whether the data is already on this node, so that preparing it costs no transfer. */
  hasStorageLocally(input: InputSource): Promise<boolean>;

  /**
   * Bytes the prepared input will take on this node's disk, for bidding; 0 when the data is mounted in
   * place or its size cannot be known in advance. Rejects for invalid or unreachable inputs.
   */
  getVolumeSize(input: InputSource, options?: IoOptions): Promise<number>;

  /**
   * Fetches the input into a new entry under `storageDirectory` (which must exist) and returns the
   * volume. On rejection nothing it created is left behind. Concurrent calls never share an entry.
   */
  prepareStorage(storageDirectory: string, input: InputSource, options?: IoOptions): Promise<StorageVolume>;

  /** Removes what `prepareStorage` created for `volume`. Idempotent; never removes data it did not create. */
  cleanupStorage(input: InputSource, volume: StorageVolume): Promise<void>;
}
