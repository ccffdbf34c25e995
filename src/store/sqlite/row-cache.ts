/**
 * Rows this connection read or wrote, by primary key, so that the point reads a job makes as it moves
 * through its states skip SQLite: a batch job reads its jobs row ~20 times, its evaluations ~10 and its
 * executions ~6, which cost about a sixth of the orchestrator's CPU per job (measured with the
 * throughput benchmark by running every such read twice).
 *
 * The store keeps the cache true to the database: writes put the row they wrote (tx.ts), a savepoint
 * that rolls back forgets what it put ({@link CacheWrites}), a group commit that fails empties it, and
 * `PRAGMA data_version`, checked first thing in every transaction, empties it when another connection
 * (another process on the same file) committed since.
 */
import type { Database, Statement } from 'better-sqlite3';
import { BoundedMap } from '../../lib/bounded-map.js';
import type { ExecutionRow, JobRow } from './statements.js';

/** Rows per table: more than the jobs a busy orchestrator has in flight, a few MB of documents. */
const RowsPerTable = 32_768;

export class RowCache {
  readonly jobs = new BoundedMap<string, JobRow>(RowsPerTable);
  readonly executions = new BoundedMap<string, ExecutionRow>(RowsPerTable);
  /** Evaluation documents. */
  readonly evaluations = new BoundedMap<string, string>(RowsPerTable);
  /** The highest history `SeqNum` of a job, 0 for none. */
  readonly lastSeqNums = new BoundedMap<string, number>(RowsPerTable);
  readonly #dataVersion: Statement<[], number>;
  #seenVersion: number | undefined;

  constructor(db: Database) {
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /**
   * Empties the cache if another connection committed since the last call. Call it as a transaction's
   * first statement: it also starts the transaction's snapshot, so the cache and what the transaction
   * reads agree.
   */
  sync(): void {
    const version = this.#dataVersion.get();
    if (version !== this.#seenVersion) {
      if (this.#seenVersion !== undefined) this.clear();
      this.#seenVersion = version;
    }
  }

  clear(): void {
    this.jobs.clear();
    this.executions.clear();
    this.evaluations.clear();
    this.lastSeqNums.clear();
  }
}

/**
 * What one write transaction (a savepoint of a group commit) put in the cache, so that its rollback
 * can forget it: the rows it wrote, and the rows it read, which include its own uncommitted writes.
 */
export class CacheWrites {
  readonly #entries: { map: BoundedMap<string, unknown>; key: string }[] = [];

  put<V>(map: BoundedMap<string, V>, key: string, value: V): void {
    map.set(key, value);
    this.#entries.push({ map, key });
  }

  forget(): void {
    for (const { map, key } of this.#entries) map.delete(key);
    this.#entries.length = 0;
  }
}
