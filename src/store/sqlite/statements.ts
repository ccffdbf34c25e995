/** Every fixed statement of the SQLite store, prepared once per connection. */
import type { Database, Statement } from 'better-sqlite3';

export interface JobRow {
  seq: number;
  id: string;
  namespace: string;
  type: string;
  terminal: number;
  version: number;
  /** Changes with every spec written for the job (schema.ts, migration 3). */
  spec_stamp: string;
  /** The job's state part (codec.ts `jobStateDoc`); the rest is in `job_specs`. */
  doc: string;
}

export interface ExecutionRow {
  id: string;
  terminal: number;
  doc: string;
}

export interface JobColumns {
  id: string;
  name: string;
  namespace: string;
  type: string;
  state: string;
  terminal: number;
  version: number;
  create_time: number;
  modify_time: number;
  spec_stamp: string;
  doc: string;
}

export interface ExecutionColumns {
  id: string;
  job_id: string;
  /** The job row's `seq` (schema.ts, migration 5). */
  job_seq: number;
  job_version: number;
  namespace: string;
  node_id: string;
  terminal: number;
  create_time: number;
  modify_time: number;
  doc: string;
}

export interface EvaluationColumns {
  id: string;
  job_id: string;
  job_seq: number;
  status: string;
  create_time: number;
  doc: string;
}

export interface HistoryColumns {
  job_seq: number;
  seq_num: number;
  type: string;
  job_version: number;
  execution_id: string;
  time_ns: number;
  doc: string;
}

export interface HistoryPageParams {
  jobSeq: number;
  offset: number;
  allowJob: number;
  allowExecution: number;
  version: number | null;
  execPrefix: string | null;
  sinceNs: number;
  limit: number;
}

/** Half-open ID range [prefix, upper) holding every ID that starts with prefix. */
export function prefixRange(prefix: string): [string, string] {
  return [prefix, `${prefix}\u{10FFFF}`];
}

