/**
 * The execution store on one SQLite file (Go uses BoltDB at `<DataDir>/compute/executions.db`).
 * Executions are kept as Bacalhau's wire JSON through the model codec, like the orchestrator's store.
 *
 * An execution's job spec never changes, so it is written once, at creation, in a table of its own
 * (`execution_jobs`), and decoded once: every later write of the execution is its small state document
 * only. A table, not a column: SQLite rewrites a whole row when any column of it changes, so a spec in
 * the executions row (megabytes with an inline input) was written again by every state change. Rows
 * written before either existed keep the job inside `doc` and read as before until their next write.
 *
 * The outbox is mirrored in memory (read after every write; the file is read once, at open), and an
 * acknowledgement is written with the next write rather than committed on its own: every commit is
 * pages written to disk, and a job's messages would otherwise cost two more commits each. An
 * acknowledgement lost to a crash only means the message is handed over again after the restart,
 * which the orchestrator's idempotent handlers allow for (outbox.ts); `close` writes it.
 *
 * Ended executions are forgotten after a while (retention.ts): a row records when its execution ended,
 * and the number forgotten in each state is kept, so that `count` goes on counting them. The tables
 * and what brings an earlier build's file up to them are in schema.ts.
 */
import Database from 'better-sqlite3';
import { BacalhauError, ErrorCode, isTerminalExecutionState } from '../../models/index.js';
import type { Event, Execution, ExecutionStateType, Job } from '../../models/index.js';
import { DecodedCache } from '../../lib/decoded-cache.js';
import { makeDatabaseFolder, restrictDatabaseFiles } from '../../lib/private-database.js';
import { deepFreeze } from '../../lib/deep-freeze.js';
import { executionDoc, jobDoc } from '../../store/codec.js';
import {
  folderInPlaceHint,
  isDamagedDatabase,
  isPassingStoreFailure,
  passingFailureHint,
} from '../../store/transient-failure.js';
import { checkStoreFile, prepareSchema } from './schema.js';
import type { ComputeMessage, Outgoing } from '../../transport/messages.js';
import {
  executionAlreadyExists,
  executionAlreadyTerminal,
  executionNotFound,
  ExecutionStoreComponent,
  invalidExecutionRevision,
  invalidExecutionState,
} from './errors.js';
import type {
  ExecutionStore,
  ExecutionUpsert,
  OutboxEntry,
  OutboxPolicy,
  UpdateExecutionCondition,
  UpdateExecutionRequest,
} from './types.js';

export interface SqliteExecutionStoreOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  /** Which message each write owes the orchestrator; none by default. */
  outbox?: OutboxPolicy;
  /** Wall clock for create/modify times (ns since the epoch are derived from it). */
  now?: () => number;
}

const liveStates: readonly ExecutionStateType[] = ['BidAccepted', 'Running', 'Publishing'];

interface ExecutionRow {
  id: string;
  doc: string;
}

export class SqliteExecutionStore implements ExecutionStore {
  readonly #db: Database.Database;
  readonly #outbox: OutboxPolicy;
  readonly #now: () => number;
  readonly #listeners = new Set<(upsert: ExecutionUpsert) => void>();
  readonly #statements;
  /**
   * Runs its argument in a transaction (a savepoint inside one). Made once: better-sqlite3 builds a
   * wrapper per `transaction()` call, which cost each write ~0.05 ms.
   */
  readonly #inTransaction: <T>(fn: () => T) => T;
  /**
   * Decoded job specs by execution ID, shared by every execution value this store returns for that
   * execution (frozen: a caller cannot change what another one reads). Every write of a spec goes
   * through this cache, so a cached spec is the stored one and `execution_jobs` is read only on a miss.
   */
  readonly #jobs = new DecodedCache<Job>((doc) => deepFreeze(jobDoc.decode(doc)), 1024);
  /** The outbox entries not acknowledged yet, in commit order. */
  #pending: OutboxEntry[];
  /** Entries up to this seq were acknowledged; those above `#deletedThrough` are still in the file. */
  #ackedThrough = 0;
  #deletedThrough = 0;

