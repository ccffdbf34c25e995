import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  makeEvent,
  makeEvaluation,
  makeExecution,
  makeJob,
  ManualClock,
  rejection,
  runJobStoreContract,
} from '../store.contract.js';
import { evaluationDoc, executionDoc, historyDoc, jobDoc, jobStateDoc } from '../codec.js';
import type { Job, JobHistory } from '../../models/index.js';
import { ApplicationId, migrations, SchemaVersion } from './schema.js';
import { SqliteJobStore } from './sqlite-store.js';
import { isPassingStoreFailure } from '../transient-failure.js';

const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-store-'));
let fileCounter = 0;
const freshPath = () => join(dir, `store-${++fileCounter}`, 'state.db');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The WAL header's checkpoint sequence number, which SQLite increments each time the WAL starts over. */
function walRestarts(path: string): number {
  return readFileSync(`${path}-wal`).readUInt32BE(12);
}

runJobStoreContract('sqlite (temp file)', (options) =>
  SqliteJobStore.create({ path: freshPath(), ...options }),
);
runJobStoreContract('sqlite (:memory:)', (options) =>
  SqliteJobStore.create({ path: ':memory:', ...options }),
);

describe('SqliteJobStore', () => {
  const open: SqliteJobStore[] = [];
  const openStore = async (path: string, clock = new ManualClock()) => {
    const store = await SqliteJobStore.create({ path, clock });
    open.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  describe('the database file', () => {
    let path: string;
    beforeEach(() => {
      path = freshPath();
    });

    it('is created with its directory, in WAL mode, with the schema version and application id', async () => {
      await openStore(path);
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.pragma('user_version', { simple: true })).toBe(SchemaVersion);
        expect(db.pragma('application_id', { simple: true })).toBe(ApplicationId);
      } finally {
        db.close();
      }
    });

    it('keeps everything across close and reopen', async () => {
      const first = await openStore(path);
      const job = await first.createJob(makeJob(), { history: [makeEvent('Job submitted')] });
      const execution = await first.createExecution(makeExecution(job));
      await first.close();
      const second = await openStore(path);
      expect(await second.getJob(job.ID)).toEqual(job);
      expect(await second.getExecution(execution.ID)).toEqual(execution);
      expect((await second.addJobHistory(job.ID, 1, [makeEvent('more')]))[0]?.SeqNum).toBe(2);
    });

    it('stores Bacalhau wire JSON: execution states as integers, lower-case stderr, string job states', async () => {
      const store = await openStore(path);
      const job = await store.createJob(makeJob());
      const execution = await store.createExecution(
        makeExecution(job, {
          ComputeState: { StateType: 'BidAccepted' },
          DesiredState: { StateType: 'Running' },
        }),
      );
      const db = new Database(path, { readonly: true });
      try {
        const execDoc = db
          .prepare('SELECT doc FROM executions WHERE id = ?')
          .pluck()
          .get(execution.ID) as string;
        const wire = JSON.parse(execDoc) as Record<string, unknown>;
        expect(wire['ComputeState']).toEqual({ StateType: 5 });
        expect(wire['DesiredState']).toEqual({ StateType: 1 });
        expect(wire['RunOutput']).toHaveProperty('stderr', '');
        expect(Object.keys(wire).slice(0, 3)).toEqual(['ID', 'Namespace', 'EvalID']);
        const spec = db
          .prepare('SELECT s.doc FROM job_specs s JOIN jobs j ON j.seq = s.seq WHERE j.id = ?')
          .pluck()
          .get(job.ID) as string;
        expect(JSON.parse(spec)).toMatchObject({ ID: job.ID, Tasks: [{ Name: 'main' }], Version: 1 });
        const state = db.prepare('SELECT doc FROM jobs WHERE id = ?').pluck().get(job.ID) as string;
        expect(JSON.parse(state)).toEqual({
          State: { StateType: 'Pending' },
          Revision: 1,
          ModifyTime: job.ModifyTime,
        });
      } finally {
        db.close();
      }
    });

    it("writes a job's spec once per version: a state change writes its state, not the spec", async () => {
      const store = await SqliteJobStore.create({ path, backgroundCheckpoints: false });
      open.push(store);
      const job = await store.createJob(makeJob({ Meta: { blob: 'x'.repeat(1024 * 1024) } }));
      // start from an empty WAL: what the update writes is all it holds afterwards
      const peer = new Database(path);
      peer.pragma('wal_checkpoint(TRUNCATE)');
      // a message changes the document's size: SQLite overwrites a same-size row only where it differs
      const running = await store.updateJobState({ jobID: job.ID, newState: 'Running', message: 'on n-1' });
      const walBytes = statSync(`${path}-wal`).size;
      peer.close();
      expect(walBytes).toBeGreaterThan(0);
      expect(walBytes).toBeLessThan(64 * 1024);
      expect(running).toMatchObject({ Revision: 2, State: { StateType: 'Running', Message: 'on n-1' } });
      expect(await store.getJob(job.ID)).toEqual({ ...job, ...running, Meta: job.Meta });
      expect((await store.getJob(job.ID)).Meta['blob']).toHaveLength(1024 * 1024);
    });

    it('cuts its WAL file back once it starts over, after a large write grew it', async () => {
      const store = await SqliteJobStore.create({ path, backgroundCheckpoints: false });
      open.push(store);
      await store.createJob(makeJob({ Meta: { blob: 'x'.repeat(12 * 1024 * 1024) } }));
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(12 * 1024 * 1024);
      // every frame copied: the store's next write starts the WAL over
      const peer = new Database(path);
      peer.pragma('wal_checkpoint(PASSIVE)');
      peer.close();
      await store.createJob(makeJob({ Name: 'small' }));
      expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(8 * 1024 * 1024);
    });

    it('reads back whole every job of more with large specs than it keeps decoded', async () => {
      const store = await openStore(path);
      const blob = (i: number) => `job ${i}:`.padEnd(128 * 1024, 'x');
      const jobs = [];
      for (let i = 0; i < 40; i++) jobs.push(await store.createJob(makeJob({ Meta: { blob: blob(i) } })));
      for (const job of jobs) await store.updateJobState({ jobID: job.ID, newState: 'Running' });
      for (const [i, job] of jobs.entries()) {
        const read = await store.getJob(job.ID);
        expect(read).toMatchObject({ ID: job.ID, Revision: 2, State: { StateType: 'Running' } });
        expect(read.Meta['blob']).toBe(blob(i));
      }
      expect((await store.listJobs()).items.map((job) => job.Meta['blob'])).toEqual(
        jobs.map((_, i) => blob(i)),
      );
    });

    it('opens a file of schema 2 (specs inside the jobs rows) and moves each spec to its table', async () => {
      const job = {
        ...makeJob({ Name: 'old', Labels: { tier: 'gold' } }),
        Namespace: 'default',
        Version: 1,
        Revision: 3,
        CreateTime: 5,
        ModifyTime: 7,
      };
      const stored = { ...job, State: { StateType: 'Running' as const, Message: 'on its way' } };
      const oldPath = join(dir, `schema-2-${++fileCounter}.db`);
      const old = new Database(oldPath);
      for (const migration of migrations.slice(0, 2)) old.exec(migration);
      old.pragma('user_version = 2');
      old.pragma(`application_id = ${ApplicationId}`);
      old
        .prepare(
          `INSERT INTO jobs (id, name, namespace, type, state, terminal, version, create_time, modify_time, doc)
         VALUES (?, 'old', 'default', 'batch', 'Running', 0, 1, 5, 7, ?)`,
        )
        .run(job.ID, jobDoc.encode(stored));
      old.close();

      const store = await openStore(oldPath);
      expect(await store.getJob(job.ID)).toEqual(stored);
      expect((await store.listJobs()).items).toEqual([stored]);
      const gold = (labels: Readonly<Record<string, string>>) => labels['tier'] === 'gold';
      expect((await store.listJobs({ labels: gold })).items).toEqual([stored]);
      const completed = await store.updateJobState({ jobID: job.ID, newState: 'Completed' });
      expect(completed).toEqual({
        ...stored,
        State: { StateType: 'Completed', Message: '' },
        Revision: 4,
        ModifyTime: completed.ModifyTime,
      });
      expect(await store.getJobByIDOrName('old', 'default')).toEqual(completed);
    });

    it("opens a file of schema 4 (a job's rows keyed by its ID) and finds each job's rows by its seq", async () => {
      const stored = (name: string) => ({
        ...makeJob({ Name: name }),
        Namespace: 'default',
        Version: 1,
        State: { StateType: 'Running' as const, Message: '' },
      });
      const [a, b] = [stored('a'), stored('b')];
      const executions = [makeExecution(a), makeExecution(a), makeExecution(b)];
      const evaluations = [makeEvaluation(a), makeEvaluation(b)];
      const entry = (job: Job, seqNum: number): JobHistory => ({
        SeqNum: seqNum,
        Type: 'JobLevel',
        JobID: job.ID,
        JobVersion: 1,
        Event: makeEvent(`${job.Name} ${seqNum}`),
        Time: '2026-11-25T13:00:00Z',
      });
      const history = [entry(a, 1), entry(b, 1), entry(a, 2), entry(a, 3)];
      const oldPath = join(dir, `schema-4-${++fileCounter}.db`);
      const old = new Database(oldPath);
      for (const migration of migrations.slice(0, 4)) old.exec(migration);
      old.pragma('user_version = 4');
      old.pragma(`application_id = ${ApplicationId}`);
      for (const job of [a, b]) {
        const { seq } = old
          .prepare<unknown[], { seq: number }>(
            `INSERT INTO jobs (id, name, namespace, type, state, terminal, version, create_time, modify_time, doc)
             VALUES (?, ?, 'default', 'batch', 'Running', 0, 1, 0, 0, ?) RETURNING seq`,
          )
          .get(job.ID, job.Name, jobStateDoc.encode(job))!;
        old.prepare('INSERT INTO job_specs (seq, doc) VALUES (?, ?)').run(seq, jobDoc.encode(job));
      }
      for (const e of executions) {
        old
          .prepare(
            `INSERT INTO executions (id, job_id, job_version, namespace, node_id, terminal, create_time, modify_time, doc)
             VALUES (?, ?, 1, 'default', ?, 0, 0, 0, ?)`,
          )
          .run(e.ID, e.JobID, e.NodeID, executionDoc.encode(e));
      }
      for (const e of evaluations) {
        old
          .prepare(
            `INSERT INTO evaluations (id, job_id, status, create_time, doc) VALUES (?, ?, 'pending', 0, ?)`,
          )
          .run(e.ID, e.JobID, evaluationDoc.encode(e));
      }
      for (const h of history) {
        old
          .prepare(
            `INSERT INTO job_history (job_id, seq_num, type, job_version, execution_id, time_ns, doc)
             VALUES (?, ?, 'JobLevel', 1, '', 0, ?)`,
          )
          .run(h.JobID, h.SeqNum, historyDoc.encode(h));
      }
      old.close();

      const upgrades: [number, number][] = [];
      const onUpgrade = (from: number, to: number) => upgrades.push([from, to]);
      const store = await SqliteJobStore.create({ path: oldPath, onUpgrade });
      open.push(store);
      expect(upgrades).toEqual([[4, SchemaVersion]]);
      const executionsOf = async (job: Job) =>
        (await store.listExecutions({ jobID: job.ID })).map((e) => e.ID);
      const messagesOf = async (job: Job) =>
        (await store.getJobHistory(job.ID)).items.map((h) => `${h.SeqNum} ${h.Event.Message}`);
      expect(await executionsOf(a)).toEqual([executions[0]!.ID, executions[1]!.ID]);
      expect(await executionsOf(b)).toEqual([executions[2]!.ID]);
      expect((await store.listEvaluations({ jobID: b.ID })).map((e) => e.ID)).toEqual([evaluations[1]!.ID]);
      expect(await messagesOf(a)).toEqual(['1 a 1', '2 a 2', '3 a 3']);
      expect(await messagesOf(b)).toEqual(['1 b 1']);
      // the numbering goes on where the file left it
      await store.addJobHistory(a.ID, 0, [makeEvent('a 4')]);
      expect(await messagesOf(a)).toEqual(['1 a 1', '2 a 2', '3 a 3', '4 a 4']);
      // deleting a job takes its rows and leaves the other's
      await store.deleteJob(a.ID);
      expect(await executionsOf(b)).toEqual([executions[2]!.ID]);
      expect(await messagesOf(b)).toEqual(['1 b 1']);
      expect((await store.listEvaluations()).map((e) => e.ID)).toEqual([evaluations[1]!.ID]);
      expect((await store.listExecutions({ inProgressOnly: true })).map((e) => e.ID)).toEqual([
        executions[2]!.ID,
      ]);
      // upgraded once; a new file is not upgraded at all
      await store.close();
      await (await SqliteJobStore.create({ path: oldPath, onUpgrade })).close();
      await (await SqliteJobStore.create({ path: freshPath(), onUpgrade })).close();
      expect(upgrades).toHaveLength(1);
    });

    it('refuses a database of a newer schema version', async () => {
      await (await openStore(path)).close();
      const db = new Database(path);
      db.pragma(`user_version = ${SchemaVersion + 1}`);
      db.close();
      const err = await rejection(SqliteJobStore.create({ path }));
      expect(err.code).toBe('DatastoreFailure');
      expect(err.message).toContain('newer than this build');
      expect(err.hint).toBe(
        'a newer bacalhau-ts wrote it: upgrade, or give this build a data dir of its own',
      );
    });

    it("refuses another program's database", async () => {
      const other = join(dir, `other-${++fileCounter}.db`);
      const db = new Database(other);
      db.pragma('application_id = 1234');
      db.close();
      const err = await rejection(SqliteJobStore.create({ path: other }));
      expect(err.message).toContain('not a bacalhau-ts job store');
      expect(err.hint).toBe(
        'it belongs to another program or store: move it away, or give the node a data dir of its own',
      );
    });

    it('reports a file it cannot open as DatastoreFailure', async () => {
      const blocker = join(dir, `blocker-${++fileCounter}`);
      writeFileSync(blocker, 'a file, not a directory');
      const err = await rejection(SqliteJobStore.create({ path: join(blocker, 'state.db') }));
      expect(err).toMatchObject({
        code: 'DatastoreFailure',
        component: 'JobStore',
        hint: 'check that the data directory is writable',
      });
      expect(err.message).toContain('cannot open job store');
    });

    it('says so when the database path is a folder', async () => {
      const path = join(dir, `folder-${++fileCounter}.db`);
      mkdirSync(path);
      const err = await rejection(SqliteJobStore.create({ path }));
      expect(err).toMatchObject({
        code: 'DatastoreFailure',
        hint: `${path} is a folder, not a database file: move it away`,
      });
    });

    it('reports a damaged file as such, with what to do about it', async () => {
      const path = join(dir, `damaged-${++fileCounter}.db`);
      writeFileSync(path, randomBytes(4096));
      const err = await rejection(SqliteJobStore.create({ path }));
      expect(err).toMatchObject({ code: 'DatastoreFailure', component: 'JobStore' });
      expect(err.message).toBe(`cannot open job store ${path}: file is not a database`);
      expect(err.hint).toMatch(/^the file is damaged: restore it from a backup, or move it away/u);
    });
  });

  describe('a file deleted or moved away while the store has it open', () => {
    it('refuses writes, which would be lost at the next open, naming the file; writes again once it is back', async () => {
      const path = freshPath();
      const store = await openStore(path);
      const kept = await store.createJob(makeJob());
      renameSync(path, `${path}.moved`);
      const err = await rejection(store.createJob(makeJob()));
      expect(err).toMatchObject({ code: 'DatastoreFailure', component: 'JobStore', retryable: true });
      expect(err.message).toBe(
        `job store write failed: ${path} was deleted, moved or replaced while the node was running`,
      );
      // the writers that must not give up (compute reports) retry it until the file is back
      expect(isPassingStoreFailure(err)).toBe(true);
      expect(err.hint).toContain('move the file back where it was');
      // reads go on from the open file
      expect((await store.getJob(kept.ID)).ID).toBe(kept.ID);
      renameSync(`${path}.moved`, path);
      await store.createJob(makeJob());
    });

    it('refuses writes when another file took its place', async () => {
      const path = freshPath();
      const store = await openStore(path);
      rmSync(path);
      writeFileSync(path, '');
      const err = await rejection(store.createJob(makeJob()));
      expect(err.message).toMatch(/was deleted, moved or replaced while the node was running$/u);
    });
  });

  describe('a file damaged while the node was stopped, past its header', () => {
    it('fails reads with DatastoreFailure and a hint naming the file and what to do', async () => {
      const path = freshPath();
      const store = await openStore(path);
      for (let i = 0; i < 50; i++) await store.createJob(makeJob({ Meta: { pad: 'x'.repeat(2000) } }));
      await store.close();
      // every page but the first (the schema), as random bytes
      const size = statSync(path).size;
      const file = new Database(path);
      const pageSize = file.pragma('page_size', { simple: true }) as number;
      file.close();
      writeFileSync(
        path,
        Buffer.concat([readFileSync(path).subarray(0, pageSize), randomBytes(size - pageSize)]),
      );
      const reopened = await SqliteJobStore.create({ path });
      try {
        const err = await rejection(reopened.listJobs({}));
        expect(err).toMatchObject({ code: 'DatastoreFailure', component: 'JobStore' });
        expect(err.message).toMatch(/^job store read failed: /u);
        expect(err.hint).toBe(
          `${path} is damaged: with the node stopped, restore it from a backup, or move it away to start with an ` +
            'empty job store (the jobs recorded in it are then forgotten)',
        );
      } finally {
        await reopened.close();
      }
    });
  });

  describe('two connections to one file (WAL)', () => {
    it('each sees what the other committed; history stays dense', async () => {
      const path = freshPath();
      const a = await openStore(path);
      const b = await openStore(path);
      const job = await a.createJob(makeJob());
      expect(await b.getJob(job.ID)).toEqual(job);
      for (let i = 0; i < 10; i++) {
        await (i % 2 === 0 ? a : b).addJobHistory(job.ID, 1, [makeEvent(`entry ${i}`)]);
      }
      const history = await a.getJobHistory(job.ID);
      expect(history.items.map((h) => h.SeqNum)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await b.getJobHistory(job.ID)).toEqual(history);
    });

    it('a reader keeps its snapshot while the other connection commits', async () => {
      const path = freshPath();
      const reader = await openStore(path);
      const writer = await openStore(path);
      const job = await writer.createJob(makeJob());
      const seen = await reader.read((tx) => {
        const before = tx.getJob(job.ID).State.StateType;
        // A commit on the other connection while this read transaction is open (WAL: no blocking).
        const db = new Database(path);
        db.pragma('busy_timeout = 1000');
        const doc = db.prepare('SELECT doc FROM jobs WHERE id = ?').pluck().get(job.ID) as string;
        const changed = doc.replace('"Pending"', '"Queued"');
        db.prepare('UPDATE jobs SET doc = ?, state = ? WHERE id = ?').run(changed, 'Queued', job.ID);
        db.close();
        return [before, tx.getJob(job.ID).State.StateType];
      });
      expect(seen).toEqual(['Pending', 'Pending']);
      expect((await reader.getJob(job.ID)).State.StateType).toBe('Queued');
    });

    it('refuses the second of two writers that read the same revision (ConflictJobRevision)', async () => {
      const path = freshPath();
      const a = await openStore(path);
      const b = await openStore(path);
      const job = await a.createJob(makeJob());
      const readByA = await a.getJob(job.ID);
      const readByB = await b.getJob(job.ID);
      await a.updateJobState({
        jobID: job.ID,
        newState: 'Running',
        condition: { expectedRevision: readByA.Revision },
      });
      const err = await rejection(
        b.updateJobState({
          jobID: job.ID,
          newState: 'Queued',
          condition: { expectedRevision: readByB.Revision },
        }),
      );
      expect(err).toMatchObject({ code: 'ConflictJobRevision', httpStatus: 409 });
      const execution = await a.createExecution(makeExecution(job));
      await b.updateExecution({
        executionID: execution.ID,
        newValues: {},
        condition: { expectedRevision: 1 },
      });
      const stale = await rejection(
        a.updateExecution({ executionID: execution.ID, newValues: {}, condition: { expectedRevision: 1 } }),
      );
      expect(stale.code).toBe('ConflictJobRevision');
    });

    it('serialises concurrent writers in separate processes without losing a write', async () => {
      const path = freshPath();
      const store = await openStore(path);
      const job = await store.createJob(makeJob());
      const writers = 3;
      const perWriter = 40;
      const code = `
        const { SqliteJobStore } = await import(${JSON.stringify(storeModule)});
        const [path, jobID, name, count] = process.argv.slice(1);
        const store = await SqliteJobStore.create({ path });
        for (let i = 0; i < Number(count); i++) {
          await store.transaction((tx) => {
            tx.addJobHistory(jobID, 0, [{ Message: name + ' ' + i, Topic: 'Test', Timestamp: '' }]);
            tx.putNode(${nodeLiteral('name + "-" + i')});
          });
        }
        await store.close();
      `;
      const exits = await Promise.all(
        Array.from(
          { length: writers },
          (_, w) => run(code, [path, job.ID, `w${w}`, String(perWriter)]).exited,
        ),
      );
      expect(exits).toEqual(Array.from({ length: writers }, () => 0));
      const history = await store.getJobHistory(job.ID, { limit: 1000 });
      expect(history.items.map((h) => h.SeqNum)).toEqual(
        Array.from({ length: writers * perWriter }, (_, i) => i + 1),
      );
      expect(await store.listNodes()).toHaveLength(writers * perWriter);
    }, 60_000);

    it('fails the waiting writes when another connection holds the database locked (no endless retry)', async () => {
      const path = freshPath();
      const locked = `${path}.locked`;
      // in a child process: a store that began again for ever would hold its event loop, not the test's
      const code = `
        const { existsSync } = await import('node:fs');
        const { setTimeout } = await import('node:timers/promises');
        const { SqliteJobStore } = await import(${JSON.stringify(storeModule)});
        const [path, locked, template] = process.argv.slice(1);
        const store = await SqliteJobStore.create({ path, busyTimeoutMs: 0 });
        process.stdout.write('open\\n');
        while (!existsSync(locked)) await setTimeout(10);
        const outcome = (promise) => promise.then(() => 'committed', (err) => err.code);
        const writes = [store.createJob(JSON.parse(template)), store.createJob(JSON.parse(template))];
        process.stdout.write((await Promise.all(writes.map(outcome))).join(' ') + '\\n');
      `;
      const child = run(code, [path, locked, JSON.stringify(makeJob())]);
      const lines = createInterface({ input: child.process.stdout })[Symbol.asyncIterator]();
      let timer: NodeJS.Timeout | undefined;
      const answer = () =>
        Promise.race([
          lines.next().then((line) => String(line.value)),
          new Promise<string>((resolve) => (timer = setTimeout(() => resolve('no answer'), 20_000))),
        ]).finally(() => clearTimeout(timer));
      let locker: Database.Database | undefined;
      try {
        expect(await answer()).toBe('open');
        locker = new Database(path, { timeout: 5000 });
        locker.prepare('BEGIN IMMEDIATE').run();
        writeFileSync(locked, '');
        expect(await answer()).toBe('DatastoreFailure DatastoreFailure');
      } finally {
        child.process.kill('SIGKILL');
        if (locker?.inTransaction === true) locker.prepare('ROLLBACK').run();
        locker?.close();
      }
    }, 60_000);
  });

  describe('durability', () => {
    it('keeps every acknowledged job when the process is killed with SIGKILL', async () => {
      const path = freshPath();
      const code = `
        const { SqliteJobStore } = await import(${JSON.stringify(storeModule)});
        const [path, template] = process.argv.slice(1);
        const store = await SqliteJobStore.create({ path });
        for (let i = 0; ; i++) {
          const job = { ...JSON.parse(template), ID: 'j-kill-' + String(i).padStart(6, '0') };
          await store.createJob(job, {
            history: [{ Message: 'Job submitted', Topic: 'Submission', Timestamp: '' }],
            evaluation: { ID: 'v-' + i, Namespace: '', JobID: '', TriggeredBy: 'job-register', Priority: 0,
              Type: 'batch', Status: 'pending', Comment: '', WaitUntil: '', CreateTime: 0, ModifyTime: 0 },
          });
          process.stdout.write('committed ' + job.ID + '\\n');
        }
      `;
      const child = run(code, [path, JSON.stringify(makeJob({ ID: '' }))]);
      const acknowledged: string[] = [];
      const lines = createInterface({ input: child.process.stdout });
      for await (const line of lines) {
        const id = /^committed (\S+)$/u.exec(line)?.[1];
        if (id !== undefined) acknowledged.push(id);
        if (acknowledged.length === 200) {
          child.process.kill('SIGKILL');
          break;
        }
      }
      expect(await child.exited).toBe('SIGKILL');

      const store = await openStore(path);
      for (const id of acknowledged) {
        const job = await store.getJob(id);
        expect(job.State.StateType).toBe('Pending');
        // Nothing half-applied: each job has its history entry and evaluation.
        expect((await store.getJobHistory(id)).items.map((h) => h.Event.Message)).toEqual(['Job submitted']);
        expect(await store.listEvaluations({ jobID: id })).toHaveLength(1);
      }
      const all = await store.listJobs();
      expect(all.items.length).toBeGreaterThanOrEqual(acknowledged.length);
      for (const job of all.items) expect(await store.listEvaluations({ jobID: job.ID })).toHaveLength(1);
    }, 60_000);
  });

  describe('background checkpoints', () => {
    it('move committed pages into the database file without blocking writes', async () => {
      const path = freshPath();
      const store = await SqliteJobStore.create({ path, checkpointEveryWrites: 5 });
      open.push(store);
      const jobs = [];
      for (let i = 0; i < 20; i++) jobs.push(await store.createJob(makeJob()));
      await vi.waitFor(() => expect(store.checkpoints).toBeGreaterThan(0), { timeout: 5000 });
      // The pages reached the database file (before the first checkpoint it holds nothing: all is in the WAL).
      expect(statSync(path).size).toBeGreaterThan(10 * 4096);
      await store.close();
      const reopened = await openStore(path);
      expect((await reopened.listJobs()).items.map((j) => j.ID)).toEqual(jobs.map((j) => j.ID));
    });

    it('let the WAL start over under steady writes instead of growing to the backstop', async () => {
      const path = freshPath();
      const store = await SqliteJobStore.create({ path, checkpointEveryWrites: 20 });
      open.push(store);
      // the worker is up: its first checkpoint is done
      for (let i = 0; i < 20; i++) await store.createJob(makeJob());
      await vi.waitFor(() => expect(store.checkpoints).toBeGreaterThan(0), { timeout: 5000 });
      // The WAL header counts the times the WAL started over. Counted against the worker's rounds, not
      // as the WAL's size: how far the WAL grows between two rounds depends on how busy the machine is.
      const restartsSoFar = walRestarts(path);
      const roundsSoFar = store.checkpoints;
      const rounds = 10;
      for (let i = 0; i < 20_000 && store.checkpoints < roundsSoFar + rounds; i++)
        await store.createJob(makeJob());
      // the last round is answered: one more write starts the WAL over if it caught up
      await store.createJob(makeJob());
      // Each round that caught up lets the next write start the WAL over (the first before the loop).
      // With the store copying what came in during each round, all 11 did; without, 1 or 2.
      expect(store.checkpoints - roundsSoFar).toBeGreaterThanOrEqual(rounds);
      expect(walRestarts(path) - restartsSoFar).toBeGreaterThanOrEqual(1 + rounds / 2);
    });

    it('are off for :memory: and when disabled', async () => {
      const memory = await openStore(':memory:');
      const off = await SqliteJobStore.create({ path: freshPath(), backgroundCheckpoints: false });
      open.push(off);
      for (let i = 0; i < 3; i++) {
        await memory.createJob(makeJob());
        await off.createJob(makeJob());
      }
      expect(memory.checkpoints).toBe(0);
      expect(off.checkpoints).toBe(0);
    });
  });

  describe('options', () => {
    it('honours synchronous FULL', async () => {
      const path = freshPath();
      const store = await SqliteJobStore.create({ path, synchronous: 'FULL' });
      open.push(store);
      await store.createJob(makeJob());
      expect((await store.listJobs()).items).toHaveLength(1);
    });

    it('stamps times from the injected clock', async () => {
      const clock = new ManualClock(Date.UTC(2030, 5, 1));
      const store = await openStore(':memory:', clock);
      const job = await store.createJob(makeJob());
      expect(job.CreateTime).toBe(clock.nanos());
      const evaluation = await store.createEvaluation(makeEvaluation(job));
      expect(evaluation.CreateTime).toBe(clock.nanos());
    });
  });

  describe('background writes', () => {
    /** Records, in order, each write's settling and the turns of the event loop seen meanwhile. */
    const timeline = () => {
      const seen: string[] = [];
      const settled = (name: string) => (promise: Promise<unknown>) =>
        promise.then(() => void seen.push(name));
      const nextTurn = (name: string) =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            seen.push(name);
            resolve();
          }),
        );
      return { seen, settled, nextTurn };
    };
    const background = { background: true } as const;

    it("commit after the requests' writes of the same turn, each kind in call order", async () => {
      const store = await openStore(':memory:');
      const created: string[] = [];
      store.onChange((changes) => created.push(...changes.map((c) => ('job' in c ? c.job.ID : c.type))));
      const [first, second, third] = [makeJob(), makeJob(), makeJob()];
      await Promise.all([
        store.transaction((tx) => tx.createJob(first), background),
        store.createJob(second),
        store.transaction((tx) => tx.createJob(third), background),
      ]);
      expect(created).toEqual([second.ID, first.ID, third.ID]);
    });

    it('wait for the next turn, beyond their time, while requests are arriving', async () => {
      const store = await SqliteJobStore.create({ path: ':memory:', backgroundTurnMs: 0 });
      open.push(store);
      const { seen, settled, nextTurn } = timeline();
      const writes = [
        settled('request')(store.createJob(makeJob())),
        ...[1, 2, 3].map((n) =>
          settled(`background ${n}`)(store.transaction((tx) => tx.createJob(makeJob()), background)),
        ),
      ];
      // queued after the first commit's turn: it runs once that turn is over
      await Promise.all([...writes, nextTurn('the next turn')]);
      // with no time for background writes, a turn takes one (and never none)
      expect(seen).toEqual(['request', 'background 1', 'the next turn', 'background 2', 'background 3']);
      expect((await store.listJobs()).items).toHaveLength(4);
    });

    it('commit together when no request is arriving', async () => {
      const store = await SqliteJobStore.create({ path: ':memory:', backgroundTurnMs: 0 });
      open.push(store);
      const { seen, settled, nextTurn } = timeline();
      const writes = [1, 2, 3].map((n) =>
        settled(`background ${n}`)(store.transaction((tx) => tx.createJob(makeJob()), background)),
      );
      await Promise.all([...writes, nextTurn('the next turn')]);
      expect(seen).toEqual(['background 1', 'background 2', 'background 3', 'the next turn']);
    });

    it('are committed, not dropped, when the store closes with them waiting', async () => {
      const store = await SqliteJobStore.create({ path: ':memory:', backgroundTurnMs: 0 });
      const job = makeJob();
      const request = store.createJob(makeJob());
      const writes = [makeJob(), job].map((j) => store.transaction((tx) => tx.createJob(j), background));
      await request;
      // the second background write waits for a turn of its own; the store closes before it
      await store.close();
      await expect(Promise.all(writes)).resolves.toHaveLength(2);
      await expect(writes[1]).resolves.toMatchObject({ ID: job.ID });
    });
  });
});

const storeModule = pathToFileURL(fileURLToPath(new URL('./sqlite-store.ts', import.meta.url))).href;

/** A NodeState literal for child-process code, with the given JS expression as node ID. */
function nodeLiteral(idExpression: string): string {
  return `{ Info: { NodeID: ${idExpression}, NodeType: 'Compute', Labels: {}, SupportedProtocols: [],
    BacalhauVersion: { GitVersion: '', GitCommit: '', BuildDate: '', GOOS: '', GOARCH: '' } },
    Membership: 'APPROVED', Connection: 'CONNECTED',
    ConnectionState: { Status: 'CONNECTED', LastHeartbeat: '', ConnectedSince: '', DisconnectedSince: '' } }`;
}

/** Runs ES module code in a child Node process with TypeScript support (tsx). */
function run(code: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (status, signal) => resolve(signal ?? status));
  });
  return { process: child, exited };
}
