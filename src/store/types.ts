/**
 * The orchestrator's durable state behind one seam: jobs with all their versions, executions,
 * evaluations, job history and nodes (Bacalhau's `jobstore.Store` plus `nodes.Store`).
 *
 * Ownership: the orchestrator owns desired state; everything it decides reaches this store through one
 * transaction (`transaction`). The store owns identity-independent bookkeeping: `Version`, `Revision`,
 * `CreateTime`, `ModifyTime`, history `SeqNum` and `Time`. Callers own IDs (`j-…`, `e-…`, `n-…`).
 *
 * Every value a method returns is a fresh copy the caller may mutate. Every error is a `BacalhauError`
 * with component `JobStore` (or `NodesManager` for nodes) and one of the codes named in the method's
 * comment (`StoreErrorCode` in errors.ts); storage failures are `DatastoreFailure`, retryable when the
 * database was busy.
 *
 * Method calls run SQLite statements that complete in microseconds and cannot be interrupted, so they
 * take no `AbortSignal`. Each runs when called; the promise only carries the outcome.
 *
 * Stored values round-trip through Bacalhau's wire JSON, so what comes back is what the codec decodes:
 * a field the wire form omits when empty (`omitempty`) reads back as its zero value ('' / 0) or absent.
 * Compare records by their encoding, not by deep equality with what was passed in.
 */
import type { Evaluation } from '../models/evaluation.js';
import type { Execution } from '../models/execution.js';
import type { Job } from '../models/job.js';
import type { Event, JobHistory } from '../models/job-history.js';
import type { NodeState } from '../models/node.js';
import type { ExecutionDesiredStateType, ExecutionStateType, JobStateType } from '../models/state.js';

// ---------------------------------------------------------------------------------------------------
// Queries and requests

/**
 * Orders jobs by `CreateTime` (`created_at`, the default), `ModifyTime` or ID; ties keep insertion
 * order. The API's `order_by` values (apimodels/constants.ts) are these.
 */
export type JobOrderBy = '' | 'created_at' | 'modified_at' | 'id';

export interface JobQuery {
  /** Only jobs of this namespace; `undefined`, `''` and `'*'` mean every namespace. */
  namespace?: string;
  /** Only jobs of this type (`batch`, `service`, `daemon`, `ops`). */
  type?: string;
  /** Only jobs whose state is not terminal (Bacalhau's `GetInProgressJobs`). */
  inProgress?: boolean;
  /** Only jobs created before this time (`CreateTime`, Unix nanoseconds). */
  createdBefore?: number;
  /**
   * A predicate on each job's labels (a label selector), applied after ordering and before paging.
   * Offsets count matching jobs only, so pages stay consistent with it. The store reads the labels
   * alone and decodes only the jobs that match: such a listing reads every job of the query.
   */
  labels?: (labels: Readonly<Record<string, string>>) => boolean;
  /** Anything else is refused with `BadRequest` (`OrderBy x not supported for listJobs`). */
  orderBy?: JobOrderBy;
  reverse?: boolean;
  /** Page size; 0 or absent returns every remaining job. */
  limit?: number;
  /** Number of matching jobs to skip. */
  offset?: number;
  /**
   * Only jobs the store held when the listing's first page was read (that page's
   * {@link JobPage.addedUpTo}): a job added since would take a place among those already listed and
   * push one of them into the next page again (newest first, or by ID), so later pages leave it out.
   */
  addedUpTo?: number;
  /**
   * Aborted when nobody waits for the listing any more (its client left): a long listing then stops at
   * its next slice, or is not read at all if its turn has not come, and rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface JobPage {
  items: Job[];
  offset: number;
  limit: number;
  /** The offset of the next page; absent when this page is the last one. */
  nextOffset?: number;
  /** With `nextOffset`, newest first or by ID: the `addedUpTo` to read the next page with. */
  addedUpTo?: number;
}

