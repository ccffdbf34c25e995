/**
 * The job store on SQLite (better-sqlite3): one connection, WAL journal, every operation a transaction.
 *
 * Durability: a method's promise resolves only after its transaction committed, i.e. after its pages
 * were written to the WAL file. With the default `synchronous = NORMAL` that write reaches the operating
 * system but is not fsynced, so a committed transaction survives `kill -9` of this process (the OS still
 * has the pages) but may be lost, never half-applied, on power loss or kernel crash. That meets the
 * orchestrator's promise ("an accepted job survives kill -9 of the process") at a fraction of the cost;
 * `synchronous: 'FULL'` fsyncs the WAL on every commit and also survives power loss.
 *
 * Group commit: `transaction` calls made in the same turn of the event loop are applied together in
 * one SQLite transaction, each inside a savepoint of its own, and committed once. A commit writes every
 * page it touched to the WAL, and the jobs, executions, evaluations and history of many small writes
 * share pages, so one commit for a burst costs little more than one for a single write. Each call keeps
 * its own all-or-nothing outcome (a failing callback rolls back to its savepoint only) and its own
 * change notification, in commit order; every promise settles only after the shared commit. Background
 * writes (a scheduler's) commit after the turn's others, and while requests are arriving a turn takes
 * only about a millisecond of them (write-queue.ts). Reads see committed data: a caller that wants to
 * read its own write awaits the write first.
 */
import Database from 'better-sqlite3';
import { DatabaseFileMoved, DatabaseFileWatch } from '../../lib/database-file-watch.js';
import { makeDatabaseFolder, restrictDatabaseFiles } from '../../lib/private-database.js';
import { settleNow } from '../../lib/settle-now.js';
import type { Evaluation } from '../../models/evaluation.js';
import type { Execution } from '../../models/execution.js';
import type { Job } from '../../models/job.js';
import type { Event, JobHistory } from '../../models/job-history.js';
import type { NodeState } from '../../models/node.js';
import { BacalhauError, errorMessage } from '../../models/bacerrors.js';
import { datastoreFailure, storeClosed } from '../errors.js';
import { systemClock } from '../time.js';
import {
  folderInPlaceHint,
  ForeignStoreFileHint,
  fullDiskHint,
  isDamagedDatabase,
  NewerStoreFileHint,
  passingFailureHint,
} from '../transient-failure.js';
import type {
  CreateJobExtras,
  EvaluationChanges,
  EvaluationQuery,
  ExecutionQuery,
  JobHistoryPage,
  JobHistoryQuery,
  JobPage,
  JobQuery,
  JobStore,
  JobStoreReader,
  JobStoreState,
  JobStoreTx,
  StoreChange,
  StoreChangeListener,
  StoreClock,
  TransactionOptions,
  UpdateExecutionRequest,
  UpdateJobCondition,
  UpdateJobStateRequest,
} from '../types.js';
import { ApplicationId, migrations, SchemaVersion } from './schema.js';
import { prepareStatements, StatementCache } from './statements.js';
import { Checkpointer } from './checkpointer.js';
import { RowCache } from './row-cache.js';
import { isLongListing, SlicedReader } from './sliced-reader.js';
import { newDecodedRecords, SqliteTx, type TxContext } from './tx.js';
import { type QueuedWrite, WriteQueue } from './write-queue.js';