  private constructor(db: Database.Database, options: SqliteExecutionStoreOptions) {
    this.#db = db;
    this.#outbox = options.outbox ?? (() => undefined);
    this.#now = options.now ?? Date.now;
    const run = db.transaction((fn: () => unknown) => fn());
    this.#inTransaction = <T>(fn: () => T) => run(fn) as T;
    this.#statements = {
      get: db.prepare<[string], ExecutionRow>('SELECT id, doc FROM executions WHERE id = ?'),
      job: db.prepare<[string], { job: string }>('SELECT job FROM execution_jobs WHERE id = ?'),
      insert: db.prepare('INSERT INTO executions (id, state, doc, created) VALUES (?, ?, ?, ?)'),
      update: db.prepare('UPDATE executions SET state = ?, doc = ?, ended = ? WHERE id = ?'),
      putJob: db.prepare('INSERT OR REPLACE INTO execution_jobs (id, job) VALUES (?, ?)'),
      deleteJob: db.prepare('DELETE FROM execution_jobs WHERE id = ?'),
      endedBefore: db.prepare<[number, number], { id: string }>(
        'SELECT id FROM executions WHERE ended < ? ORDER BY ended, id LIMIT ?',
      ),
      // only an ended execution: one still under way is never forgotten
      forget: db.prepare<[string], { state: ExecutionStateType }>(
        'DELETE FROM executions WHERE id = ? AND ended IS NOT NULL RETURNING state',
      ),
      tally: db.prepare(
        'INSERT INTO forgotten (state, count) VALUES (?, 1) ON CONFLICT (state) DO UPDATE SET count = count + 1',
      ),
      forgotten: db.prepare<[string], { count: number }>('SELECT count FROM forgotten WHERE state = ?'),
      deleteEvents: db.prepare('DELETE FROM events WHERE execution_id = ?'),
      addEvent: db.prepare('INSERT INTO events (execution_id, doc) VALUES (?, ?)'),
      events: db.prepare<[string], { doc: string }>(
        'SELECT doc FROM events WHERE execution_id = ? ORDER BY seq',
      ),
      count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM executions WHERE state = ?'),
      addOutbox: db.prepare('INSERT INTO outbox (doc) VALUES (?)'),
      outbox: db.prepare<[], { seq: number; doc: string }>('SELECT seq, doc FROM outbox ORDER BY seq'),
      ackOutbox: db.prepare('DELETE FROM outbox WHERE seq <= ?'),
    };
    this.#pending = this.#statements.outbox
      .all()
      .map((row) => ({ seq: row.seq, message: JSON.parse(row.doc) as Outgoing<ComputeMessage> }));
  }

  /**
   * Opens (creating if needed) the store.
   * @throws BacalhauError DatastoreFailure when the file cannot be opened or is not a store.
   */
  static open(options: SqliteExecutionStoreOptions): SqliteExecutionStore {
    let db: Database.Database | undefined;
    try {
      if (options.path !== ':memory:') makeDatabaseFolder(options.path);
      db = new Database(options.path);
      db.pragma('busy_timeout = 5000');
      const identity = checkStoreFile(db);
      if (options.path !== ':memory:') {
        db.pragma('journal_mode = WAL');
        restrictDatabaseFiles(options.path);
      }
      db.pragma('synchronous = NORMAL');
      prepareSchema(db, identity, (options.now ?? Date.now)());
      return new SqliteExecutionStore(db, options);
    } catch (err) {
      db?.close();
      throw storeFailure('open', options.path, err);
    }
  }

  find(executionID: string): Execution | undefined {
    return this.#failureNamed(() => {
      const row = this.#statements.get.get(executionID);
      return row === undefined ? undefined : this.#decode(row);
    });
  }

  get(executionID: string): Execution {
    const found = this.find(executionID);
    if (found === undefined) throw executionNotFound(executionID);
    return found;
  }

  liveExecutions(): Execution[] {
    return this.byState(liveStates);
  }

  byState(states: readonly ExecutionStateType[]): Execution[] {
    if (states.length === 0) return [];
    // the decode reads the job specs' table too
    return this.#failureNamed(() =>
      this.#db
        .prepare<string[], ExecutionRow>(
          `SELECT id, doc FROM executions WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY created, id`,
        )
        .all(...states)
        .map((row) => this.#decode(row)),
    );
  }

  events(executionID: string): Event[] {
    return this.#failureNamed(() =>
      this.#statements.events.all(executionID).map((row) => JSON.parse(row.doc) as Event),
    );
  }

  count(state: ExecutionStateType): number {
    return this.#failureNamed(
      () => (this.#statements.count.get(state)?.n ?? 0) + (this.#statements.forgotten.get(state)?.count ?? 0),
    );
  }

  endedBefore(cutoffMs: number, limit: number): string[] {
    const waiting = this.#pendingExecutions();
    // as many more as wait for the orchestrator, which are left out
    const rows = this.#failureNamed(() => this.#statements.endedBefore.all(cutoffMs, limit + waiting.size));
    return rows
      .map((row) => row.id)
      .filter((id) => !waiting.has(id))
      .slice(0, limit);
  }

  create(execution: Execution, events: readonly Event[] = []): Execution {
    validateNew(execution);
    const nowNs = this.#nowNs();
    const record: Execution = { ...execution, CreateTime: nowNs, ModifyTime: nowNs, Revision: 1 };
    const { upsert, entry } = this.#writeTransaction(record.ID, () => {
      if (this.#statements.get.get(record.ID) !== undefined) throw executionAlreadyExists(record.ID);
      const { doc, stored } = executionDoc.encodeAndDecode({ ...record, Job: undefined });
      this.#statements.insert.run(stored.ID, stored.ComputeState.StateType, doc, nowNs);
      const created = { current: { ...stored, Job: this.#putJob(stored.ID, record.Job!) }, events };
      return { upsert: created, entry: this.#commitSideEffects(created) };
    });
    this.#committed(upsert, entry);
    return upsert.current;
  }

  update(request: UpdateExecutionRequest): Execution {
    const events = request.events ?? [];
    const { upsert, entry } = this.#writeTransaction(request.executionID, () => {
      const previous = this.get(request.executionID);
      checkCondition(previous, request.condition);
      const newState = request.newValues.ComputeState?.StateType ?? previous.ComputeState.StateType;
      if (isTerminalExecutionState(previous.ComputeState.StateType)) {
        throw executionAlreadyTerminal(previous.ID, previous.ComputeState.StateType, newState);
      }
      const next: Execution = {
        ...previous,
        ...definedFields(request.newValues),
        ID: previous.ID,
        CreateTime: previous.CreateTime,
        ModifyTime: this.#nowNs(),
        Revision: previous.Revision + 1,
      };
      const stored = this.#write(next);
      const updated: ExecutionUpsert = { current: stored, previous, events };
      return { upsert: updated, entry: this.#commitSideEffects(updated) };
    });
    this.#committed(upsert, entry);
    return upsert.current;
  }

  forget(executionIDs: readonly string[]): number {
    const waiting = this.#pendingExecutions();
    const forgotten = this.#failureNamed(() =>
      this.#inTransaction(() =>
        executionIDs.filter((id) => {
          const row = waiting.has(id) ? undefined : this.#statements.forget.get(id);
          if (row === undefined) return false;
          this.#statements.deleteJob.run(id);
          this.#statements.deleteEvents.run(id);
          this.#statements.tally.run(row.state);
          return true;
        }),
      ),
    );
    for (const id of forgotten) this.#jobs.forget(id);
    return forgotten.length;
  }

  pendingOutbox(): OutboxEntry[] {
    return [...this.#pending];
  }

  /** Forgets the entries at once; the file follows with the next write (see the file comment). */
  ackOutbox(seq: number): void {
    this.#ackedThrough = Math.max(this.#ackedThrough, seq);
    this.#pending = this.#pending.filter((entry) => entry.seq > seq);
  }

  onUpsert(listener: (upsert: ExecutionUpsert) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Closes the file, whatever else fails: deleting the acknowledged outbox entries is tidying (those
   * a full disk keeps are sent again after a restart, which the orchestrator takes as it takes any
   * message it already had).
   */
  close(): void {
    this.#listeners.clear();
    if (!this.#db.open) return;
    try {
      this.#deleteAcknowledged();
    } catch {
      // see above
    }
    this.#db.close();
  }

  /** The executions an outbox entry not yet acknowledged is about. */
  #pendingExecutions(): Set<string> {
    return new Set(this.#pending.map((entry) => entry.message.payload.ExecutionID));
  }

  /** Runs `fn` in a transaction; if it rolls back, a job spec it cached for the execution goes too. */
  #writeTransaction<T>(executionID: string, fn: () => T): T {
    try {
      return this.#failureNamed(() => this.#inTransaction(fn));
    } catch (err) {
      this.#jobs.forget(executionID);
      throw err;
    }
  }

  /**
   * SQLite's failures name the file and the fix, as `open` reports them: damage (which can surface
   * long after `open`, as SQLite reads a file's pages when it needs them), and what may pass (a full
   * disk, no file descriptor left), whose error stays the cause so that writers still retry them.
   * Other errors pass unchanged.
   */
  #failureNamed<T>(use: () => T): T {
    try {
      return use();
    } catch (err) {
      if (isDamagedDatabase(err)) throw storeFailure('read', this.#db.name, err);
      throw err instanceof Database.SqliteError && isPassingStoreFailure(err)
        ? storeFailure('use', this.#db.name, err)
        : err;
    }
  }

  /**
   * Writes `next` over the stored execution: its state document only while its job is the stored one
   * (the cached spec, which every read of the execution returns), else the job too, moving a row of
   * the old layout to the new one.
   */
  #write(next: Execution): Execution {
    const { doc, stored } = executionDoc.encodeAndDecode({ ...next, Job: undefined });
    const state = stored.ComputeState.StateType;
    this.#statements.update.run(state, doc, isTerminalExecutionState(state) ? this.#now() : null, stored.ID);
    if (next.Job !== undefined && next.Job === this.#jobs.peek(stored.ID))
      return { ...stored, Job: next.Job };
    if (next.Job === undefined) {
      this.#statements.deleteJob.run(stored.ID);
      this.#jobs.forget(stored.ID);
      return stored;
    }
    return { ...stored, Job: this.#putJob(stored.ID, next.Job) };
  }

  /** Writes the execution's job spec; returns it as stored, decoded once into the cache. */
  #putJob(executionID: string, job: Job): Job {
    const doc = jobDoc.encode(job);
    this.#statements.putJob.run(executionID, doc);
    return this.#jobs.get(executionID, doc);
  }

  /** A row as an execution: its job from `execution_jobs` (decoded once), or from `doc` in old rows. */
  #decode(row: ExecutionRow): Execution {
    const execution = executionDoc.decode(row.doc);
    if (execution.Job !== undefined) return execution;
    const job = this.#jobs.peek(row.id) ?? this.#storedJob(row.id);
    return job === undefined ? execution : { ...execution, Job: job };
  }

  #storedJob(executionID: string): Job | undefined {
    const row = this.#statements.job.get(executionID);
    return row === undefined ? undefined : this.#jobs.get(executionID, row.job);
  }

  /**
   * Events, the outbox message and the acknowledgements since the last write, inside the write's
   * transaction. Returns the outbox entry, to be mirrored once the transaction committed.
   */
  #commitSideEffects(upsert: ExecutionUpsert): OutboxEntry | undefined {
    this.#deleteAcknowledged();
    for (const event of upsert.events)
      this.#statements.addEvent.run(upsert.current.ID, JSON.stringify(event));
    const message = this.#outbox(upsert);
    if (message === undefined) return undefined;
    const { lastInsertRowid } = this.#statements.addOutbox.run(JSON.stringify(message));
    return { seq: Number(lastInsertRowid), message };
  }

  /** Deletes the acknowledged entries still in the file, in the caller's transaction if any. */
  #deleteAcknowledged(): void {
    if (this.#ackedThrough <= this.#deletedThrough) return;
    this.#statements.ackOutbox.run(this.#ackedThrough);
  }

  /**
   * After a write committed: the acknowledgements are in the file (not before: a rolled-back write
   * leaves them for the next one), its outbox entry is pending, its listeners hear of it.
   */
  #committed(upsert: ExecutionUpsert, entry: OutboxEntry | undefined): void {
    this.#deletedThrough = this.#ackedThrough;
    if (entry !== undefined) this.#pending.push(entry);
    for (const listener of [...this.#listeners]) listener(upsert);
  }

  #nowNs(): number {
    return this.#now() * 1_000_000;
  }
}