/** Orders executions by `CreateTime` (the default) or `ModifyTime`; Bacalhau accepts both spellings. */
export type ExecutionOrderBy = '' | 'created_at' | 'create_time' | 'modified_at' | 'modify_time';

/**
 * Filters combine with AND. At least one of `jobID`, `nodeIDs`, `inProgressOnly` is required. Without
 * `jobVersion` or `allJobVersions` only executions of each job's latest version are returned.
 */
export interface ExecutionQuery {
  /** A job ID or unique prefix of one. */
  jobID?: string;
  /** Only this version of the job (requires `jobID`); takes precedence over `allJobVersions`. */
  jobVersion?: number;
  allJobVersions?: boolean;
  namespace?: string;
  nodeIDs?: readonly string[];
  /** Only executions that are not terminal: desired state not Stopped and compute state not terminal. */
  inProgressOnly?: boolean;
  /** Only executions last modified at or after this time (`ModifyTime`, Unix nanoseconds). */
  modifiedSince?: number;
  /** Attach the job spec of the execution's version as `Execution.Job`. */
  includeJob?: boolean;
  orderBy?: ExecutionOrderBy;
  reverse?: boolean;
  /** 0 or absent: no limit. */
  limit?: number;
}

export interface JobHistoryQuery {
  /** Only entries of this job version; takes precedence over `allJobVersions`. */
  jobVersion?: number;
  /** Without it (and without `jobVersion`) only entries of the latest job version are returned. */
  allJobVersions?: boolean;
  /** Unix seconds: entries whose `Time` is earlier are skipped. */
  since?: number;
  excludeJobLevel?: boolean;
  excludeExecutionLevel?: boolean;
  /** Only execution-level entries whose execution ID starts with this. */
  executionID?: string;
  /** Page size, default 100. */
  limit?: number;
  /** The first `SeqNum` to consider (a previous page's `next`); default: from the start. */
  offset?: number;
}

export interface JobHistoryPage {
  items: JobHistory[];
  /**
   * Where the next page starts, present while the history can still grow: more entries are stored after
   * this page, or the job (the execution, when filtering by `executionID`) is not terminal, or (unlike
   * Bacalhau's) one of the terminal job's executions has not ended yet while an evaluation of the job
   * (the one that stops it) is pending. This is Bacalhau's long-poll
   * cursor: an absent `next` means the history is complete.
   */
  next?: number;
}

export interface EvaluationQuery {
  jobID?: string;
  /** Only evaluations in one of these statuses (`EvalStatus`). */
  statuses?: readonly string[];
}

/** Conditions on the stored job; all given ones must hold. */
export interface UpdateJobCondition {
  expectedState?: JobStateType;
  unexpectedStates?: readonly JobStateType[];
  /** The `Revision` the caller read; 0 or absent skips the check. */
  expectedRevision?: number;
}

export interface UpdateJobStateRequest {
  /** A job ID or unique prefix. */
  jobID: string;
  newState: JobStateType;
  /** Replaces `State.Message` (absent or '' clears it). */
  message?: string;
  condition?: UpdateJobCondition;
}

/** Conditions on the stored execution; all given ones must hold. */
export interface UpdateExecutionCondition {
  /** The compute state must be one of these. */
  expectedStates?: readonly ExecutionStateType[];
  /** The desired state must be one of these. */
  expectedDesiredStates?: readonly ExecutionDesiredStateType[];
  /** The `Revision` the caller read; 0 or absent skips the check. */
  expectedRevision?: number;
  /** The compute state must be none of these. */
  unexpectedStates?: readonly ExecutionStateType[];
}

/** The fields of an execution an update may change; identity and `CreateTime` never change. */
export type ExecutionChanges = Partial<
  Omit<Execution, 'ID' | 'JobID' | 'JobVersion' | 'Namespace' | 'CreateTime' | 'Revision' | 'Job'>
>;

