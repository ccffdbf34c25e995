/**
 * The store's operations on one SQLite connection, run inside a transaction the caller opened
 * (sqlite-store.ts). Rules live in ../records.ts; this file only reads and writes rows.
 */
import type { Evaluation } from '../../models/evaluation.js';
import { isTerminalExecution, type Execution } from '../../models/execution.js';
import { isTerminalJob, type Job } from '../../models/job.js';
import type { Event, JobHistory } from '../../models/job-history.js';
import type { NodeState } from '../../models/node.js';
import { evaluationDoc, executionDoc, historyDoc, jobDoc, jobStateDoc, nodeDoc } from '../codec.js';
import {
  badRequest,
  evaluationAlreadyExists,
  evaluationNotFound,
  executionAlreadyExists,
  executionNotFound,
  jobAlreadyExists,
  jobNameAlreadyExists,
  jobNameNotFound,
  jobNotFound,
  jobVersionNotFound,
  multipleExecutionsFound,
  multipleJobsFound,
  multipleNodesFound,
  nodeNotFound,
} from '../errors.js';
import {
  checkExecutionQuery,
  checkNode,
  DefaultHistoryLimit,
  DefaultNamespace,
  executionOrderColumn,
  historyEntries,
  jobWithState,
  newEvaluation,
  newExecution,
  newJob,
  nextJobVersion,
  updatedEvaluation,
  updatedExecution,
} from '../records.js';
import { goTime, msToNanos } from '../../models/go-time.js';
import type {
  CreateJobExtras,
  EvaluationChanges,
  EvaluationQuery,
  ExecutionQuery,
  JobHistoryPage,
  JobHistoryQuery,
  JobPage,
  JobQuery,
  JobStoreTx,
  StoreChange,
  StoreClock,
  UpdateExecutionRequest,
  UpdateJobCondition,
  UpdateJobStateRequest,
} from '../types.js';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { BoundedMap } from '../../lib/bounded-map.js';
import { DecodedCache, KeyedCache } from '../../lib/decoded-cache.js';
import { plainCopy } from '../../lib/plain-copy.js';
import {
  prefixRange,
  type EvaluationColumns,
  type ExecutionColumns,
  type ExecutionRow,
  type JobColumns,
  type JobRow,
  type StatementCache,
  type Statements,
} from './statements.js';
import { CacheWrites, type RowCache } from './row-cache.js';
import { jobPage, listedJobs } from './job-listing.js';

/** What a transaction needs from its store: statements, the clock, the shared rows and decoded records. */
export interface TxContext {
  readonly statements: Statements;
  readonly dynamic: StatementCache;
  readonly clock: StoreClock;
  readonly rows: RowCache;
  readonly decoded: DecodedRecords;
}

/** Records decoded for the store's own read-only use, shared by all transactions (lib/decoded-cache.ts). */
export interface DecodedRecords {
  /** Current jobs (spec and state part), by the row's spec stamp and state document. */
  readonly jobs: KeyedCache<Job>;
  /** Current specs by the row's spec stamp: read from `job_specs` only on a miss. */
  readonly specs: KeyedCache<Job>;
  readonly executions: DecodedCache<Execution>;
  readonly evaluations: DecodedCache<Evaluation>;
  /** A spec stamp no other write of this store, nor of another connection, has used. */
  newSpecStamp(): string;
}

export function newDecodedRecords(): DecodedRecords {
  // Another connection to the file (another process) stamps with another prefix.
  const prefix = randomBytes(6).toString('base64url');
  let written = 0;
  return {
    jobs: new KeyedCache(),
    specs: new KeyedCache(),
    executions: new DecodedCache((doc) => executionDoc.decode(doc)),
    evaluations: new DecodedCache((doc) => evaluationDoc.decode(doc)),
    newSpecStamp: () => `${prefix}.${++written}`,
  };
}

