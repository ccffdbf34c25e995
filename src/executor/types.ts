/**
 * The executor seam (Bacalhau `pkg/executor/types.go`): what a compute node asks of an engine that runs
 * one task. Implementations live in sibling folders named by mechanism (`noop/`, `wasm/`, `docker/`)
 * and all run `executor.contract.ts` unchanged.
 *
 * Ownership: the compute node prepares the inputs, creates the execution's folders, resolves the
 * environment and decides the timeout; the executor runs the task, writes the result layout
 * (`stdout`, `stderr`, `exitCode`, one folder per ResultPath) into `resultsDir`, its multiplexed log
 * into `logsDir`, and keeps what it knows about an execution in memory until `retainFinishedMs`
 * after it finished, or until `retainFinishedMax` others finished after it (see {@link ExecutionRegistry}).
 */
import type { ExecutionLogType, RunCommandResult } from '../models/execution.js';
import type { Job } from '../models/job.js';
import type { NetworkConfig } from '../models/network.js';
import type { Resources } from '../models/resources.js';
import type { ResultPath } from '../models/result-path.js';
import type { SpecConfig } from '../models/spec-config.js';

/** An input the storage layer placed on disk, as the task will see it (Go `storage.PreparedStorage`). */
export interface PreparedVolume {
  /** Absolute host path of the prepared file or folder. */
  source: string;
  /** Absolute path at which the task sees it (`InputSource.Target`). */
  target: string;
  /** True unless the input is an allow-listed local path the task may write (`local` with `ReadWrite`). */
  readOnly: boolean;
  /** Made for this execution alone (not a local input): nothing but its task opens files in it. */
  exclusive?: boolean;
}

/** Caps on what an execution's output may occupy (Go `executor.OutputLimits`), in bytes. */
export interface OutputLimits {
  /** Most bytes kept in `resultsDir/stdout`; the rest is dropped. Bacalhau: 1 GB. */
  maxStdoutFileLength: number;
  /** Most bytes of stdout returned in `RunCommandResult.Stdout`; more sets `StdoutTruncated`. 2 KB. */
  maxStdoutReturnLength: number;
  maxStderrFileLength: number;
  maxStderrReturnLength: number;
}

/** Everything an executor needs to run one execution (Go `executor.RunCommandRequest`). */
export interface RunCommandRequest {
  jobID: string;
  executionID: string;
  /** The task's engine (`Task.Engine`): `Type` picks the executor, `Params` are its own. */
  engine: SpecConfig;
  /** Prepared inputs, in `Task.InputSources` order. */
  inputs: readonly PreparedVolume[];
  /** `Task.ResultPaths`: each becomes the folder `resultsDir/<Name>`, visible to the task. */
  outputs: readonly ResultPath[];
  /**
   * The execution's results folder, `<results dir>/<executionID>`: it exists and is empty; everything
   * the executor writes here is published.
   */
  resultsDir: string;
  /** A folder private to the execution (never published) where the executor keeps its log file. */
  logsDir: string;
  /**
   * The execution's own folder, which exists already, for what the executor prepares for the task (never
   * published). It also holds `resultsDir`, `logsDir` and the prepared inputs (folders named after their
   * storage: `url-…`, `inline-…`), whose names an executor's entries must not take. Everything in it but
   * the results and logs goes with the inputs once the execution ended, also after a crash (see
   * compute/paths.ts); a task run again after a crash may find there what its killed run left.
   */
  scratchDir: string;
  /** What the execution was allocated (CPU cores, Memory and Disk bytes, GPUs); 0 means unlimited. */
  resources: Resources;
  /** The task's network, `Default` already resolved or left for the executor to decide. */
  network: NetworkConfig;
  /** Task env with the `BACALHAU_*` system env on top (system wins); `env:` references resolved. */
  env: Readonly<Record<string, string>>;
  /**
   * The task runs until stopped (a service or daemon job): a restarted node re-attaches to it instead
   * of failing it, so an executor that can keep what the task writes while no node is attached does.
   */
  longRunning?: boolean;
  /** Milliseconds the task may run; 0 or absent = no limit. Enforced by the executor. */
  timeoutMs?: number;
  /** Defaults to {@link DefaultOutputLimits}. */
  outputLimits?: OutputLimits;
}