export interface UpdateExecutionRequest {
  executionID: string;
  /**
   * Fields present (not `undefined`) replace the stored ones whole, e.g. a new `ComputeState` replaces
   * the old one with its message; absent fields are kept. `ModifyTime` defaults to now.
   */
  newValues: ExecutionChanges;
  condition?: UpdateExecutionCondition;
  /** Appended to the job history as execution-level entries, in the same transaction. */
  events?: readonly Event[];
}

/** The fields of an evaluation an update may change. */
export type EvaluationChanges = Partial<Pick<Evaluation, 'Status' | 'Comment' | 'WaitUntil' | 'Priority'>>;

/** What `createJob` may write with the job, in the same transaction. */
export interface CreateJobExtras {
  /** Job-level history entries for version 1, e.g. `Submission` / "Job submitted". */
  history?: readonly Event[];
  /** The evaluation that schedules the job; its `JobID` is the job's, an empty `Namespace` the job's. */
  evaluation?: Evaluation;
}

// ---------------------------------------------------------------------------------------------------
// Change notifications

/**
 * What a committed transaction changed, in the order the writes happened. Values are the stored ones
 * and are shared between listeners: treat them as read-only.
 */
export type StoreChange =
  | { readonly type: 'JobCreated'; readonly job: Job }
  /** A new spec version (update or rerun); the job is back to Pending. */
  | { readonly type: 'JobUpdated'; readonly job: Job; readonly previous: Job }
  | { readonly type: 'JobStateUpdated'; readonly job: Job; readonly previous: Job }
  | { readonly type: 'JobDeleted'; readonly job: Job }
  | { readonly type: 'ExecutionCreated'; readonly execution: Execution }
  | {
      readonly type: 'ExecutionUpdated';
      readonly execution: Execution;
      readonly previous: Execution;
      readonly events: readonly Event[];
    }
  | { readonly type: 'EvaluationCreated'; readonly evaluation: Evaluation }
  | { readonly type: 'EvaluationUpdated'; readonly evaluation: Evaluation; readonly previous: Evaluation }
  | { readonly type: 'EvaluationDeleted'; readonly evaluation: Evaluation }
  | { readonly type: 'HistoryAppended'; readonly jobID: string; readonly entries: readonly JobHistory[] }
  | { readonly type: 'NodeUpdated'; readonly node: NodeState; readonly previous?: NodeState }
  | { readonly type: 'NodeDeleted'; readonly node: NodeState };

export type StoreChangeType = StoreChange['type'];

/**
 * Called synchronously once per committed transaction that changed something, with every change of
 * that transaction; never for a rolled-back one. Listeners should hand work off (enqueue, wake a
 * waiter) rather than do it inline. A listener that throws does not affect the store or other
 * listeners; its error goes to the store's `onError` option.
 */
export type StoreChangeListener = (changes: readonly StoreChange[]) => void;

// ---------------------------------------------------------------------------------------------------
// The operations, as seen inside a transaction (synchronous)

/** Reads. Inside `read` / `transaction` they all see one consistent snapshot. */
export interface JobStoreReader {
  /** By full ID, else by unique ID prefix (short ID `j-1234abcd`). NotFound; MultipleJobsFound. */
  getJob(id: string): Job;
  /**
   * As {@link getJob}, but without the copy: the store's own decoded record, shared with every other
   * caller, which nobody may mutate. For hot paths that only read a job (the scheduler's input, the
   * compute message handler, a revision check), where a fresh decode per call costs more than the rest
   * of the read. NotFound; MultipleJobsFound.
   */
  peekJob(id: string): Job;
  /** The job named `name` in `namespace` ('' = `default`). NotFound. */
  getJobByName(name: string, namespace: string): Job;
  /** As {@link getJobByName}, but undefined when there is none (a submission's usual case). */
  findJobByName(name: string, namespace: string): Job | undefined;
  /**
   * By name in `namespace` first, then by ID or unique prefix in any namespace, as Bacalhau's
   * `GetJobByIDOrName`. NotFound; MultipleJobsFound.
   */
  getJobByIDOrName(idOrName: string, namespace: string): Job;
  /** One version of a job's spec (with the state it had when superseded). NotFound. */
  getJobVersion(jobID: string, version: number): Job;
  /** Every version of a job, oldest first; the last one is the current job. NotFound. */
  getJobVersions(jobID: string): Job[];
  /** BadRequest for an unknown `orderBy`. */
  listJobs(query?: JobQuery): JobPage;

