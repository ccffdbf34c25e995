/**
 * The publisher seam (Bacalhau's `publisher.Publisher`): after a task ran, the compute node hands the
 * execution's results folder to the publisher the job names (`Tasks[0].Publisher.Type`), which makes
 * the results available somewhere and says where, as a SpecConfig: the `PublishedResult` of the
 * execution, sent to the orchestrator in `RunResult` and read back by `job get`.
 *
 * Implementations live in sibling folders named by mechanism (`noop/`, `local/`) and all run
 * `publisher.contract.ts` unchanged. The registry (`registry.ts`) maps wire types to implementations.
 *
 * ## Ownership
 * The results folder belongs to the compute node: the executor wrote it, the compute node removes it
 * after publishing. A publisher only reads it, never changes it, and must not rely on it once
 * `publishResult` settled. What a publisher stores (the local publisher's archives) is its own.
 *
 * ## Errors
 * Every rejection is a BacalhauError:
 * - `ValidationError`: the job's publisher spec is wrong; `details.Field` names the field
 *   (`Tasks[0].Publisher.Params.Bucket`) and the message starts with it.
 * - `InternalError` (field `Tasks[0].Publisher.Type`): the job was sent to the publisher of another type.
 * - `IOError` (retryable): reading the results or storing them failed.
 * - `ServiceUnavailable`: the publisher was stopped.
 * - `RequestCancelled` / `TimeOut`: the call's signal fired. Nothing half-published is left behind.
 */
import type { Job, SpecConfig } from '../models/index.js';

/** Our `context.Context`: every I/O method takes one (design example 10). */
export interface IoOptions {
  signal?: AbortSignal;
}

/** One execution's results, ready to publish (Go passes the execution and the folder). */
export interface PublishRequest {
  executionID: string;
  jobID: string;
  /** The compute node's ID, for publishers that name stored results after it (S3 `{nodeID}`). */
  nodeID?: string;
  /** The execution's job: its `Tasks[0].Publisher` says how to publish. */
  job: Job;
  /** Absolute path of the execution's results folder (`stdout`, `stderr`, `exitCode`, outputs). */
  resultsDir: string;
}

export interface Publisher {
  /** Whether this node can publish with it now. Never rejects. */
  isInstalled(): Promise<boolean>;

  /**
   * Checks the job's publisher spec (`Tasks[0].Publisher`) without publishing anything.
   * @throws BacalhauError as described above, naming the field.
   */
  validateJob(job: Job): void;

  /**
   * Publishes the contents of `resultsDir` and returns where they are: the execution's
   * `PublishedResult`. Publishing the same execution again replaces what was published before.
   * Concurrent calls for different executions are independent.
   */
  publishResult(request: PublishRequest, options?: IoOptions): Promise<SpecConfig>;
}