/** Go's `ValidateNewExecution`: a new execution waits for bidding, or is pre-approved. */
function validateNew(execution: Execution): void {
  const state = execution.ComputeState.StateType;
  if (state !== 'New' && state !== 'BidAccepted') {
    throw invalidExecutionState(execution.ID, state, ['New', 'BidAccepted']);
  }
  if (execution.ID === '' || execution.Job === undefined) {
    throw new BacalhauError('CreateExecution failure: an execution needs an ID and its job', {
      code: ErrorCode.ValidationError,
      component: ExecutionStoreComponent,
    });
  }
}

function checkCondition(execution: Execution, condition: UpdateExecutionCondition = {}): void {
  const state = execution.ComputeState.StateType;
  const expected = condition.expectedStates ?? [];
  if (expected.length > 0 && !expected.includes(state))
    throw invalidExecutionState(execution.ID, state, expected);
  const revision = condition.expectedRevision ?? 0;
  if (revision !== 0 && revision !== execution.Revision) {
    throw invalidExecutionRevision(execution.ID, execution.Revision, revision);
  }
  if (condition.unexpectedStates?.includes(state)) throw invalidExecutionState(execution.ID, state);
}

/** The fields of a partial record that are set (Go's merge keeps the old value for zero fields). */
function definedFields(values: Partial<Execution>): Partial<Execution> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/** The store's file failing: which file, what SQLite said, and what to do about it. */
function storeFailure(doing: 'open' | 'read' | 'use', path: string, err: unknown): BacalhauError {
  return new BacalhauError(`cannot ${doing} the compute execution store ${path}: ${(err as Error).message}`, {
    code: ErrorCode.DatastoreFailure,
    component: ExecutionStoreComponent,
    hint: isDamagedDatabase(err)
      ? 'the file is damaged: move it away and start again (the node then fails what it was running)'
      : (ownHint(err) ??
        folderInPlaceHint(path) ??
        passingFailureHint(err, path) ??
        'check that the data directory is writable and not used by another compute node'),
    cause: err,
  });
}

/** The hint of a refusal that has one already (schema.ts: a foreign or newer file). */
function ownHint(err: unknown): string | undefined {
  return err instanceof BacalhauError && err.hint !== '' ? err.hint : undefined;
}