  /** By full ID, else by unique prefix. NotFound; MultipleExecutionsFound. */
  getExecution(id: string): Execution;
  /** BadRequest for a query without jobID/nodeIDs/inProgressOnly or an unknown `orderBy`; NotFound job. */
  listExecutions(query: ExecutionQuery): Execution[];

  /** NotFound. */
  getEvaluation(id: string): Evaluation;
  /** Oldest first (by `CreateTime`, then insertion). Used to rebuild the broker after a restart. */
  listEvaluations(query?: EvaluationQuery): Evaluation[];

  /** Entries in `SeqNum` order. NotFound job. */
  getJobHistory(jobID: string, query?: JobHistoryQuery): JobHistoryPage;

  /** By full node ID, else by unique prefix. NotFound (`node not found: %s`); MultipleNodesFound (409). */
  getNode(id: string): NodeState;
  /** Ordered by node ID. */
  listNodes(filter?: (node: NodeState) => boolean): NodeState[];
  /** The InstanceID the node with exactly this ID last connected from; '' when unknown or no node. */
  getNodeInstance(id: string): string;
}

/** Writes. Outside `transaction` each one is its own transaction. */
export interface JobStoreWriter {
  /**
   * Stores a new job as version 1, revision 1, state Pending, with `CreateTime` = `ModifyTime` = now,
   * after Bacalhau's normalisation (namespace `default`, name = ID) and validation; optionally with its
   * first history entries and evaluation. Returns the stored job.
   * BadRequest (invalid job); ResourceInUse (ID taken, or name taken in the namespace); and the errors of
   * `createEvaluation`. Not idempotent: a retry after success fails with ResourceInUse.
   */
  createJob(job: Job, extras?: CreateJobExtras): Job;
  /**
   * Stores a new spec version of an existing job (update or rerun): the current version is archived,
   * `Priority`, `Count`, `Constraints`, `Meta`, `Labels`, `Tasks` are taken from `job`, `Version` and
   * `Revision` are incremented and the state is reset to Pending, even from a terminal state. `job.ID`
   * selects the job (full ID or unique prefix). Returns the stored job.
   * NotFound; BadRequest (missing ID, changed name or namespace, changed type, invalid spec);
   * ConflictJobRevision (`condition.expectedRevision`).
   * Deliberate differences from Bacalhau: the revision is incremented (Go keeps it, so a stale writer
   * could overwrite the new version's state) and a changed `Type` is refused (Go silently keeps the old).
   */
  updateJob(job: Job, condition?: UpdateJobCondition): Job;
  /**
   * Sets the job's state and message, increments `Revision`, sets `ModifyTime`. Returns the stored job.
   * NotFound; ConflictJobState when a condition on the state fails or the job is terminal (`job %s is in
   * terminal state %s and cannot transition to %s`); ConflictJobRevision. Conflicts carry HTTP 409.
   */
  updateJobState(request: UpdateJobStateRequest): Job;
  /** Removes the job with all its versions, executions, evaluations and history. NotFound. */
  deleteJob(jobID: string): void;

  /**
   * Stores a new execution of an existing job. `CreateTime` defaults to now, `ModifyTime` to
   * `CreateTime`, `Revision` to 1, `JobVersion` to the job's current version; `Job` is never stored;
   * missing `AllocatedResources`, `PublishedResult` and `RunOutput` are stored empty, as Go normalises.
   * Returns the stored execution. BadRequest (missing ID/namespace/job ID, partition index out of range);
   * NotFound (job); ResourceInUse (ID taken).
   */
  createExecution(execution: Execution): Execution;
  /**
   * Applies `newValues` to the stored execution, increments `Revision`, and appends `events` as history.
   * Returns the stored execution. NotFound; ConflictJobState when a state condition fails or the compute
   * state is already terminal (`execution %s is in terminal state %s and cannot transition to %s`);
   * ConflictJobRevision.
   */
  updateExecution(request: UpdateExecutionRequest): Execution;