export class SqliteTx implements JobStoreTx {
  readonly changes: StoreChange[] = [];
  /** What this transaction put in the row cache: the store forgets it when the transaction rolls back. */
  readonly cacheWrites = new CacheWrites();
  readonly #s: Statements;
  readonly #ctx: TxContext;
  readonly #writable: boolean;
  #active = true;

  constructor(ctx: TxContext, writable: boolean) {
    this.#ctx = ctx;
    this.#s = ctx.statements;
    this.#writable = writable;
  }

  /** Called by the store when the transaction ends: the handle is useless afterwards. */
  end(): void {
    this.#active = false;
  }

  // --- jobs ---------------------------------------------------------------------------------------

  getJob(id: string): Job {
    return plainCopy(this.#jobOf(this.#jobRow(id)));
  }

  peekJob(id: string): Job {
    return this.#jobOf(this.#jobRow(id));
  }

  getJobByName(name: string, namespace: string): Job {
    const job = this.findJobByName(name, namespace);
    if (job === undefined) throw jobNameNotFound(name, namespace === '' ? DefaultNamespace : namespace);
    return job;
  }

  findJobByName(name: string, namespace: string): Job | undefined {
    this.#check();
    const row = this.#s.jobByName.get(namespace === '' ? DefaultNamespace : namespace, name);
    return row === undefined ? undefined : plainCopy(this.#jobOf(row));
  }

  getJobByIDOrName(idOrName: string, namespace: string): Job {
    this.#check();
    const row = this.#s.jobByName.get(namespace === '' ? DefaultNamespace : namespace, idOrName);
    return plainCopy(this.#jobOf(row ?? this.#jobRow(idOrName)));
  }

  getJobVersion(jobID: string, version: number): Job {
    const row = this.#jobRow(jobID);
    if (version === row.version) return plainCopy(this.#jobOf(row));
    const doc = this.#s.versionDoc.get(row.id, version);
    if (doc === undefined) throw jobVersionNotFound(row.id, version);
    return jobDoc.decode(doc);
  }

  getJobVersions(jobID: string): Job[] {
    const row = this.#jobRow(jobID);
    const superseded = this.#s.versionDocs.all(row.id).map((doc) => jobDoc.decode(doc));
    return [...superseded, plainCopy(this.#jobOf(row))];
  }

  listJobs(query: JobQuery = {}): JobPage {
    this.#check();
    const rows = listedJobs({ dynamic: this.#ctx.dynamic, specDoc: this.#s.specDoc }, query);
    const items: Job[] = [];
    for (let next = rows.next(); ; next = rows.next()) {
      if (next.done === true) return jobPage(query, items, next.value);
      if (next.value !== undefined) items.push(next.value);
    }
  }

  createJob(input: Job, extras?: CreateJobExtras): Job {
    this.#checkWritable();
    const job = newJob(input, this.#nowNanos());
    if (this.#jobById(job.ID) !== undefined) throw jobAlreadyExists(job.ID);
    if (this.#s.jobByName.get(job.Namespace, job.Name) !== undefined) {
      throw jobNameAlreadyExists(job.Name, job.Namespace);
    }
    const stored = this.#writeJob(job);
    this.#changed({ type: 'JobCreated', job: plainCopy(stored) });
    if (extras?.history !== undefined && extras.history.length > 0) {
      this.addJobHistory(job.ID, job.Version, extras.history);
    }
    if (extras?.evaluation !== undefined) this.createEvaluation({ ...extras.evaluation, JobID: job.ID });
    return stored;
  }

  updateJob(update: Job, condition?: UpdateJobCondition): Job {
    this.#checkWritable();
    if (update.ID === '') throw badRequest('cannot update job without an ID');
    const row = this.#jobRow(update.ID);
    const existing = this.#jobOf(row);
    const job = nextJobVersion(existing, update, condition, this.#nowNanos());
    this.#s.insertVersion.run(existing.ID, existing.Version, jobDoc.encode(existing));
    const stored = this.#writeJob(job, row);
    this.#changed({ type: 'JobUpdated', job: plainCopy(stored), previous: existing });
    return stored;
  }

  updateJobState(request: UpdateJobStateRequest): Job {
    this.#checkWritable();
    const row = this.#jobRow(request.jobID);
    const existing = this.#jobOf(row);
    const job = jobWithState(existing, request, this.#nowNanos());
    // the spec stays as it is: only the state part is written
    const { doc, stored: state } = jobStateDoc.encodeAndDecode(job);
    const terminal = isTerminalJob(job) ? 1 : 0;
    const columns = { id: row.id, state: job.State.StateType, modify_time: job.ModifyTime, doc };
    if (terminal === row.terminal) this.#s.updateJobState.run(columns);
    else this.#s.updateJobStateAndTerminal.run({ ...columns, terminal });
    this.cacheWrites.put(this.#ctx.rows.jobs, row.id, { ...row, terminal, doc });
    const stored = plainCopy({ ...this.#spec(row), ...state });
    this.#changed({ type: 'JobStateUpdated', job: plainCopy(stored), previous: existing });
    return stored;
  }

  deleteJob(jobID: string): void {
    this.#checkWritable();
    const row = this.#jobRow(jobID);
    const job = plainCopy(this.#jobOf(row));
    this.#s.deleteExecutionsOfJob.run(row.seq);
    this.#s.deleteSpec.run(row.seq);
    this.#s.deleteLabels.run(row.seq);
    this.#s.deleteEvaluationsOfJob.run(row.seq);
    this.#s.deleteHistoryOfJob.run(row.seq);
    this.#s.deleteVersions.run(row.id);
    this.#s.deleteJob.run(row.id);
    // Rare: rather than find each of the job's cached executions and evaluations, start over.
    this.#ctx.rows.clear();
    this.#changed({ type: 'JobDeleted', job });
  }

  // --- executions -----------------------------------------------------------------------------------

  getExecution(id: string): Execution {
    this.#check();
    let row = this.#executionById(id);
    if (row === undefined && id !== '') {
      const found = this.#s.executionIdsByPrefix.all(...prefixRange(id));
      if (found.length > 1) throw multipleExecutionsFound(id);
      if (found[0] !== undefined) row = this.#executionById(found[0].id);
    }
    if (row === undefined) throw executionNotFound(id);
    return executionDoc.decode(row.doc);
  }

  listExecutions(query: ExecutionQuery): Execution[] {
    this.#check();
    checkExecutionQuery(query);
    const column = executionOrderColumn(query.orderBy);
    const direction = query.reverse === true ? 'DESC' : 'ASC';
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (query.jobID !== undefined && query.jobID !== '') {
      where.push('e.job_seq = @jobSeq');
      params['jobSeq'] = this.#jobRow(query.jobID).seq;
    }
    const nodeIDs = query.nodeIDs ?? [];
    if (nodeIDs.length > 0) {
      where.push('e.node_id IN (SELECT value FROM json_each(@nodeIDs))');
      params['nodeIDs'] = JSON.stringify(nodeIDs);
    }
    if (query.inProgressOnly === true) where.push('e.terminal = 0');
    if (query.modifiedSince !== undefined) {
      where.push('e.modify_time >= @modifiedSince');
      params['modifiedSince'] = query.modifiedSince;
    }
    if (query.namespace !== undefined && query.namespace !== '') {
      where.push('e.namespace = @namespace');
      params['namespace'] = query.namespace;
    }
    if ((query.jobVersion ?? 0) > 0) {
      where.push('e.job_version = @jobVersion');
      params['jobVersion'] = query.jobVersion ?? 0;
    } else if (query.allJobVersions !== true) {
      where.push('e.job_version = (SELECT j.version FROM jobs j WHERE j.seq = e.job_seq)');
    }
    const limit = Math.max(0, query.limit ?? 0);
    const sql =
      `SELECT e.doc FROM executions e WHERE ${where.join(' AND ')}` +
      ` ORDER BY e.${column} ${direction}, e.seq ${direction}` +
      (limit > 0 ? ' LIMIT @limit' : '');
    if (limit > 0) params['limit'] = limit;
    const docs = this.#ctx.dynamic.get<Record<string, string | number>, string>(sql).pluck().all(params);
    const executions = docs.map((doc) => executionDoc.decode(doc));
    if (query.includeJob === true) {
      const jobs = new Map<string, Job>();
      for (const execution of executions) {
        const key = `${execution.JobID}\u0000${execution.JobVersion}`;
        let job = jobs.get(key);
        if (job === undefined) {
          job = this.getJobVersion(execution.JobID, execution.JobVersion);
          jobs.set(key, job);
        }
        execution.Job = plainCopy(job);
      }
    }
    return executions;
  }

  createExecution(input: Execution): Execution {
    this.#checkWritable();
    const row = this.#jobById(input.JobID);
    if (row === undefined) throw jobNotFound(input.JobID);
    const execution = newExecution(input, this.#jobOf(row), this.#nowNanos());
    const stored = this.#writeExecution(execution, { newOf: row });
    this.#changed({ type: 'ExecutionCreated', execution: structuredClone(stored) });
    return stored;
  }

  updateExecution(request: UpdateExecutionRequest): Execution {
    this.#checkWritable();
    const row = this.#executionById(request.executionID);
    if (row === undefined) throw executionNotFound(request.executionID);
    // Read-only: it becomes the change's `previous`, which listeners only read.
    const existing = this.#ctx.decoded.executions.get(row.id, row.doc);
    const ms = this.#ctx.clock.now();
    const execution = updatedExecution(existing, request, msToNanos(ms));
    const stored = this.#writeExecution(execution, { previous: row });
    if (execution.NodeID !== existing.NodeID) this.#s.updateExecutionNode.run(execution.NodeID, execution.ID);
    const events = request.events ?? [];
    this.#changed({
      type: 'ExecutionUpdated',
      execution: structuredClone(stored),
      previous: existing,
      events: structuredClone(events),
    });
    const job = events.length > 0 ? this.#jobById(stored.JobID) : undefined;
    // (an execution's job is always there: deleteJob deletes its executions with it)
    if (job !== undefined) this.#appendHistory(job, stored.JobVersion, stored.ID, events, ms);
    return stored;
  }

  // --- evaluations ----------------------------------------------------------------------------------

  getEvaluation(id: string): Evaluation {
    this.#check();
    const doc = this.#evaluationDoc(id);
    if (doc === undefined) throw evaluationNotFound(id);
    return evaluationDoc.decode(doc);
  }

  listEvaluations(query: EvaluationQuery = {}): Evaluation[] {
    this.#check();
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (query.jobID !== undefined && query.jobID !== '') {
      const job = this.#jobById(query.jobID);
      if (job === undefined) return [];
      where.push('job_seq = @jobSeq');
      params['jobSeq'] = job.seq;
    }
    if (query.statuses !== undefined) {
      where.push('status IN (SELECT value FROM json_each(@statuses))');
      params['statuses'] = JSON.stringify(query.statuses);
    }
    const sql =
      `SELECT doc FROM evaluations${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}` +
      ' ORDER BY create_time, seq';
    const docs = this.#ctx.dynamic.get<Record<string, string | number>, string>(sql).pluck().all(params);
    return docs.map((doc) => evaluationDoc.decode(doc));
  }

  createEvaluation(input: Evaluation): Evaluation {
    this.#checkWritable();
    const row = this.#jobById(input.JobID);
    if (row === undefined) throw jobNotFound(input.JobID);
    const evaluation = newEvaluation(
      input,
      { ID: row.id, Namespace: row.namespace, Type: row.type },
      this.#nowNanos(),
    );
    const stored = this.#writeEvaluation(evaluation, row);
    this.#changed({ type: 'EvaluationCreated', evaluation: structuredClone(stored) });
    return stored;
  }

  updateEvaluation(id: string, changes: EvaluationChanges): Evaluation {
    this.#checkWritable();
    const doc = this.#evaluationDoc(id);
    if (doc === undefined) throw evaluationNotFound(id);
    // Read-only: it becomes the change's `previous`, which listeners only read.
    const existing = this.#ctx.decoded.evaluations.get(id, doc);
    const evaluation = updatedEvaluation(existing, changes, this.#nowNanos());
    const stored = this.#writeEvaluation(evaluation);
    this.#changed({ type: 'EvaluationUpdated', evaluation: structuredClone(stored), previous: existing });
    return stored;
  }

  deleteEvaluation(id: string): void {
    this.#checkWritable();
    const evaluation = this.getEvaluation(id);
    this.#s.deleteEvaluation.run(id);
    this.#ctx.rows.evaluations.delete(id);
    this.#changed({ type: 'EvaluationDeleted', evaluation });
  }

  // --- history --------------------------------------------------------------------------------------

  getJobHistory(jobID: string, query: JobHistoryQuery = {}): JobHistoryPage {
    const row = this.#jobRow(jobID);
    const offset = Math.max(0, query.offset ?? 0);
    const limit = query.limit !== undefined && query.limit > 0 ? query.limit : DefaultHistoryLimit;
    const version =
      query.jobVersion !== undefined && query.jobVersion > 0
        ? query.jobVersion
        : query.allJobVersions === true
          ? null
          : row.version;
    const execPrefix = query.executionID !== undefined && query.executionID !== '' ? query.executionID : null;
    const rows = this.#s.historyPage.all({
      jobSeq: row.seq,
      offset,
      allowJob: query.excludeJobLevel === true ? 0 : 1,
      allowExecution: query.excludeExecutionLevel === true ? 0 : 1,
      version,
      execPrefix,
      sinceNs: Math.max(0, query.since ?? 0) * 1e9,
      limit,
    });
    const items = rows.map((r) => historyDoc.decode(r.doc));
    const last = rows.at(-1)?.seq_num;
    // Bacalhau's cursor: continue while more entries are stored beyond this page, or while the job (the
    // execution, when filtering by one) can still produce entries.
    const moreStored =
      rows.length === limit && last !== undefined && this.#s.historyAfter.get(row.seq, last) !== undefined;
    let open: boolean;
    if (moreStored) open = true;
    else if (execPrefix !== null) {
      const terminal = this.#s.executionTerminalByPrefix.all(row.seq, ...prefixRange(execPrefix));
      // Go's answer once the entries run out: a client would otherwise follow the cursor forever
      if (terminal.length === 0 && items.length === 0) throw executionNotFound(execPrefix);
      open = terminal.length === 0 ? row.terminal === 0 : terminal.some((t) => t === 0);
    } else {
      // Unlike Bacalhau's, also while a terminal job's executions await the evaluation that stops them: a
      // stopped job is terminal before the scheduler cancels its executions, and a follower (job run's
      // progress) that closed then would never show why they stopped. Only while that evaluation is
      // pending: one that failed, or none, would keep followers waiting for nothing.
      open = row.terminal === 0 || this.#s.executionAwaitingEvaluation.get({ job: row.seq }) !== undefined;
    }
    const page: JobHistoryPage = { items };
    if (open) page.next = last === undefined ? offset : last + 1;
    return page;
  }

  addJobHistory(jobID: string, jobVersion: number, events: readonly Event[]): JobHistory[] {
    this.#checkWritable();
    const row = this.#jobById(jobID);
    if (row === undefined) throw jobNotFound(jobID);
    return this.#appendHistory(row, jobVersion === 0 ? row.version : jobVersion, undefined, events);
  }

  addExecutionHistory(
    jobID: string,
    jobVersion: number,
    executionID: string,
    events: readonly Event[],
  ): JobHistory[] {
    this.#checkWritable();
    const row = this.#jobById(jobID);
    if (row === undefined) throw jobNotFound(jobID);
    return this.#appendHistory(row, jobVersion === 0 ? row.version : jobVersion, executionID, events);
  }

  #appendHistory(
    job: JobRow,
    jobVersion: number,
    executionID: string | undefined,
    events: readonly Event[],
    ms = this.#ctx.clock.now(),
  ): JobHistory[] {
    if (events.length === 0) return [];
    const jobID = job.id;
    const base =
      executionID === undefined
        ? { JobID: jobID, JobVersion: jobVersion }
        : { JobID: jobID, JobVersion: jobVersion, ExecutionID: executionID };
    const { lastSeqNums } = this.#ctx.rows;
    const last = this.#cached(lastSeqNums, jobID, () => this.#s.lastSeqNum.get(job.seq)) ?? 0;
    const entries = historyEntries(last, base, events, goTime(ms));
    const timeNs = msToNanos(ms);
    const stored = entries.map((entry) => {
      const { doc, stored: decoded } = historyDoc.encodeAndDecode(entry);
      this.#s.insertHistory.run({
        job_seq: job.seq,
        seq_num: entry.SeqNum,
        type: entry.Type,
        job_version: entry.JobVersion,
        execution_id: entry.ExecutionID ?? '',
        time_ns: timeNs,
        doc,
      });
      return decoded;
    });
    this.cacheWrites.put(lastSeqNums, jobID, last + entries.length);
    this.#changed({ type: 'HistoryAppended', jobID, entries: structuredClone(stored) });
    return stored;
  }

  // --- nodes ----------------------------------------------------------------------------------------

  getNode(id: string): NodeState {
    this.#check();
    let doc = this.#s.nodeDoc.get(id);
    if (doc === undefined && id !== '') {
      const found = this.#s.nodeIdsByPrefix.all(...prefixRange(id));
      if (found.length > 1) throw multipleNodesFound(id, found);
      if (found[0] !== undefined) doc = this.#s.nodeDoc.get(found[0]);
    }
    if (doc === undefined) throw nodeNotFound(id);
    return nodeDoc.decode(doc);
  }

  listNodes(filter?: (node: NodeState) => boolean): NodeState[] {
    this.#check();
    const nodes = this.#s.nodeDocs.all().map((doc) => nodeDoc.decode(doc));
    return filter === undefined ? nodes : nodes.filter(filter);
  }

  putNode(node: NodeState): void {
    this.#checkWritable();
    checkNode(node);
    const id = node.Info.NodeID;
    const previousDoc = this.#s.nodeDoc.get(id);
    const doc = nodeDoc.encode(node);
    this.#s.upsertNode.run(id, doc);
    const change: StoreChange = {
      type: 'NodeUpdated',
      node: nodeDoc.decode(doc),
      ...(previousDoc === undefined ? {} : { previous: nodeDoc.decode(previousDoc) }),
    };
    this.#changed(change);
  }

  getNodeInstance(id: string): string {
    this.#check();
    return this.#s.nodeInstance.get(id) ?? '';
  }

  setNodeInstance(id: string, instanceID: string): void {
    this.#checkWritable();
    if (this.#s.setNodeInstance.run(instanceID, id).changes === 0) throw nodeNotFound(id);
  }

  deleteNode(id: string): boolean {
    this.#checkWritable();
    const doc = this.#s.nodeDoc.get(id);
    if (doc === undefined) return false;
    this.#s.deleteNode.run(id);
    this.#changed({ type: 'NodeDeleted', node: nodeDoc.decode(doc) });
    return true;
  }

  // --- helpers --------------------------------------------------------------------------------------

  /** The job row for a full ID, else for a unique ID prefix. */
  #jobRow(id: string): JobRow {
    this.#check();
    const row = this.#jobById(id);
    if (row !== undefined) return row;
    if (id !== '') {
      const found = this.#s.jobIdsByPrefix.all(...prefixRange(id));
      if (found.length > 1) throw multipleJobsFound(id);
      const match = found[0] === undefined ? undefined : this.#jobById(found[0].id);
      if (match !== undefined) return match;
    }
    throw jobNotFound(id);
  }

  #jobById(id: string): JobRow | undefined {
    return this.#cached(this.#ctx.rows.jobs, id, (key) => this.#s.jobById.get(key));
  }

  #executionById(id: string): ExecutionRow | undefined {
    return this.#cached(this.#ctx.rows.executions, id, (key) => this.#s.executionById.get(key));
  }

  #evaluationDoc(id: string): string | undefined {
    return this.#cached(this.#ctx.rows.evaluations, id, (key) => this.#s.evaluationDoc.get(key));
  }

  /** The cached row of `key`; else the database's, cached from now on. */
  #cached<V>(rows: BoundedMap<string, V>, key: string, read: (key: string) => V | undefined): V | undefined {
    const cached = rows.get(key);
    if (cached !== undefined) return cached;
    const row = read(key);
    if (row !== undefined) this.cacheWrites.put(rows, key, row);
    return row;
  }

  /**
   * The decoded job of a row, for read-only use inside the store (it may also travel as a change's
   * `previous`, which listeners only read). Never returned to a caller: callers get a `plainCopy`.
   */
  #jobOf(row: JobRow): Job {
    return this.#ctx.decoded.jobs.lookup(row.id, `${row.spec_stamp}\n${row.doc}`, () => ({
      ...this.#spec(row),
      ...jobStateDoc.decode(row.doc),
    }));
  }

  /**
   * The row's current spec, shared like `#jobOf`'s values: read and decoded only when the job has no
   * spec cached under the row's stamp. Not frozen: freezing cost a small job's creation a third more.
   */
  #spec(row: JobRow): Job {
    const { specs } = this.#ctx.decoded;
    return specs.lookup(row.id, row.spec_stamp, () => jobDoc.decode(this.#s.specDoc.get(row.seq)!));
  }

  /**
   * Writes a job version, a new job's or the next one of the job in `row`: its spec (the whole job) and
   * the row with its state part. Returns the job as stored (decoded from its document).
   */
  #writeJob(job: Job, row?: JobRow): Job {
    const { doc, stored } = jobDoc.encodeAndDecode(job);
    const stamp = this.#ctx.decoded.newSpecStamp();
    const columns = jobColumns(job, jobStateDoc.encode(job), stamp);
    let seq: number;
    if (row === undefined) {
      seq = Number(this.#s.insertJob.run(columns).lastInsertRowid);
      this.cacheWrites.put(this.#ctx.rows.lastSeqNums, job.ID, 0); // a new job has no history yet
    } else {
      this.#s.updateJob.run(columns);
      seq = row.seq;
    }
    this.#s.putSpec.run(seq, doc);
    // (a job without labels has no row; a new version may have dropped them)
    if (Object.keys(stored.Labels ?? {}).length > 0)
      this.#s.putLabels.run(seq, JSON.stringify(stored.Labels));
    else if (row !== undefined) this.#s.deleteLabels.run(seq);
    this.cacheWrites.put(this.#ctx.rows.jobs, job.ID, {
      seq,
      id: job.ID,
      namespace: columns.namespace,
      type: columns.type,
      terminal: columns.terminal,
      version: columns.version,
      spec_stamp: stamp,
      doc: columns.doc,
    });
    // Cached under the new stamp: should this write roll back, the row keeps its old stamp and misses.
    this.#ctx.decoded.specs.lookup(job.ID, stamp, () => plainCopy(stored));
    return stored;
  }

  /** Writes an execution's row: a new one of the job in `newOf`, or over its `previous` one. */
  #writeExecution(execution: Execution, to: { newOf: JobRow } | { previous: ExecutionRow }): Execution {
    const { doc, stored } = executionDoc.encodeAndDecode(execution);
    const terminal = isTerminalExecution(execution) ? 1 : 0;
    if ('previous' in to) {
      const columns = { id: execution.ID, modify_time: execution.ModifyTime, doc };
      if (terminal === to.previous.terminal) this.#s.updateExecution.run(columns);
      else this.#s.updateExecutionAndTerminal.run({ ...columns, terminal });
    } else {
      insertRow(this.#s.insertExecution, executionColumns(execution, to.newOf.seq, terminal, doc), () =>
        executionAlreadyExists(execution.ID),
      );
    }
    this.cacheWrites.put(this.#ctx.rows.executions, execution.ID, { id: execution.ID, terminal, doc });
    return stored;
  }

  /** Writes an evaluation's row: a new one of the job in `newOf`, or (without it) the existing one. */
  #writeEvaluation(evaluation: Evaluation, newOf?: JobRow): Evaluation {
    const { doc, stored } = evaluationDoc.encodeAndDecode(evaluation);
    if (newOf === undefined) {
      this.#s.updateEvaluation.run({ id: evaluation.ID, status: evaluation.Status, doc });
    } else {
      insertRow(this.#s.insertEvaluation, evaluationColumns(evaluation, newOf.seq, doc), () =>
        evaluationAlreadyExists(evaluation.ID),
      );
    }
    this.cacheWrites.put(this.#ctx.rows.evaluations, evaluation.ID, doc);
    return stored;
  }

  #nowNanos(): number {
    return msToNanos(this.#ctx.clock.now());
  }

  #changed(change: StoreChange): void {
    this.changes.push(change);
  }

  #check(): void {
    if (!this.#active) throw new Error('job store transaction handle used after its transaction ended');
  }

  #checkWritable(): void {
    this.#check();
    if (!this.#writable) throw new Error('job store read transaction cannot write');
  }
}

/**
 * Inserts the row of a record whose only UNIQUE index is its ID: an insert of a taken ID is `taken()`'s
 * error, which is cheaper than looking up IDs that are new nearly always.
 */
function insertRow<Columns>(
  insert: { run(columns: Columns): unknown },
  columns: Columns,
  taken: () => Error,
): void {
  try {
    insert.run(columns);
  } catch (err) {
    if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE') throw taken();
    throw err;
  }
}

function jobColumns(job: Job, doc: string, specStamp: string): JobColumns {
  return {
    id: job.ID,
    name: job.Name,
    namespace: job.Namespace,
    type: job.Type,
    state: job.State.StateType,
    terminal: isTerminalJob(job) ? 1 : 0,
    version: job.Version,
    create_time: job.CreateTime,
    modify_time: job.ModifyTime,
    spec_stamp: specStamp,
    doc,
  };
}

function executionColumns(
  execution: Execution,
  jobSeq: number,
  terminal: number,
  doc: string,
): ExecutionColumns {
  return {
    id: execution.ID,
    job_id: execution.JobID,
    job_seq: jobSeq,
    job_version: execution.JobVersion,
    namespace: execution.Namespace,
    node_id: execution.NodeID,
    terminal,
    create_time: execution.CreateTime,
    modify_time: execution.ModifyTime,
    doc,
  };
}

function evaluationColumns(evaluation: Evaluation, jobSeq: number, doc: string): EvaluationColumns {
  return {
    id: evaluation.ID,
    job_id: evaluation.JobID,
    job_seq: jobSeq,
    status: evaluation.Status,
    create_time: evaluation.CreateTime,
    doc,
  };
}