export function prepareStatements(db: Database) {
  return {
    jobById: db.prepare<[string], JobRow>(
      'SELECT seq, id, namespace, type, terminal, version, spec_stamp, doc FROM jobs WHERE id = ?',
    ),
    jobIdsByPrefix: db.prepare<[string, string], { id: string }>(
      'SELECT id FROM jobs WHERE id >= ? AND id < ? ORDER BY id LIMIT 2',
    ),
    jobByName: db.prepare<[string, string], JobRow>(
      'SELECT seq, id, namespace, type, terminal, version, spec_stamp, doc FROM jobs WHERE namespace = ? AND name = ?',
    ),
    insertJob: db.prepare<JobColumns>(
      `INSERT INTO jobs (id, name, namespace, type, state, terminal, version, create_time, modify_time, spec_stamp, doc)
       VALUES (@id, @name, @namespace, @type, @state, @terminal, @version, @create_time, @modify_time, @spec_stamp, @doc)`,
    ),
    // Only the columns an update can change: SQLite rewrites the index entries of every column it sets.
    updateJob: db.prepare<
      Pick<JobColumns, 'id' | 'state' | 'terminal' | 'version' | 'modify_time' | 'spec_stamp' | 'doc'>
    >(
      `UPDATE jobs SET state = @state, terminal = @terminal, version = @version, modify_time = @modify_time,
         spec_stamp = @spec_stamp, doc = @doc
       WHERE id = @id`,
    ),
    // Two forms, as setting `terminal` rewrites the job's entry in `jobs_in_progress` even when it keeps
    // its value: most state changes (Pending → Running) keep it.
    updateJobState: db.prepare<Pick<JobColumns, 'id' | 'state' | 'modify_time' | 'doc'>>(
      'UPDATE jobs SET state = @state, modify_time = @modify_time, doc = @doc WHERE id = @id',
    ),
    updateJobStateAndTerminal: db.prepare<
      Pick<JobColumns, 'id' | 'state' | 'terminal' | 'modify_time' | 'doc'>
    >(
      'UPDATE jobs SET state = @state, terminal = @terminal, modify_time = @modify_time, doc = @doc WHERE id = @id',
    ),
    putSpec: db.prepare<[number | bigint, string]>(
      'INSERT OR REPLACE INTO job_specs (seq, doc) VALUES (?, ?)',
    ),
    specDoc: specDocStatement(db),
    deleteSpec: db.prepare<[number]>('DELETE FROM job_specs WHERE seq = ?'),
    putLabels: db.prepare<[number, string]>('INSERT OR REPLACE INTO job_labels (seq, labels) VALUES (?, ?)'),
    deleteLabels: db.prepare<[number]>('DELETE FROM job_labels WHERE seq = ?'),
    deleteJob: db.prepare<[string]>('DELETE FROM jobs WHERE id = ?'),

    insertVersion: db.prepare<[string, number, string]>(
      'INSERT OR REPLACE INTO job_versions (job_id, version, doc) VALUES (?, ?, ?)',
    ),
    versionDoc: db
      .prepare<[string, number], string>('SELECT doc FROM job_versions WHERE job_id = ? AND version = ?')
      .pluck(),
    versionDocs: db
      .prepare<[string], string>('SELECT doc FROM job_versions WHERE job_id = ? ORDER BY version')
      .pluck(),
    deleteVersions: db.prepare<[string]>('DELETE FROM job_versions WHERE job_id = ?'),

    executionById: db.prepare<[string], ExecutionRow>(
      'SELECT id, terminal, doc FROM executions WHERE id = ?',
    ),
    executionIdsByPrefix: db.prepare<[string, string], { id: string }>(
      'SELECT id FROM executions WHERE id >= ? AND id < ? ORDER BY id LIMIT 2',
    ),
    /**
     * 1 when some execution of the job (any version) has not ended and an evaluation of the job is
     * pending (the one that will stop it), else undefined.
     */
    executionAwaitingEvaluation: db
      .prepare<{ job: number }, number>(
        'SELECT 1 WHERE EXISTS (SELECT 1 FROM executions WHERE job_seq = @job AND terminal = 0) ' +
          "AND EXISTS (SELECT 1 FROM evaluations WHERE job_seq = @job AND status = 'pending')",
      )
      .pluck(),
    executionTerminalByPrefix: db
      .prepare<[number, string, string], number>(
        'SELECT terminal FROM executions WHERE job_seq = ? AND id >= ? AND id < ?',
      )
      .pluck(),
    insertExecution: db.prepare<ExecutionColumns>(
      `INSERT INTO executions
         (id, job_id, job_seq, job_version, namespace, node_id, terminal, create_time, modify_time, doc)
       VALUES (@id, @job_id, @job_seq, @job_version, @namespace, @node_id, @terminal, @create_time, @modify_time, @doc)`,
    ),
    // Two forms, as for a job's state (`executions_in_progress`).
    updateExecution: db.prepare<Pick<ExecutionColumns, 'id' | 'modify_time' | 'doc'>>(
      'UPDATE executions SET modify_time = @modify_time, doc = @doc WHERE id = @id',
    ),
    updateExecutionAndTerminal: db.prepare<Pick<ExecutionColumns, 'id' | 'terminal' | 'modify_time' | 'doc'>>(
      'UPDATE executions SET terminal = @terminal, modify_time = @modify_time, doc = @doc WHERE id = @id',
    ),
    updateExecutionNode: db.prepare<[string, string]>('UPDATE executions SET node_id = ? WHERE id = ?'),
    deleteExecutionsOfJob: db.prepare<[number]>('DELETE FROM executions WHERE job_seq = ?'),

    evaluationDoc: db.prepare<[string], string>('SELECT doc FROM evaluations WHERE id = ?').pluck(),
    insertEvaluation: db.prepare<EvaluationColumns>(
      `INSERT INTO evaluations (id, job_id, job_seq, status, create_time, doc)
       VALUES (@id, @job_id, @job_seq, @status, @create_time, @doc)`,
    ),
    updateEvaluation: db.prepare<Pick<EvaluationColumns, 'id' | 'status' | 'doc'>>(
      'UPDATE evaluations SET status = @status, doc = @doc WHERE id = @id',
    ),
    deleteEvaluation: db.prepare<[string]>('DELETE FROM evaluations WHERE id = ?'),
    deleteEvaluationsOfJob: db.prepare<[number]>('DELETE FROM evaluations WHERE job_seq = ?'),

    lastSeqNum: db
      .prepare<[number], number>('SELECT COALESCE(MAX(seq_num), 0) FROM job_history WHERE job_seq = ?')
      .pluck(),
    insertHistory: db.prepare<HistoryColumns>(
      `INSERT INTO job_history (job_seq, seq_num, type, job_version, execution_id, time_ns, doc)
       VALUES (@job_seq, @seq_num, @type, @job_version, @execution_id, @time_ns, @doc)`,
    ),
    historyPage: db.prepare<HistoryPageParams, { seq_num: number; doc: string }>(
      `SELECT seq_num, doc FROM job_history
       WHERE job_seq = @jobSeq AND seq_num >= @offset
         AND ((type = 'JobLevel' AND @allowJob) OR (type = 'ExecutionLevel' AND @allowExecution)
              OR type NOT IN ('JobLevel', 'ExecutionLevel'))
         AND (@version IS NULL OR job_version = @version)
         AND (@execPrefix IS NULL OR substr(execution_id, 1, length(@execPrefix)) = @execPrefix)
         AND time_ns >= @sinceNs
       ORDER BY seq_num
       LIMIT @limit`,
    ),
    historyAfter: db
      .prepare<[number, number], number>(
        'SELECT 1 FROM job_history WHERE job_seq = ? AND seq_num > ? LIMIT 1',
      )
      .pluck(),
    deleteHistoryOfJob: db.prepare<[number]>('DELETE FROM job_history WHERE job_seq = ?'),

    nodeDoc: db.prepare<[string], string>('SELECT doc FROM nodes WHERE id = ?').pluck(),
    nodeIdsByPrefix: db
      .prepare<[string, string], string>('SELECT id FROM nodes WHERE id >= ? AND id < ? ORDER BY id')
      .pluck(),
    nodeDocs: db.prepare<[], string>('SELECT doc FROM nodes ORDER BY id').pluck(),
    upsertNode: db.prepare<[string, string]>(
      'INSERT INTO nodes (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc',
    ),
    deleteNode: db.prepare<[string]>('DELETE FROM nodes WHERE id = ?'),
    nodeInstance: db.prepare<[string], string>('SELECT instance_id FROM nodes WHERE id = ?').pluck(),
    setNodeInstance: db.prepare<[string, string]>('UPDATE nodes SET instance_id = ? WHERE id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** A job's spec document by its jobs row's seq (also prepared on the sliced reader's connection). */
export function specDocStatement(db: Database): Statement<[number], string> {
  return db.prepare<[number], string>('SELECT doc FROM job_specs WHERE seq = ?').pluck();
}

/** Statements whose SQL depends on the query's shape, prepared on first use and kept. */
export class StatementCache {
  readonly #db: Database;
  readonly #cache = new Map<string, Statement<unknown[] | object, unknown>>();

  constructor(db: Database) {
    this.#db = db;
  }

  get<Params extends unknown[] | object, Row>(sql: string): Statement<Params, Row> {
    let statement = this.#cache.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement as unknown as Statement<Params, Row>;
  }
}