export interface SqliteJobStoreOptions {
  /** The database file, created (with its directory) if missing; `:memory:` for a private database. */
  path: string;
  clock?: StoreClock;
  /** See the file comment. Default `NORMAL`. */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * How long a write waits for another connection's write lock before failing with a retryable
   * DatastoreFailure. Default 5000 ms.
   */
  busyTimeoutMs?: number;
  /**
   * Run WAL checkpoints in a worker thread, off the event loop (checkpointer.ts), after every
   * `checkpointEveryWrites` (default 500) committed writes. Writes, not commits: a group commit of many
   * writes grows the WAL by as much as many commits of one, and a WAL left to grow would be
   * checkpointed by SQLite's backstop on the writing thread. Default: on for files.
   */
  backgroundCheckpoints?: boolean;
  checkpointEveryWrites?: number;
  /**
   * Errors no caller can receive: a change listener that threw, a failed background checkpoint.
   * Default: printed to stderr.
   */
  onError?: (error: unknown) => void;
  /**
   * Called before the schema of an existing file is upgraded, which rewrites tables in one transaction
   * while the store opens (migration 5: ~4 s per 100,000 jobs, measured), so that a node can say why
   * it is slow to start.
   */
  onUpgrade?: (from: number, to: number) => void;
  /**
   * How long a turn of the event loop may spend on background writes while requests are arriving
   * (write-queue.ts). Default 1 ms.
   */
  backgroundTurnMs?: number;
}

/** The connection's page cache (SQLite's default is 2,000 KiB). */
const PageCacheKiB = 64 * 1024;

/**
 * What the WAL file is cut back to when it starts over: a flood of submissions, or a long read that
 * held checkpoints back, grows it (41 MB measured), and SQLite otherwise keeps the file at its
 * largest until the store is closed. Steady writes start it over well below this, so it is not cut
 * and grown again and again.
 */
const WalKeptBytes = 8 * 1024 * 1024;