/** One piece of output, in the order the task wrote it across both streams. */
export interface LogChunk {
  type: ExecutionLogType;
  data: Uint8Array;
}

export interface LogStreamOptions {
  /** Keep the stream open and yield output as it is written, until the execution ends. */
  follow?: boolean;
  /**
   * Skip the output written so far: only what is written from now on (Bacalhau's legacy `Tail` flag,
   * `pkg/compute/logstream`). Useful only with `follow`.
   */
  tail?: boolean;
  signal?: AbortSignal;
}

/** What a bid strategy sees (a subset of Go `bidstrategy.BidStrategyRequest`). */
export interface BidRequest {
  nodeID: string;
  job: Job;
}

export interface BidResponse {
  shouldBid: boolean;
  /** Why; shown in the job's events when the bid is refused. */
  reason: string;
}

export interface SignalOption {
  signal?: AbortSignal;
}

/**
 * Runs tasks of one engine type. Executions are identified by `executionID` and live in the executor's
 * memory from `start` until `retainFinishedMs` after they finished (or `retainFinishedMax` later
 * executions finished); a forgotten execution is `ExecutionNotFound`, and may be started again.
 *
 * Errors are {@link BacalhauError}s with component `Executor` (or the engine's) and these codes:
 * `ExecutionNotFound`, `ExecutionAlreadyStarted`, `ExecutionAlreadyComplete`,
 * `ExecutionAlreadyCancelled`, `TimeOut`, plus the engine's own validation codes on `start`.
 */
export interface Executor {
  /** Whether the engine can run here (Docker daemon answering, ...). Never throws. */
  isInstalled(options?: SignalOption): Promise<boolean>;

  /** Semantic bid check on the job alone (Go `SemanticBidStrategy`). */
  shouldBid(request: BidRequest, options?: SignalOption): Promise<BidResponse>;

  /** Bid check given the resources the execution would use (Go `ResourceBidStrategy`). */
  shouldBidBasedOnUsage(request: BidRequest, usage: Resources, options?: SignalOption): Promise<BidResponse>;

  /**
   * Starts the execution and resolves once it runs; it then runs on its own, bounded by
   * `request.timeoutMs`. Not idempotent: a second start of the same ID rejects with
   * `ExecutionAlreadyStarted` (still running: the compute node then waits for it, as for a container a
   * restarted node re-attaches to) or `ExecutionAlreadyComplete` (finished). Invalid engine params,
   * missing inputs or modules reject with the engine's BacalhauError (code, hint naming the field) and
   * register nothing, so a corrected retry may reuse the ID. Aborting `signal` aborts only the start
   * itself.
   */
  start(request: RunCommandRequest, options?: SignalOption): Promise<void>;

  /**
   * Resolves with the result once the execution ended and its result layout is written. Any number of
   * callers may wait, before or after the end. A non-zero exit code is a result, not an error;
   * `ErrorMsg` is set when the task could not run to an exit (a trap, a killed runtime).
   * Rejects with `ExecutionNotFound` (unknown ID), `TimeOut` (ran past `timeoutMs`, counted from
   * `start`; retryable; said when the time is up, while the task is still being stopped: `cancel`
   * waits for that) or `ExecutionAlreadyCancelled` (stopped by `cancel`). Aborting `signal` stops
   * waiting only.
   */
  wait(executionID: string, options?: SignalOption): Promise<RunCommandResult>;

  /**
   * Stops a running execution and resolves once it is stopped; waiters then get
   * `ExecutionAlreadyCancelled` (or the `TimeOut` they already got). Idempotent: cancelling a finished
   * or cancelled execution does nothing. Rejects with `ExecutionNotFound` for an unknown ID.
   */
  cancel(executionID: string, options?: SignalOption): Promise<void>;

  /**
   * The execution's stdout and stderr as written, in order across both streams. Without `follow` the
   * stream ends at the output written so far; with it, when the execution ends (or `signal` aborts).
   * Rejects (on first iteration) with `ExecutionNotFound` for an unknown ID.
   */
  getLogStream(executionID: string, options?: LogStreamOptions): AsyncIterable<LogChunk>;
}
