import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { executionDoc, jobDoc } from '../../store/codec.js';
import { isPassingStoreFailure } from '../../store/transient-failure.js';
import { newEvent } from '../../transport/messages.js';
import { testExecution } from '../../transport/testing/index.js';
import { messageForUpsert } from '../outbox.js';
import { SqliteExecutionStore } from './sqlite-store.js';
import type { ExecutionUpsert } from './types.js';

const opened: SqliteExecutionStore[] = [];
const dirs: string[] = [];

function open(path = ':memory:'): SqliteExecutionStore {
  const store = SqliteExecutionStore.open({ path, outbox: messageForUpsert, now: () => 1_700_000_000_000 });
  opened.push(store);
  return store;
}

async function tempPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-exec-store-'));
  dirs.push(dir);
  return join(dir, 'executions.db');
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const store of opened.splice(0)) store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('SqliteExecutionStore', () => {
  it('creates an execution at revision 1 and refuses a second one with the same ID', () => {
    const store = open();
    const execution = testExecution({ id: 'e-1' });
    const created = store.create(execution);
    expect(created).toMatchObject({ ID: 'e-1', Revision: 1, CreateTime: 1_700_000_000_000_000_000 });
    expect(store.get('e-1').Job?.ID).toBe(execution.Job?.ID);
    expect(() => store.create(execution)).toThrow('execution already exists: e-1');
    expect(() => store.get('e-2')).toThrow('execution not found: e-2');
  });

  it('refuses to create an execution that is neither new nor pre-approved', () => {
    const store = open();
    const running = {
      ...testExecution({ id: 'e-1' }),
      ComputeState: { StateType: 'Running' as const, Message: '' },
    };
    expect(() => store.create(running)).toThrow(
      'execution e-1 is in state Running but expected one of [New BidAccepted]',
    );
  });

  it('merges updates, bumps the revision and keeps events in order', () => {
    const store = open();
    store.create(testExecution({ id: 'e-1' }));
    const event = { Message: 'why', Topic: 'Exec Scanning', Timestamp: '2024-01-01T00:00:00Z' };
    const updated = store.update({
      executionID: 'e-1',
      condition: { expectedStates: ['New'] },
      newValues: { ComputeState: { StateType: 'AskForBidAccepted', Message: 'ok' } },
      events: [event],
    });
    expect(updated.Revision).toBe(2);
    expect(updated.ComputeState).toEqual({ StateType: 'AskForBidAccepted', Message: 'ok' });
    expect(updated.JobID).toBe(store.get('e-1').JobID);
    expect(store.events('e-1')).toEqual([event]);
  });

  it("checks conditions with Bacalhau's messages and never changes a terminal execution", () => {
    const store = open();
    store.create(testExecution({ id: 'e-1' }));
    const to = (StateType: 'Running' | 'Completed') => ({ ComputeState: { StateType, Message: '' } });
    expect(() =>
      store.update({
        executionID: 'e-1',
        condition: { expectedStates: ['BidAccepted', 'Running'] },
        newValues: to('Running'),
      }),
    ).toThrow('execution e-1 is in state New but expected one of [BidAccepted Running]');
    expect(() =>
      store.update({ executionID: 'e-1', condition: { expectedRevision: 5 }, newValues: to('Running') }),
    ).toThrow('execution e-1 has revision 1 but expected 5');
    store.update({ executionID: 'e-1', newValues: to('Completed') });
    expect(() => store.update({ executionID: 'e-1', newValues: to('Running') })).toThrow(
      'execution e-1 is in terminal state Completed and cannot transition to Running',
    );
  });

  it('commits the message a change owes the orchestrator and forgets it once acknowledged', () => {
    const store = open();
    store.create(testExecution({ id: 'e-1' }));
    expect(store.pendingOutbox()).toEqual([]);
    store.update({
      executionID: 'e-1',
      newValues: { ComputeState: { StateType: 'AskForBidAccepted', Message: '' } },
    });
    store.update({
      executionID: 'e-1',
      newValues: { ComputeState: { StateType: 'BidAccepted', Message: '' } },
    });
    store.update({
      executionID: 'e-1',
      newValues: { ComputeState: { StateType: 'Completed', Message: '' } },
    });
    const pending = store.pendingOutbox();
    expect(pending.map((entry) => entry.message.type)).toEqual(['BidResult', 'RunResult']);
    store.ackOutbox(pending[0]?.seq ?? 0);
    expect(store.pendingOutbox().map((entry) => entry.message.type)).toEqual(['RunResult']);
  });

  describe('acknowledgements, written with the next write rather than committed alone', () => {
    const toState = (state: 'AskForBidAccepted' | 'BidAccepted' | 'Running') => ({
      ComputeState: { StateType: state, Message: '' },
    });
    const pendingTypesIn = (path: string): string[] => {
      const view = open(path);
      const types = view.pendingOutbox().map((entry) => entry.message.type);
      view.close();
      return types;
    };
    async function fileStore(
      outbox = messageForUpsert,
    ): Promise<{ path: string; store: SqliteExecutionStore }> {
      const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-exec-store-'));
      dirs.push(dir);
      const path = join(dir, 'executions.db');
      const store = SqliteExecutionStore.open({ path, outbox, now: () => 1_700_000_000_000 });
      opened.push(store);
      return { path, store };
    }

    it('leaves an acknowledged entry in the file until the next write (a crash re-sends it)', async () => {
      const { path, store } = await fileStore();
      store.create(testExecution({ id: 'e-1' }));
      store.update({ executionID: 'e-1', newValues: toState('AskForBidAccepted') });
      store.ackOutbox(store.pendingOutbox()[0]?.seq ?? 0);
      expect(store.pendingOutbox()).toEqual([]);
      expect(pendingTypesIn(path)).toEqual(['BidResult']);
      store.update({ executionID: 'e-1', newValues: toState('BidAccepted') });
      expect(pendingTypesIn(path)).toEqual([]);
    });

    it('writes the acknowledgements when it closes', async () => {
      const { path, store } = await fileStore();
      store.create(testExecution({ id: 'e-1' }));
      store.update({ executionID: 'e-1', newValues: toState('AskForBidAccepted') });
      store.ackOutbox(store.pendingOutbox()[0]?.seq ?? 0);
      store.close();
      expect(pendingTypesIn(path)).toEqual([]);
    });

    it('keeps them for the next write when a write rolls back', async () => {
      let failNext = false;
      const { path, store } = await fileStore((upsert) => {
        if (failNext) throw new Error('policy failed');
        return messageForUpsert(upsert);
      });
      store.create(testExecution({ id: 'e-1' }));
      store.update({ executionID: 'e-1', newValues: toState('AskForBidAccepted') });
      store.ackOutbox(store.pendingOutbox()[0]?.seq ?? 0);
      failNext = true;
      expect(() => store.update({ executionID: 'e-1', newValues: toState('BidAccepted') })).toThrow(
        'policy failed',
      );
      expect(pendingTypesIn(path)).toEqual(['BidResult']);
      failNext = false;
      store.update({ executionID: 'e-1', newValues: toState('BidAccepted') });
      expect(pendingTypesIn(path)).toEqual([]);
      expect(store.get('e-1').ComputeState.StateType).toBe('BidAccepted');
    });
  });

  it('tells listeners about each write after it committed, in order', () => {
    const store = open();
    const seen: ExecutionUpsert[] = [];
    store.onUpsert((upsert) => seen.push(upsert));
    store.create(testExecution({ id: 'e-1' }));
    store.update({
      executionID: 'e-1',
      newValues: { ComputeState: { StateType: 'BidAccepted', Message: '' } },
    });
    expect(seen.map((u) => [u.previous?.ComputeState.StateType, u.current.ComputeState.StateType])).toEqual([
      [undefined, 'New'],
      ['New', 'BidAccepted'],
    ]);
    expect(store.get('e-1').ComputeState.StateType).toBe('BidAccepted');
  });

  it('keeps executions, events and the outbox across a reopen of the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-exec-store-'));
    dirs.push(dir);
    const path = join(dir, 'compute', 'executions.db');
    const first = open(path);
    first.create(testExecution({ id: 'e-live' }));
    first.update({
      executionID: 'e-live',
      newValues: { ComputeState: { StateType: 'BidAccepted', Message: '' } },
    });
    first.create(testExecution({ id: 'e-new' }));
    first.update({
      executionID: 'e-new',
      newValues: { ComputeState: { StateType: 'AskForBidRejected', Message: 'no' } },
    });
    first.close();
    const second = open(path);
    expect(second.liveExecutions().map((e) => e.ID)).toEqual(['e-live']);
    expect(second.count('AskForBidRejected')).toBe(1);
    expect(second.pendingOutbox().map((entry) => entry.message.type)).toEqual(['BidResult']);
  });

  describe('forgetting ended executions', () => {
    const hourMs = 3_600_000;
    let nowMs = 1_700_000_000_000;
    const openAt = (path = ':memory:'): SqliteExecutionStore => {
      const store = SqliteExecutionStore.open({ path, outbox: messageForUpsert, now: () => nowMs });
      opened.push(store);
      return store;
    };
    /** An execution created now that ends in `state`, `endsAfterMs` later (the clock moves on). */
    function ended(store: SqliteExecutionStore, id: string, state: 'Completed' | 'Failed', endsAfterMs = 0) {
      store.create(testExecution({ id }), [newEvent('Test', `${id} created`)]);
      nowMs += endsAfterMs;
      store.update({ executionID: id, newValues: { ComputeState: { StateType: state, Message: '' } } });
    }

    it('lists the executions that ended before a time, oldest first, and forgets them whole', () => {
      const store = openAt();
      ended(store, 'e-second', 'Failed', 2 * hourMs);
      ended(store, 'e-first', 'Completed', -hourMs); // ended before e-second, though created after
      ended(store, 'e-recent', 'Completed', 2 * hourMs);
      store.create(testExecution({ id: 'e-live' }));
      store.ackOutbox(Number.MAX_SAFE_INTEGER);
      nowMs += hourMs / 2;

      expect(store.endedBefore(nowMs - hourMs, 10)).toEqual(['e-first', 'e-second']);
      expect(store.endedBefore(nowMs - hourMs, 1)).toEqual(['e-first']);
      expect(store.events('e-first')).toHaveLength(1);
      expect(store.forget(['e-first', 'e-second', 'e-live', 'e-unknown'])).toBe(2);
      expect(store.find('e-first')).toBeUndefined();
      expect(store.find('e-second')).toBeUndefined();
      expect(store.events('e-first')).toEqual([]);
      expect(store.find('e-live')).toBeDefined();
      expect(store.endedBefore(nowMs - hourMs, 10)).toEqual([]);
      expect(store.endedBefore(nowMs, 10)).toEqual(['e-recent']);
      // what the node says it completed still counts them
      expect([store.count('Completed'), store.count('Failed'), store.count('New')]).toEqual([2, 1, 1]);
    });

    it('keeps an execution while the orchestrator has not acknowledged its last message', () => {
      const store = openAt();
      ended(store, 'e-acked', 'Completed');
      store.ackOutbox(store.pendingOutbox().at(-1)!.seq);
      ended(store, 'e-unacked', 'Completed');
      nowMs += 2 * hourMs;
      expect(store.endedBefore(nowMs - hourMs, 1)).toEqual(['e-acked']);
      expect(store.forget(['e-acked', 'e-unacked'])).toBe(1);
      expect(store.find('e-unacked')).toBeDefined();
      store.ackOutbox(store.pendingOutbox().at(-1)!.seq);
      expect(store.endedBefore(nowMs - hourMs, 1)).toEqual(['e-unacked']);
      expect(store.forget(['e-unacked'])).toBe(1);
    });

    it('forgets a job spec with its execution: a new execution of the same ID reads its own', async () => {
      const store = openAt(await tempPath());
      ended(store, 'e-reused', 'Completed');
      store.ackOutbox(Number.MAX_SAFE_INTEGER);
      store.get('e-reused'); // its spec cached
      expect(store.forget(['e-reused'])).toBe(1);
      const other = testExecution({ id: 'e-reused' });
      store.create({ ...other, Job: { ...other.Job!, Name: 'another job' } });
      expect(store.get('e-reused').Job?.Name).toBe('another job');
    });

    it('dates the ended executions of a file from a build that did not record it when it is opened', async () => {
      const path = await tempPath();
      const db = new Database(path);
      db.exec(
        'CREATE TABLE executions (id TEXT PRIMARY KEY, state TEXT NOT NULL, doc TEXT NOT NULL, created INTEGER NOT NULL)',
      );
      for (const [id, state] of [
        ['e-done', 'Completed'],
        ['e-running', 'Running'],
      ] as const) {
        const execution = { ...testExecution({ id }), ComputeState: { StateType: state, Message: '' } };
        db.prepare('INSERT INTO executions VALUES (?, ?, ?, 1)').run(
          id,
          state,
          executionDoc.encode(execution),
        );
      }
      db.close();
      const store = openAt(path);
      expect(store.endedBefore(nowMs, 10)).toEqual([]);
      expect(store.endedBefore(nowMs + 1, 10)).toEqual(['e-done']);
      store.close();
      expect(openAt(path).endedBefore(nowMs + 1, 10)).toEqual(['e-done']);
    });
  });

  describe('job specs', () => {
    it('keeps the job spec whole through every update and a reopen, and shares it read-only', async () => {
      const path = await tempPath();
      const execution = testExecution({ id: 'e-1' });
      const first = open(path);
      first.create(execution);
      for (const StateType of ['BidAccepted', 'Running'] as const) {
        first.update({ executionID: 'e-1', newValues: { ComputeState: { StateType, Message: '' } } });
      }
      const read = first.get('e-1');
      expect(read.Job).toEqual(execution.Job);
      expect(Object.isFrozen(read.Job?.Tasks[0])).toBe(true);
      first.close();
      const second = open(path);
      expect(second.get('e-1')).toMatchObject({ Revision: 3, Job: execution.Job });
    });

    it('writes a large job spec once: an update writes the state, not the spec again', async () => {
      const path = await tempPath();
      const store = open(path);
      const execution = testExecution({ id: 'e-big' });
      const task = execution.Job!.Tasks[0]!;
      const big = { ...execution.Job!, Meta: { ...execution.Job!.Meta, blob: 'x'.repeat(1024 * 1024) } };
      store.create({ ...execution, Job: { ...big, Tasks: [task] } });
      // start from an empty WAL: what the update writes is all it holds afterwards
      const peer = new Database(path);
      peer.pragma('wal_checkpoint(TRUNCATE)');
      store.update({
        executionID: 'e-big',
        newValues: { ComputeState: { StateType: 'BidAccepted', Message: '' } },
      });
      const walBytes = statSync(`${path}-wal`).size;
      peer.close();
      expect(walBytes).toBeGreaterThan(0);
      expect(walBytes).toBeLessThan(64 * 1024);
      expect(store.get('e-big').Job?.Meta['blob']).toHaveLength(1024 * 1024);
    });

    it('keeps more executions with large job specs than it keeps specs cached, each whole', async () => {
      const store = open(await tempPath());
      const ids = Array.from({ length: 40 }, (_, i) => `e-big-${i}`);
      for (const id of ids) {
        const execution = testExecution({ id });
        const blob = `${id}:`.padEnd(128 * 1024, 'x');
        store.create({ ...execution, Job: { ...execution.Job!, Meta: { ...execution.Job!.Meta, blob } } });
      }
      for (const id of ids) {
        store.update({
          executionID: id,
          newValues: { ComputeState: { StateType: 'BidAccepted', Message: '' } },
        });
      }
      for (const id of ids) {
        expect(store.get(id)).toMatchObject({ Revision: 2, ComputeState: { StateType: 'BidAccepted' } });
        expect(store.get(id).Job?.Meta['blob']).toBe(`${id}:`.padEnd(128 * 1024, 'x'));
      }
    });

    it('forgets a job spec a rolled-back update wrote', () => {
      const store = SqliteExecutionStore.open({
        path: ':memory:',
        outbox: (upsert) => {
          if (upsert.current.ComputeState.StateType === 'Failed') throw new Error('outbox refused');
          return undefined;
        },
      });
      opened.push(store);
      const execution = testExecution({ id: 'e-1' });
      store.create(execution);
      const other = { ...execution.Job!, Name: 'another spec' };
      expect(() =>
        store.update({
          executionID: 'e-1',
          newValues: { Job: other, ComputeState: { StateType: 'Failed', Message: '' } },
        }),
      ).toThrow('outbox refused');
      expect(store.get('e-1')).toMatchObject({ Revision: 1, Job: { Name: execution.Job!.Name } });
    });

    /**
     * A file as an earlier build left it: one execution in `state`, its spec inside `doc` or, with
     * `jobColumn`, in a `job` column of the executions table.
     */
    async function oldFile(id: string, state: 'BidAccepted' | 'Running', jobColumn: boolean) {
      const path = await tempPath();
      const execution = { ...testExecution({ id }), CreateTime: 1, ModifyTime: 1, Revision: 1 };
      const stored = { ...execution, ComputeState: { StateType: state, Message: '' } };
      const db = new Database(path);
      db.exec(
        `CREATE TABLE executions (id TEXT PRIMARY KEY, state TEXT NOT NULL, doc TEXT NOT NULL, created INTEGER NOT NULL${jobColumn ? ', job TEXT' : ''})`,
      );
      const values = jobColumn
        ? [id, state, executionDoc.encode({ ...stored, Job: undefined }), 1, jobDoc.encode(execution.Job!)]
        : [id, state, executionDoc.encode(stored), 1];
      db.prepare(`INSERT INTO executions VALUES (${values.map(() => '?').join(', ')})`).run(...values);
      db.close();
      return { path, execution };
    }

    it('reads and updates executions a store without the job column wrote, moving them to it', async () => {
      const { path, execution } = await oldFile('e-old', 'BidAccepted', false);
      const store = open(path);
      expect(store.liveExecutions()).toMatchObject([{ ID: 'e-old', Job: execution.Job }]);
      const updated = store.update({
        executionID: 'e-old',
        newValues: { ComputeState: { StateType: 'Running', Message: '' } },
      });
      expect(updated).toMatchObject({ Revision: 2, Job: execution.Job });
      store.close();

      const file = new Database(path, { readonly: true });
      const row = file.prepare<[], { doc: string }>('SELECT doc FROM executions').get();
      const spec = file.prepare<[], { id: string }>('SELECT id FROM execution_jobs').get();
      file.close();
      expect(JSON.parse(row!.doc)).not.toHaveProperty('Job');
      expect(spec).toEqual({ id: 'e-old' });
      expect(open(path).get('e-old')).toMatchObject({ Revision: 2, Job: execution.Job });
    });

    it('moves the specs of a file that kept them in a job column to their own table', async () => {
      const { path, execution } = await oldFile('e-col', 'Running', true);
      const store = open(path);
      expect(store.liveExecutions()).toMatchObject([{ ID: 'e-col', Job: execution.Job }]);
      store.close();
      const file = new Database(path, { readonly: true });
      const columns = file.prepare<[], { name: string }>('PRAGMA table_info(executions)').all();
      file.close();
      expect(columns.map((column) => column.name)).not.toContain('job');
    });

    it('marks the file of an earlier build with its kind and schema version, and opens it again', async () => {
      const { path } = await oldFile('e-old', 'Running', false);
      open(path).close();
      const db = new Database(path, { readonly: true });
      expect([
        db.pragma('application_id', { simple: true }),
        db.pragma('user_version', { simple: true }),
      ]).toEqual([1111706693, 1]);
      db.close();
      expect(open(path).liveExecutions()).toMatchObject([{ ID: 'e-old' }]);
    });
  });

  it('names the file in a clear error when it cannot be opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-exec-store-'));
    dirs.push(dir);
    const notADirectory = join(dir, 'file');
    await writeFile(notADirectory, '');
    expect(() => open(join(notADirectory, 'executions.db'))).toThrow(
      `cannot open the compute execution store ${join(notADirectory, 'executions.db')}`,
    );
  });

  it.each(['executions', 'execution_jobs'])(
    'names the file and the fix when damage in %s shows only once its pages are read, after opening',
    async (table) => {
      const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-exec-store-'));
      dirs.push(dir);
      const path = join(dir, 'executions.db');
      const store = open(path);
      for (let i = 0; i < 300; i++) store.create(testExecution({ id: `e-${i}` }));
      store.close();
      // the table's pages, as a bad disk sector would leave them
      const raw = new Database(path, { readonly: true });
      const pageSize = raw.pragma('page_size', { simple: true }) as number;
      const pages = raw
        .prepare<[string], { pageno: number }>('SELECT pageno FROM dbstat WHERE name = ?')
        .all(table)
        .map((row) => row.pageno);
      raw.close();
      const file = await readFile(path);
      for (const page of pages) file.fill(0x5a, (page - 1) * pageSize, page * pageSize);
      await writeFile(path, file);
      const reopened = open(path);
      // the executions waiting for a bid, as a restarted node reads them
      expect(() => reopened.byState(['New'])).toThrow(
        expect.objectContaining({
          message: expect.stringMatching(`^cannot read the compute execution store ${path}: `) as unknown,
          code: 'DatastoreFailure',
          hint: expect.stringMatching(/^the file is damaged: move it away/u) as unknown,
        }),
      );
    },
  );

  describe('on a full disk', () => {
    /** Every write statement from now on fails as SQLite's do when the disk (or its WAL) is full. */
    const fillDisk = (): void => {
      const probe = new Database(':memory:');
      const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { run: () => unknown };
      probe.close();
      const run = statement.run;
      vi.spyOn(statement, 'run').mockImplementation(function (this: { source: string }, ...args: []) {
        if (/^\s*(INSERT|UPDATE|DELETE)/iu.test(this.source)) {
          throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
        }
        return run.apply(this, args);
      });
    };
    const accept = {
      executionID: 'e-1',
      condition: { expectedStates: ['New' as const] },
      newValues: { ComputeState: { StateType: 'AskForBidAccepted' as const, Message: '' } },
    };

    it('names the file and the fix when a write fails, keeping the failure a writer retries', async () => {
      const path = await tempPath();
      const store = open(path);
      store.create(testExecution({ id: 'e-1' }));
      fillDisk();
      let failure: unknown;
      try {
        store.update(accept);
      } catch (err) {
        failure = err;
      }
      expect(failure).toMatchObject({
        message: `cannot use the compute execution store ${path}: database or disk is full`,
        code: 'DatastoreFailure',
        hint: `free space on the disk that holds ${path}`,
      });
      expect(isPassingStoreFailure(failure)).toBe(true);
    });

    it('still closes the file when the acknowledged messages cannot be deleted', async () => {
      const path = await tempPath();
      const store = open(path);
      store.create(testExecution({ id: 'e-1' }));
      store.update(accept);
      store.ackOutbox(store.pendingOutbox()[0]!.seq);
      fillDisk();
      expect(() => store.close()).not.toThrow();
      // SQLite removes the WAL when the last connection to the file closes
      expect(existsSync(`${path}-wal`)).toBe(false);
      vi.restoreAllMocks();
      expect(open(path).get('e-1').ComputeState.StateType).toBe('AskForBidAccepted');
    });
  });

  describe('what the file says it is', () => {
    const file = async (pragmas: string[]): Promise<string> => {
      const path = await tempPath();
      const db = new Database(path);
      db.exec('CREATE TABLE jobs (id TEXT)');
      for (const pragma of pragmas) db.pragma(pragma);
      db.close();
      return path;
    };
    const tablesOf = (path: string): string[] => {
      const db = new Database(path, { readonly: true });
      const names = db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((row) => row.name);
      db.close();
      return names;
    };

    it("refuses another store's file (the job store's state.db) and writes nothing into it", async () => {
      const path = await file(['application_id = 1111706696', 'user_version = 7']);
      expect(() => open(path)).toThrow(
        expect.objectContaining({
          message: `cannot open the compute execution store ${path}: the file is not a bacalhau-ts compute execution store (application_id 1111706696)`,
          code: 'DatastoreFailure',
          hint: 'it belongs to another program or store: move it away, or give the node a data dir of its own',
        }),
      );
      expect(tablesOf(path)).toEqual(['jobs']);
      const db = new Database(path, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete'); // left as it was
      db.close();
    });

    it('refuses a file of another program that says nothing of itself, by its tables', async () => {
      const path = await file([]);
      expect(() => open(path)).toThrow(
        expect.objectContaining({
          message: `cannot open the compute execution store ${path}: the file is not a bacalhau-ts compute execution store (it holds the table jobs)`,
        }),
      );
      expect(tablesOf(path)).toEqual(['jobs']);
    });

    it("refuses a newer build's file", async () => {
      const path = await file(['application_id = 1111706693', 'user_version = 2']);
      expect(() => open(path)).toThrow(
        expect.objectContaining({
          message: `cannot open the compute execution store ${path}: the file has schema version 2, newer than this build's 1`,
          hint: 'a newer bacalhau-ts wrote it: upgrade, or give this build a data dir of its own',
        }),
      );
      expect(tablesOf(path)).toEqual(['jobs']);
    });
  });

  it('says so when the file is a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-exec-store-'));
    dirs.push(dir);
    const path = join(dir, 'executions.db');
    await mkdir(path);
    expect(() => open(path)).toThrow(
      expect.objectContaining({ hint: `${path} is a folder, not a database file: move it away` }),
    );
  });

  it('says a damaged file is damaged, and what to do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-exec-store-'));
    dirs.push(dir);
    const path = join(dir, 'executions.db');
    await writeFile(path, 'this is not a database, but long enough to have a header'.repeat(20));
    expect(() => open(path)).toThrow(
      expect.objectContaining({
        hint: expect.stringMatching(/^the file is damaged: move it away/u) as unknown,
      }),
    );
  });
});
