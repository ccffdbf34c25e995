/**
 * The database schema as a list of migrations: migration i takes the database from `user_version` i to
 * i + 1, all pending ones in one transaction. Never edit a released migration; append a new one.
 *
 * Every table keeps the record's wire JSON in `doc` (the source of truth) plus the columns its queries
 * filter or sort on; a job's is split in two, its spec in `job_specs` and its state part in `jobs`
 * (migration 3). `seq` (the rowid) is the insertion order, the tie-break that makes every listing
 * deterministic: SQLite gives a new row max(rowid) + 1, so it sorts after every row still present.
 *
 * Indexes are few on purpose: every index an insert or update touches is another page written per
 * commit. Rare queries scan instead: jobs ordered by modification time or filtered by namespace (the
 * API lists, which Bacalhau also sorts in memory), evaluations by status (broker rebuild at startup).
 */

/** `PRAGMA application_id`: marks the file as ours ("BCLH"), so another program's database is refused. */
export const ApplicationId = 0x42434c48;

export const migrations: readonly string[] = [
  // 1: jobs (current version) + archived versions, executions, evaluations, history, nodes.
  `
  CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    terminal INTEGER NOT NULL,
    version INTEGER NOT NULL,
    create_time INTEGER NOT NULL,
    modify_time INTEGER NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE UNIQUE INDEX jobs_by_name ON jobs (namespace, name);
  CREATE INDEX jobs_by_create_time ON jobs (create_time, seq);
  CREATE INDEX jobs_in_progress ON jobs (type, create_time, seq) WHERE terminal = 0;

  -- Versions a job update superseded (whole jobs); the current version lives in jobs and job_specs.
  CREATE TABLE job_versions (
    job_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (job_id, version)
  ) WITHOUT ROWID;

  CREATE TABLE executions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    job_id TEXT NOT NULL,
    job_version INTEGER NOT NULL,
    namespace TEXT NOT NULL,
    node_id TEXT NOT NULL,
    terminal INTEGER NOT NULL,
    create_time INTEGER NOT NULL,
    modify_time INTEGER NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX executions_by_job ON executions (job_id, create_time, seq);
  CREATE INDEX executions_by_node ON executions (node_id, create_time, seq);
  CREATE INDEX executions_in_progress ON executions (create_time, seq) WHERE terminal = 0;

  CREATE TABLE evaluations (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    job_id TEXT NOT NULL,
    status TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX evaluations_by_job ON evaluations (job_id, create_time, seq);

  -- seq_num is dense per job, from 1 (Bacalhau's per-job bucket sequence).
  CREATE TABLE job_history (
    job_id TEXT NOT NULL,
    seq_num INTEGER NOT NULL,
    type TEXT NOT NULL,
    job_version INTEGER NOT NULL,
    execution_id TEXT NOT NULL,
    time_ns INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (job_id, seq_num)
  ) WITHOUT ROWID;

  CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: which data dir (InstanceID) a node last connected from, kept across orchestrator restarts.
  `
  ALTER TABLE nodes ADD COLUMN instance_id TEXT NOT NULL DEFAULT '';
  `,
  // 3: the current version's spec in a table of its own, written once per version; jobs.doc keeps the
  // job's state part only (State, Revision, ModifyTime). SQLite rewrites a whole row when its size
  // changes, so a spec in the jobs row (megabytes with an inline input) was written again by every
  // state change. spec_stamp changes with every spec written: a cached spec is current while the row's
  // stamp is the one it was cached under, so the spec is read only on a miss ('' = as migrated).
  `
  -- keyed by the jobs row's seq: one b-tree to write, where a TEXT key would add an index
  CREATE TABLE job_specs (
    seq INTEGER PRIMARY KEY,
    doc TEXT NOT NULL
  );
  INSERT INTO job_specs (seq, doc) SELECT seq, doc FROM jobs;
  ALTER TABLE jobs ADD COLUMN spec_stamp TEXT NOT NULL DEFAULT '';
  UPDATE jobs SET doc = json_object(
    'State', json(doc -> '$.State'),
    'Revision', doc ->> '$.Revision',
    'ModifyTime', doc ->> '$.ModifyTime'
  );
  `,
  // 4: the current version's labels in a table of their own (a row only for a job that has some), so
  // that a label selector reads them and not every job's whole spec: 2,000 jobs with a 256 KiB inline
  // input each took 550 ms, with the event loop blocked all along.
  `
  CREATE TABLE job_labels (
    seq INTEGER PRIMARY KEY,
    labels TEXT NOT NULL
  );
  INSERT INTO job_labels (seq, labels)
    SELECT seq, doc -> '$.Labels' FROM job_specs
    WHERE json_type(doc, '$.Labels') = 'object' AND doc -> '$.Labels' <> '{}';
  `,
  // 5: a job's executions, evaluations and history found by its row's seq, not its ID. Job IDs are
  // random, so an index leading with one put every write of every job on a page of its own: a batch
  // job's way to Completed wrote ~25 pages to the WAL, half of them history pages (its entries land in
  // several commits). Jobs in flight together have neighbouring seqs, so their rows now share pages,
  // and history is appended at the end of its table (10.5 pages per job, the same run). The job_id
  // columns stay, written but no longer indexed. Rows of a job that is gone (none should exist:
  // deleteJob takes them with it) keep job_seq 0 for executions and evaluations; history's are
  // dropped, as the unique (job_seq, seq_num) index could not hold several jobs' under one seq.
  `
  ALTER TABLE executions ADD COLUMN job_seq INTEGER NOT NULL DEFAULT 0;
  UPDATE executions SET job_seq = coalesce((SELECT seq FROM jobs WHERE jobs.id = executions.job_id), 0);
  DROP INDEX executions_by_job;
  CREATE INDEX executions_by_job ON executions (job_seq, create_time, seq);

  ALTER TABLE evaluations ADD COLUMN job_seq INTEGER NOT NULL DEFAULT 0;
  UPDATE evaluations SET job_seq = coalesce((SELECT seq FROM jobs WHERE jobs.id = evaluations.job_id), 0);
  DROP INDEX evaluations_by_job;
  CREATE INDEX evaluations_by_job ON evaluations (job_seq, create_time, seq);

  CREATE TABLE job_history_by_seq (
    seq INTEGER PRIMARY KEY,
    job_seq INTEGER NOT NULL,
    seq_num INTEGER NOT NULL,
    type TEXT NOT NULL,
    job_version INTEGER NOT NULL,
    execution_id TEXT NOT NULL,
    time_ns INTEGER NOT NULL,
    doc TEXT NOT NULL
  );
  INSERT INTO job_history_by_seq (job_seq, seq_num, type, job_version, execution_id, time_ns, doc)
    SELECT j.seq, h.seq_num, h.type, h.job_version, h.execution_id, h.time_ns, h.doc
    FROM job_history h JOIN jobs j ON j.id = h.job_id
    ORDER BY j.seq, h.seq_num;
  DROP TABLE job_history;
  ALTER TABLE job_history_by_seq RENAME TO job_history;
  CREATE UNIQUE INDEX job_history_by_job ON job_history (job_seq, seq_num);
  `,
];

export const SchemaVersion = migrations.length;