  /**
   * Stores a new evaluation of an existing job. `CreateTime`/`ModifyTime` default to now (Bacalhau leaves
   * the submission's at 0), `Status` to `pending`, `WaitUntil` to the zero time, `Namespace` to the job's.
   * NotFound (job); ResourceInUse (ID taken).
   */
  createEvaluation(evaluation: Evaluation): Evaluation;
  /** Changes status, comment, wait time or priority; sets `ModifyTime`. NotFound. */
  updateEvaluation(id: string, changes: EvaluationChanges): Evaluation;
  /** NotFound. */
  deleteEvaluation(id: string): void;

  /**
   * Appends job-level entries with the next `SeqNum`s of this job (dense, from 1, per job as in
   * Bacalhau) and `Time` = now; an empty `Event.Timestamp` becomes now. `jobVersion` 0 means the
   * current version. Returns the stored entries. NotFound (job).
   */
  addJobHistory(jobID: string, jobVersion: number, events: readonly Event[]): JobHistory[];
  /** As `addJobHistory`, for entries about one execution. NotFound (job). */
  addExecutionHistory(
    jobID: string,
    jobVersion: number,
    executionID: string,
    events: readonly Event[],
  ): JobHistory[];

  /** Inserts or replaces the node keyed by `Info.NodeID`. BadRequest (empty node ID). */
  putNode(node: NodeState): void;
  /** Removes the node with exactly this ID. Idempotent: returns whether a node was removed. */
  deleteNode(id: string): boolean;
  /** Records the InstanceID the node (which must exist) connected from. NotFound for no such node. */
  setNodeInstance(id: string, instanceID: string): void;
}

/** The handle a transaction callback gets; it is only valid during the callback. */
export interface JobStoreTx extends JobStoreReader, JobStoreWriter {}

/** The same operations, returning promises: each is one transaction of its own. */
export type AsyncOperations<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

export type JobStoreState = 'open' | 'closed';

export interface TransactionOptions {
  /**
   * Work no request is waiting for (a scheduler's plan, a compute node's update): it commits after the
   * requests' writes of the same turn of the event loop, and a turn spends at most about a millisecond
   * on such writes (always one at least), leaving the rest to the next turn. So a backlog of scheduling
   * cannot hold the event loop, and the requests waiting on it, for tens of milliseconds at a time.
   * Writes of one kind commit in the order they were made.
   */
  background?: boolean;
}

export interface JobStore extends AsyncOperations<JobStoreTx> {
  readonly state: JobStoreState;

  /**
   * Runs `fn` in one write transaction: every write commits together or, if `fn` throws, none does
   * (the promise rejects with that error). This is how a plan is applied. `fn` must be synchronous
   * (returning a promise is refused and rolled back) and must use `tx`, not this store's methods:
   * nesting is refused. Change listeners run after the commit, before the promise settles.
   */
  transaction<T>(fn: (tx: JobStoreTx) => T, options?: TransactionOptions): Promise<T>;
  /** Runs `fn` against one consistent snapshot, e.g. a scheduler loading a job, its executions and nodes. */
  read<T>(fn: (tx: JobStoreReader) => T): Promise<T>;
  /**
   * Subscribes to committed changes; returns the unsubscribe function. Changes are not persisted: after
   * a restart, consumers reconcile from the stored state (pending evaluations, in-progress executions).
   */
  onChange(listener: StoreChangeListener): () => void;
  /** Releases the database. Idempotent; every other method fails with ServiceUnavailable afterwards. */
  close(): Promise<void>;
}

/** Wall-clock time in Unix milliseconds (fractions allowed), e.g. `Date.now`; injectable in tests. */
export interface StoreClock {
  now(): number;
}
