/**
 * The execution store's tables, and what brings the file of an earlier build up to them when it is
 * opened. The builds before schema versions are recognised by the columns they left; from version 1
 * the file says what it is (`application_id`) and which version wrote it (`user_version`), so that a
 * build refuses another program's file, or a newer build's, rather than write its tables into it.
 *
 * - `executions`: one row per execution, its state document (`doc`); `ended` is when it reached a
 *   terminal state (ms since the epoch; NULL while it is not in one), which retention.ts goes by.
 * - `execution_jobs`: each execution's job spec, written once (see sqlite-store.ts).
 * - `events`, `outbox`: an execution's history, and the messages for the orchestrator.
 * - `forgotten`: how many executions the node forgot (retention.ts) in each state, so that what the
 *   node says it completed still counts them.
 */
import type Database from 'better-sqlite3';
import {
  BacalhauError,
  ErrorCode,
  isTerminalExecutionState,
  type ExecutionStateType,
} from '../../models/index.js';
import { ForeignStoreFileHint, NewerStoreFileHint } from '../../store/transient-failure.js';

/** `BCLE`: a bacalhau-ts compute execution store (the job store's is `BCLH`). */
export const ExecutionStoreApplicationId = 0x42434c45;
/** The version of the tables below; a file of an earlier build without one is brought up to it. */
export const ExecutionStoreSchemaVersion = 1;

const tables = `
  CREATE TABLE IF NOT EXISTS executions (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    doc TEXT NOT NULL,
    created INTEGER NOT NULL,
    ended INTEGER
  );
  CREATE INDEX IF NOT EXISTS executions_state ON executions (state, created);
  CREATE TABLE IF NOT EXISTS execution_jobs (
    id TEXT PRIMARY KEY,
    job TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_execution ON events (execution_id, seq);
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS forgotten (
    state TEXT PRIMARY KEY,
    count INTEGER NOT NULL
  );
`;

/** Only ended executions are looked up by when they ended: the index leaves the others out. */
const endedIndex =
  'CREATE INDEX IF NOT EXISTS executions_ended ON executions (ended) WHERE ended IS NOT NULL';

/** The tables of {@link tables}: a file without a version holding others is another program's. */
const ownTables = new Set(['executions', 'execution_jobs', 'events', 'outbox', 'forgotten']);

/** What the file says of itself; read before anything is written to it. */
export interface StoreFileIdentity {
  applicationId: number;
  version: number;
}

/**
 * Reads what the file says it is, and refuses another program's or store's (another
 * `application_id`, or none and tables not of this store) or a newer build's; called before the
 * file is switched to WAL or written, so that a refused file is left as it was.
 */
export function checkStoreFile(db: Database.Database): StoreFileIdentity {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const foreignTables =
    applicationId === 0
      ? db
          .prepare<[], { name: string }>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
          )
          .all()
          .map((row) => row.name)
          .filter((name) => !ownTables.has(name))
      : [];
  if ((applicationId !== 0 && applicationId !== ExecutionStoreApplicationId) || foreignTables.length > 0) {
    throw refusedFile(
      applicationId === 0
        ? `the file is not a bacalhau-ts compute execution store (it holds the table ${foreignTables[0]})`
        : `the file is not a bacalhau-ts compute execution store (application_id ${applicationId})`,
      ForeignStoreFileHint,
    );
  }
  if (version > ExecutionStoreSchemaVersion) {
    throw refusedFile(
      `the file has schema version ${version}, newer than this build's ${ExecutionStoreSchemaVersion}`,
      NewerStoreFileHint,
    );
  }
  return { applicationId, version };
}

/**
 * Creates what is missing and brings an earlier build's file up to date (`identity` from
 * {@link checkStoreFile}); `nowMs` dates its ended executions.
 */
export function prepareSchema(
  db: Database.Database,
  { applicationId, version }: StoreFileIdentity,
  nowMs: number,
): void {
  db.exec(tables);
  const columns = db
    .prepare<[], { name: string }>('PRAGMA table_info(executions)')
    .all()
    .map((column) => column.name);
  if (columns.includes('job')) moveJobColumn(db);
  if (!columns.includes('ended')) addEndedColumn(db, nowMs);
  db.exec(endedIndex);
  if (version !== ExecutionStoreSchemaVersion) db.pragma(`user_version = ${ExecutionStoreSchemaVersion}`);
  if (applicationId === 0) db.pragma(`application_id = ${ExecutionStoreApplicationId}`);
}

function refusedFile(message: string, hint: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.DatastoreFailure, hint });
}

/**
 * Files of the builds that kept the spec in a `job` column of `executions` have their specs moved to
 * `execution_jobs` and the column dropped, once, when opened.
 */
function moveJobColumn(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`
      INSERT INTO execution_jobs (id, job) SELECT id, job FROM executions WHERE job IS NOT NULL;
      ALTER TABLE executions DROP COLUMN job;
    `);
  })();
}

/**
 * Files of the builds that never forgot an execution get the `ended` column. When their executions
 * ended is not recorded; they are dated `nowMs`, so the node keeps them one retention period more.
 */
function addEndedColumn(db: Database.Database, nowMs: number): void {
  db.transaction(() => {
    db.exec('ALTER TABLE executions ADD COLUMN ended INTEGER');
    const terminal = db
      .prepare<[], { state: ExecutionStateType }>('SELECT DISTINCT state FROM executions')
      .all()
      .map((row) => row.state)
      .filter(isTerminalExecutionState);
    if (terminal.length === 0) return;
    db.prepare(`UPDATE executions SET ended = ? WHERE state IN (${terminal.map(() => '?').join(', ')})`).run(
      nowMs,
      ...terminal,
    );
  })();
}