export class SqliteJobStore implements JobStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #ctx: TxContext;
  readonly #run: Database.Transaction<(fn: () => unknown) => unknown>;
  readonly #listeners = new Set<StoreChangeListener>();
  readonly #onError: (error: unknown) => void;
  readonly #checkpointer: Checkpointer | undefined;
  /** Whether the file is still at its path (a file only). */
  readonly #file: DatabaseFileWatch | undefined;
  /** Long job listings, off the store's connection (a file only). */
  readonly #slicedReader: SlicedReader | undefined;
  readonly #undelivered: (readonly StoreChange[])[] = [];
  #emitting = false;
  #state: JobStoreState = 'open';
  #closing: Promise<void> | undefined;
  #inTransaction = false;
  readonly #writes: WriteQueue;

  /** Opens (creating and migrating if needed) the database at `options.path`. */
  static create(options: SqliteJobStoreOptions): Promise<SqliteJobStore> {
    return settleNow(() => new SqliteJobStore(options));
  }

  private constructor(options: SqliteJobStoreOptions) {
    this.path = options.path;
    const inMemory = options.path === ':memory:' || options.path === '';
    const synchronous = options.synchronous === 'FULL' ? 'FULL' : 'NORMAL';
    const background = !inMemory && options.backgroundCheckpoints !== false;
    const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
    let db: Database.Database | undefined;
    let file: DatabaseFileWatch | undefined;
    try {
      if (!inMemory) makeDatabaseFolder(options.path);
      db = new Database(options.path);
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      if (!inMemory) {
        db.pragma('journal_mode = WAL');
        restrictDatabaseFiles(options.path);
      }
      db.pragma(`synchronous = ${synchronous}`);
      // Index keys are random UUIDs, so writes land on pages all over the file: with SQLite's default
      // 2 MB page cache most had to be read again (10,000 jobs: 1.5 → 1.39 ms of CPU per job at 64 MB).
      db.pragma(`cache_size = -${PageCacheKiB}`);
      // The worker checkpoints; SQLite's own auto-checkpoint stays as a backstop at ~40 MB of WAL.
      if (background) db.pragma('wal_autocheckpoint = 10000');
      db.pragma(`journal_size_limit = ${WalKeptBytes}`);
      migrate(db, options.path, options.onUpgrade);
      if (!inMemory) file = new DatabaseFileWatch(options.path);
    } catch (err) {
      db?.close();
      if (err instanceof BacalhauError) throw err;
      throw datastoreFailure(
        `cannot open job store ${options.path}: ${errorMessage(err)}`,
        err,
        false,
        isDamagedDatabase(err)
          ? `the file is damaged: ${DamagedFileFix}`
          : (folderInPlaceHint(options.path) ??
              fullDiskHint(err, options.path) ??
              'check that the data directory is writable'),
      );
    }
    this.#db = db;
    this.#file = file;
    this.#ctx = {
      statements: prepareStatements(db),
      dynamic: new StatementCache(db),
      clock: options.clock ?? systemClock,
      rows: new RowCache(db),
      decoded: newDecodedRecords(),
    };
    this.#run = db.transaction((fn: () => unknown) => fn());
    this.#writes = new WriteQueue({
      commit: () => this.#commitQueued(),
      backgroundTurnMs: options.backgroundTurnMs,
    });
    this.#onError =
      options.onError ??
      ((error) => {
        console.error('job store:', error);
      });
    this.#slicedReader = inMemory
      ? undefined
      : new SlicedReader({
          path: options.path,
          busyTimeoutMs,
          storeError: (err) => this.#storeError(err, 'job store read failed'),
        });
    this.#checkpointer = background
      ? new Checkpointer({
          path: options.path,
          synchronous,
          everyWrites: options.checkpointEveryWrites ?? 500,
          onError: (message) => this.#checkpointFailed(message),
        })
      : undefined;
  }

  /** Background checkpoints completed so far (0 without a checkpointer). */
  get checkpoints(): number {
    return this.#checkpointer?.checkpoints ?? 0;
  }

  get state(): JobStoreState {
    return this.#state;
  }

  /** Queues `fn` for a group commit (see the file comment); the promise carries its outcome. */
  transaction<T>(fn: (tx: JobStoreTx) => T, options: TransactionOptions = {}): Promise<T> {
    if (this.#state === 'closed') return Promise.reject(storeClosed());
    if (this.#inTransaction) return Promise.reject(nestingRefused());
    return new Promise<T>((resolve, reject) => {
      this.#writes.add(
        { fn, resolve: resolve as (value: unknown) => void, reject },
        options.background === true,
      );
    });
  }

  read<T>(fn: (tx: JobStoreReader) => T): Promise<T> {
    return settleNow(() => this.#read(fn));
  }

  onChange(listener: StoreChangeListener): () => void {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const subscription: StoreChangeListener = (changes) => listener(changes);
    this.#listeners.add(subscription);
    return () => {
      this.#listeners.delete(subscription);
    };
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    // Writes already accepted are committed, not dropped.
    this.#commitQueued(true);
    this.#state = 'closed';
    this.#listeners.clear();
    const checkpointer = this.#checkpointer;
    const slicedReader = this.#slicedReader;
    this.#closing = (async () => {
      await slicedReader?.close();
      await checkpointer?.close();
      this.#db.close();
    })();
    return this.#closing;
  }

  // --- the operations, each its own transaction -----------------------------------------------------

  getJob(id: string): Promise<Job> {
    return this.read((tx) => tx.getJob(id));
  }
  peekJob(id: string): Promise<Job> {
    return this.read((tx) => tx.peekJob(id));
  }
  getJobByName(name: string, namespace: string): Promise<Job> {
    return this.read((tx) => tx.getJobByName(name, namespace));
  }
  findJobByName(name: string, namespace: string): Promise<Job | undefined> {
    return this.read((tx) => tx.findJobByName(name, namespace));
  }
  getJobByIDOrName(idOrName: string, namespace: string): Promise<Job> {
    return this.read((tx) => tx.getJobByIDOrName(idOrName, namespace));
  }
  getJobVersion(jobID: string, version: number): Promise<Job> {
    return this.read((tx) => tx.getJobVersion(jobID, version));
  }
  getJobVersions(jobID: string): Promise<Job[]> {
    return this.read((tx) => tx.getJobVersions(jobID));
  }
  listJobs(query: JobQuery = {}): Promise<JobPage> {
    if (this.#slicedReader !== undefined && isLongListing(query)) return this.#slicedReader.listJobs(query);
    return this.read((tx) => tx.listJobs(query));
  }
  getExecution(id: string): Promise<Execution> {
    return this.read((tx) => tx.getExecution(id));
  }
  listExecutions(query: ExecutionQuery): Promise<Execution[]> {
    return this.read((tx) => tx.listExecutions(query));
  }
  getEvaluation(id: string): Promise<Evaluation> {
    return this.read((tx) => tx.getEvaluation(id));
  }
  listEvaluations(query?: EvaluationQuery): Promise<Evaluation[]> {
    return this.read((tx) => tx.listEvaluations(query));
  }
  getJobHistory(jobID: string, query?: JobHistoryQuery): Promise<JobHistoryPage> {
    return this.read((tx) => tx.getJobHistory(jobID, query));
  }
  getNode(id: string): Promise<NodeState> {
    return this.read((tx) => tx.getNode(id));
  }
  listNodes(filter?: (node: NodeState) => boolean): Promise<NodeState[]> {
    return this.read((tx) => tx.listNodes(filter));
  }

  getNodeInstance(id: string): Promise<string> {
    return this.read((tx) => tx.getNodeInstance(id));
  }

  createJob(job: Job, extras?: CreateJobExtras): Promise<Job> {
    return this.transaction((tx) => tx.createJob(job, extras));
  }
  updateJob(job: Job, condition?: UpdateJobCondition): Promise<Job> {
    return this.transaction((tx) => tx.updateJob(job, condition));
  }
  updateJobState(request: UpdateJobStateRequest): Promise<Job> {
    return this.transaction((tx) => tx.updateJobState(request));
  }
  deleteJob(jobID: string): Promise<void> {
    return this.transaction((tx) => tx.deleteJob(jobID));
  }
  createExecution(execution: Execution): Promise<Execution> {
    return this.transaction((tx) => tx.createExecution(execution));
  }
  updateExecution(request: UpdateExecutionRequest): Promise<Execution> {
    return this.transaction((tx) => tx.updateExecution(request));
  }
  createEvaluation(evaluation: Evaluation): Promise<Evaluation> {
    return this.transaction((tx) => tx.createEvaluation(evaluation));
  }
  updateEvaluation(id: string, changes: EvaluationChanges): Promise<Evaluation> {
    return this.transaction((tx) => tx.updateEvaluation(id, changes));
  }
  deleteEvaluation(id: string): Promise<void> {
    return this.transaction((tx) => tx.deleteEvaluation(id));
  }
  addJobHistory(jobID: string, jobVersion: number, events: readonly Event[]): Promise<JobHistory[]> {
    return this.transaction((tx) => tx.addJobHistory(jobID, jobVersion, events));
  }
  addExecutionHistory(
    jobID: string,
    jobVersion: number,
    executionID: string,
    events: readonly Event[],
  ): Promise<JobHistory[]> {
    return this.transaction((tx) => tx.addExecutionHistory(jobID, jobVersion, executionID, events));
  }
  putNode(node: NodeState): Promise<void> {
    return this.transaction((tx) => tx.putNode(node));
  }
  deleteNode(id: string): Promise<boolean> {
    return this.transaction((tx) => tx.deleteNode(id));
  }

  setNodeInstance(id: string, instanceID: string): Promise<void> {
    return this.transaction((tx) => tx.setNodeInstance(id, instanceID));
  }

  // --- transactions ---------------------------------------------------------------------------------

  /**
   * Copies what was committed since the background checkpoint caught up, so that the next write
   * starts the WAL over (checkpointer.ts): a few frames here instead of the backstop's thousands.
   * A failure only leaves that to a later round or to the backstop.
   */
  #finishCheckpoint(): void {
    try {
      this.#db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      this.#checkpointFailed(errorMessage(err));
    }
  }

  /** A checkpoint's failure (here or in the worker) has no caller to go to. */
  #checkpointFailed(message: string): void {
    this.#onError(datastoreFailure(`WAL checkpoint failed: ${message}`, undefined));
  }

  /**
   * Commits a turn's writes (write-queue.ts; all of them when `all`), in batches of at most
   * {@link MaxGroupCommit}, then settles them.
   */
  #commitQueued(all = false): void {
    const writes = this.#writes;
    writes.startTurn(all);
    if (writes.more() && this.#file?.moved() === true) {
      const error = movedFileError(this.path);
      for (const write of writes.takeAll()) write.reject(error);
      return;
    }
    if (writes.more() && this.#checkpointer?.takeCaughtUp() === true) this.#finishCheckpoint();
    while (writes.more()) {
      if (this.#state === 'closed') {
        for (const write of writes.takeAll()) write.reject(storeClosed());
        return;
      }
      const batch: QueuedWrite[] = [];
      let outcomes: WriteOutcome[];
      try {
        outcomes = this.#run.immediate(() => {
          this.#ctx.rows.sync();
          const applied: WriteOutcome[] = [];
          for (let write = writes.next(); write !== undefined; write = writes.next()) {
            batch.push(write);
            applied.push(this.#applyInSavepoint(write.fn));
            if (batch.length === MaxGroupCommit) break;
          }
          return applied;
        }) as WriteOutcome[];
      } catch (err) {
        // Rows cached by the batch's writes were never committed.
        this.#ctx.rows.clear();
        const error = this.#storeError(err, 'job store write failed');
        // Failed before it took a write (BEGIN found the database locked, say): the waiting writes
        // fail with it, or the loop would begin again at once, for ever, holding the event loop.
        for (const write of batch.length > 0 ? batch : writes.takeAll()) write.reject(error);
        continue;
      }
      this.#checkpointer?.committed(outcomes.filter((o) => o.ok && o.changes.length > 0).length);
      batch.forEach((write, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok !== true) {
          write.reject(outcome?.error);
          return;
        }
        this.#emit(outcome.changes);
        write.resolve(outcome.value);
      });
    }
  }

  /**
   * Runs one write inside the open group transaction, in a savepoint (better-sqlite3 turns a nested
   * transaction into one), so that its failure undoes only its own writes.
   */
  #applyInSavepoint(fn: (tx: JobStoreTx) => unknown): WriteOutcome {
    const tx = this.#begin(true);
    try {
      const value = this.#run(() => synchronously(fn(tx)));
      return { ok: true, value, changes: tx.changes };
    } catch (err) {
      // Some SQLite errors (a full disk, an I/O error) abort the whole transaction, savepoints and all:
      // then nothing of the batch can commit, and the group fails together.
      if (!this.#db.inTransaction) throw err;
      tx.cacheWrites.forget();
      return { ok: false, error: this.#storeError(err, 'job store write failed') };
    } finally {
      tx.end();
      this.#inTransaction = false;
    }
  }

  /**
   * SQLite's own failures become DatastoreFailure (retryable when the database was busy, with what to do
   * when the file is damaged or its disk full); others pass.
   */
  #storeError(err: unknown, message: string): unknown {
    if (err instanceof BacalhauError || !(err instanceof Database.SqliteError)) return err;
    const busy = err.code.startsWith('SQLITE_BUSY') || err.code.startsWith('SQLITE_LOCKED');
    return datastoreFailure(`${message}: ${err.message}`, err, busy, storeErrorHint(err, this.path));
  }

  #read<T>(fn: (tx: JobStoreReader) => T): T {
    const tx = this.#begin(false);
    try {
      return this.#run.deferred(() => {
        this.#ctx.rows.sync();
        return synchronously(fn(tx));
      }) as T;
    } catch (err) {
      throw this.#storeError(err, 'job store read failed');
    } finally {
      tx.end();
      this.#inTransaction = false;
    }
  }

  #begin(writable: boolean): SqliteTx {
    if (this.#state === 'closed') throw storeClosed();
    if (this.#inTransaction) throw nestingRefused();
    this.#inTransaction = true;
    return new SqliteTx(this.#ctx, writable);
  }

  /**
   * Delivers batches in commit order: a listener that writes (committing a new batch) does not get its
   * batch delivered before the current one reached every listener.
   */
  #emit(changes: readonly StoreChange[]): void {
    if (changes.length === 0) return;
    this.#undelivered.push(Object.freeze(changes));
    if (this.#emitting) return;
    this.#emitting = true;
    try {
      for (let batch = this.#undelivered.shift(); batch !== undefined; batch = this.#undelivered.shift()) {
        for (const listener of [...this.#listeners]) {
          try {
            listener(batch);
          } catch (err) {
            this.#onError(err);
          }
        }
      }
    } finally {
      this.#emitting = false;
    }
  }
}

/** The most writes one group commit applies; a longer queue is committed in several. */
const MaxGroupCommit = 512;

type WriteOutcome =
  { ok: true; value: unknown; changes: readonly StoreChange[] } | { ok: false; error: unknown };

function nestingRefused(): Error {
  return new Error('job store transactions do not nest: use the tx handle given to the callback');
}

/** A transaction body must not be async: its writes would run after the commit. */
function synchronously<T>(result: T): T {
  if (typeof (result as { then?: unknown } | null | undefined)?.then === 'function') {
    (result as PromiseLike<unknown>).then(undefined, () => undefined);
    throw new TypeError('job store transaction callbacks must be synchronous (they returned a promise)');
  }
  return result;
}

/** What a damaged job store file needs. */
const DamagedFileFix =
  'restore it from a backup, or move it away to start with an empty job store (the jobs recorded in it are then forgotten)';

/**
 * Writes to a file no longer at `path` would be lost at the node's restart (database-file-watch.ts); one
 * moved back where it was is written to again.
 */
function movedFileError(path: string): BacalhauError {
  return datastoreFailure(
    `job store write failed: ${path} was deleted, moved or replaced while the node was running`,
    new DatabaseFileMoved(path),
    true,
    'the node writes nothing more to it, as it would be lost when the node restarts: move the file back ' +
      `where it was (writes resume), or stop the node and restore ${path} from a backup (or leave it ` +
      'missing to start with an empty job store)',
  );
}

/** What to do about a failed read or write that no retry mends, if anything can be said. */
function storeErrorHint(err: InstanceType<typeof Database.SqliteError>, path: string): string | undefined {
  // said while the node runs, and when it stops at its start for it
  if (isDamagedDatabase(err)) return `${path} is damaged: with the node stopped, ${DamagedFileFix}`;
  return passingFailureHint(err, path);
}

function migrate(db: Database.Database, path: string, onUpgrade?: (from: number, to: number) => void): void {
  db.transaction(() => {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (applicationId !== 0 && applicationId !== ApplicationId) {
      throw datastoreFailure(
        `${path} is not a bacalhau-ts job store (application_id ${applicationId})`,
        undefined,
        false,
        ForeignStoreFileHint,
      );
    }
    if (version > SchemaVersion) {
      throw datastoreFailure(
        `${path} has schema version ${version}, newer than this build's ${SchemaVersion}`,
        undefined,
        false,
        NewerStoreFileHint,
      );
    }
    // (version 0 is a new file: nothing to upgrade)
    if (version > 0 && version < SchemaVersion) onUpgrade?.(version, SchemaVersion);
    for (const migration of migrations.slice(version)) db.exec(migration);
    if (version !== SchemaVersion) db.pragma(`user_version = ${SchemaVersion}`);
    if (applicationId === 0) db.pragma(`application_id = ${ApplicationId}`);
  }).immediate();
}
