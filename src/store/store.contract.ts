/**
 * The JobStore contract: every implementation runs this suite unchanged, e.g.
 * `runJobStoreContract('sqlite', (options) => SqliteJobStore.create({ path, ...options }))`.
 * It also exports the fixtures implementation-specific tests share.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacalhauError } from '../models/bacerrors.js';
import { ZeroTime, type Evaluation } from '../models/evaluation.js';
import type { Execution } from '../models/execution.js';
import { emptyJob, type Job } from '../models/job.js';
import type { Event } from '../models/job-history.js';
import type { NodeState } from '../models/node.js';
import type { JobPage, JobStore, StoreChange, StoreChangeType, StoreClock } from './types.js';

// ---------------------------------------------------------------------------------------------------
// Fixtures

/** A clock the test moves by hand; starts at 2024-01-01T00:00:00Z. */
export class ManualClock implements StoreClock {
  ms: number;
  constructor(ms = Date.UTC(2024, 0, 1)) {
    this.ms = ms;
  }
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  /** The current time in Unix nanoseconds, as the store writes it. */
  nanos(): number {
    return Math.round(this.ms * 1e6);
  }
}

export const jobID = (): string => `j-${randomUUID()}`;
export const executionID = (): string => `e-${randomUUID()}`;
export const evaluationID = (): string => randomUUID();

/** A valid batch job as the submission endpoint would hand it to the store. */
export function makeJob(overrides: Partial<Job> = {}): Job {
  return {
    ...emptyJob(),
    ID: jobID(),
    Type: 'batch',
    Count: 1,
    Tasks: [{ Name: 'main', Engine: { Type: 'docker', Params: { Image: 'ubuntu:24.04' } } }],
    ...overrides,
  };
}

export function makeExecution(job: Job, overrides: Partial<Execution> = {}): Execution {
  return {
    ID: executionID(),
    Namespace: job.Namespace,
    EvalID: '',
    Name: '',
    NodeID: 'n-node-1',
    JobID: job.ID,
    JobVersion: job.Version,
    DesiredState: { StateType: 'Pending' },
    ComputeState: { StateType: 'New' },
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    PartitionIndex: 0,
    Revision: 0,
    CreateTime: 0,
    ModifyTime: 0,
    ...overrides,
  };
}

export function makeEvaluation(job: Job, overrides: Partial<Evaluation> = {}): Evaluation {
  return {
    ID: evaluationID(),
    Namespace: job.Namespace,
    JobID: job.ID,
    TriggeredBy: 'job-register',
    Priority: 0,
    Type: job.Type,
    Status: 'pending',
    Comment: '',
    WaitUntil: ZeroTime,
    CreateTime: 0,
    ModifyTime: 0,
    ...overrides,
  };
}

export function makeEvent(message: string, topic = 'Submission', details?: Record<string, string>): Event {
  return {
    Message: message,
    Topic: topic,
    Timestamp: '',
    ...(details === undefined ? {} : { Details: details }),
  };
}

export function makeNode(id: string, overrides: Partial<NodeState> = {}): NodeState {
  const resources = { CPU: 2, Memory: 4e9, Disk: 1e10, GPU: 0 };
  return {
    Info: {
      NodeID: id,
      NodeType: 'Compute',
      Labels: { zone: 'a' },
      SupportedProtocols: ['ncl/v1'],
      ComputeNodeInfo: {
        ExecutionEngines: ['docker', 'wasm'],
        Publishers: ['local'],
        StorageSources: ['urlDownload'],
        MaxCapacity: resources,
        QueueCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
        AvailableCapacity: resources,
        MaxJobRequirements: resources,
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
        address: '',
      },
      BacalhauVersion: {
        Major: '1',
        Minor: '9',
        GitVersion: 'v1.9.0',
        GitCommit: '',
        BuildDate: ZeroTime,
        GOOS: 'linux',
        GOARCH: 'amd64',
      },
    },
    Membership: 'APPROVED',
    Connection: 'CONNECTED',
    ConnectionState: {
      Status: 'CONNECTED',
      LastHeartbeat: '2024-01-01T00:00:00Z',
      ConnectedSince: '2024-01-01T00:00:00Z',
      DisconnectedSince: ZeroTime,
    },
    ...overrides,
  };
}

/** Resolves to the BacalhauError a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<BacalhauError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BacalhauError);
    return err as BacalhauError;
  }
  throw new Error('expected the promise to reject');
}

/** The error a synchronous call throws. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

export interface JobStoreFactoryOptions {
  clock: StoreClock;
  /** Where the store reports errors no caller receives (a throwing listener). */
  onError: (error: unknown) => void;
}

export type JobStoreFactory = (options: JobStoreFactoryOptions) => Promise<JobStore>;

// ---------------------------------------------------------------------------------------------------
// The suite

export function runJobStoreContract(name: string, factory: JobStoreFactory): void {
  describe(`JobStore contract: ${name}`, () => {
    let store: JobStore;
    let clock: ManualClock;
    let listenerErrors: unknown[];

    beforeEach(async () => {
      clock = new ManualClock();
      listenerErrors = [];
      store = await factory({ clock, onError: (error) => listenerErrors.push(error) });
    });

    afterEach(async () => {
      await store.close();
    });

    /** Creates a job, advancing the clock first so creation times differ. */
    async function created(overrides: Partial<Job> = {}): Promise<Job> {
      clock.advance(1000);
      return store.createJob(makeJob(overrides));
    }

    describe('createJob', () => {
      it('stores version 1, revision 1, Pending, store times, normalised name and namespace', async () => {
        const input = makeJob({ Labels: { env: 'test' } });
        const job = await store.createJob(input);
        expect(job).toMatchObject({
          ID: input.ID,
          Name: input.ID,
          Namespace: 'default',
          Type: 'batch',
          Version: 1,
          Revision: 1,
          State: { StateType: 'Pending' },
          CreateTime: clock.nanos(),
          ModifyTime: clock.nanos(),
          Labels: { env: 'test' },
        });
        expect(await store.getJob(input.ID)).toEqual(job);
      });

      it('ignores the state, version, revision and times it is given', async () => {
        const job = await store.createJob(
          makeJob({
            State: { StateType: 'Completed' },
            Version: 7,
            Revision: 9,
            CreateTime: 5,
            ModifyTime: 6,
          }),
        );
        expect(job).toMatchObject({ State: { StateType: 'Pending' }, Version: 1, Revision: 1 });
        expect(job.CreateTime).toBe(clock.nanos());
      });

      it('writes the first history entries and the evaluation in the same transaction', async () => {
        const input = makeJob();
        const evaluation = makeEvaluation(input, { JobID: '', Namespace: '' });
        const job = await store.createJob(input, {
          history: [makeEvent('Job submitted')],
          evaluation,
        });
        const history = await store.getJobHistory(job.ID);
        expect(history.items).toHaveLength(1);
        expect(history.items[0]).toMatchObject({
          SeqNum: 1,
          Type: 'JobLevel',
          JobID: job.ID,
          JobVersion: 1,
          Event: { Message: 'Job submitted', Topic: 'Submission', Timestamp: '2024-01-01T00:00:00Z' },
          Time: '2024-01-01T00:00:00Z',
        });
        expect(await store.getEvaluation(evaluation.ID)).toMatchObject({
          ID: evaluation.ID,
          JobID: job.ID,
          Namespace: 'default',
          Status: 'pending',
        });
      });

      it('rolls the job back when its evaluation cannot be stored', async () => {
        const first = await created();
        const evaluation = await store.createEvaluation(makeEvaluation(first));
        const input = makeJob();
        const err = await rejection(
          store.createJob(input, {
            history: [makeEvent('Job submitted')],
            evaluation: makeEvaluation(input, { ID: evaluation.ID }),
          }),
        );
        expect(err.code).toBe('ResourceInUse');
        expect((await rejection(store.getJob(input.ID))).code).toBe('NotFound');
      });

      it('refuses a taken ID (ResourceInUse)', async () => {
        const job = await created();
        const err = await rejection(store.createJob(makeJob({ ID: job.ID, Name: 'other' })));
        expect(err).toMatchObject({
          code: 'ResourceInUse',
          component: 'JobStore',
          message: `job already exists: ${job.ID}`,
        });
        expect(err.httpStatus).toBe(409);
      });

      it('refuses a name taken in the same namespace, not in another one', async () => {
        await created({ Name: 'my-job' });
        const err = await rejection(store.createJob(makeJob({ Name: 'my-job' })));
        expect(err).toMatchObject({
          code: 'ResourceInUse',
          message: 'job name my-job already exists in namespace default',
        });
        const other = await store.createJob(makeJob({ Name: 'my-job', Namespace: 'team-b' }));
        expect(other.Namespace).toBe('team-b');
      });

      it('refuses an invalid job with every problem (BadRequest) and stores nothing', async () => {
        const input = makeJob({ Type: '', Tasks: [] });
        const err = await rejection(store.createJob(input));
        expect(err.code).toBe('BadRequest');
        expect(err.message).toContain('missing job type');
        expect(err.message).toContain('missing job tasks');
        expect((await rejection(store.getJob(input.ID))).code).toBe('NotFound');
      });
    });

    describe('getJob, getJobByName, getJobByIDOrName', () => {
      it('finds a job by full ID or unique prefix (short ID)', async () => {
        const job = await created();
        expect((await store.getJob(job.ID.slice(0, 10))).ID).toBe(job.ID);
        expect((await store.getJob(job.ID)).ID).toBe(job.ID);
      });

      it('reports an ambiguous prefix as MultipleJobsFound', async () => {
        await created({ ID: 'j-abc00001' });
        await created({ ID: 'j-abc00002' });
        const err = await rejection(store.getJob('j-abc'));
        expect(err).toMatchObject({
          code: 'MultipleJobsFound',
          message: 'multiple jobs found for id j-abc',
          hint: 'Use full job ID',
        });
        expect((await store.getJob('j-abc00001')).ID).toBe('j-abc00001');
      });

      it('reports unknown and empty IDs as NotFound', async () => {
        await created();
        const err = await rejection(store.getJob('j-nope'));
        expect(err).toMatchObject({
          code: 'NotFound',
          message: 'job not found: j-nope',
          component: 'JobStore',
        });
        expect(err.httpStatus).toBe(404);
        expect((await rejection(store.getJob(''))).code).toBe('NotFound');
      });

      it('peekJob reads the job as getJob does, by ID or prefix, with the same errors', async () => {
        const job = await created();
        const peeked = await store.peekJob(job.ID.slice(0, 10));
        expect(peeked).toEqual(await store.getJob(job.ID));
        await store.updateJobState({ jobID: job.ID, newState: 'Running' });
        expect((await store.peekJob(job.ID)).State.StateType).toBe('Running');
        expect(peeked.State.StateType).toBe('Pending');
        expect((await rejection(store.peekJob('j-nope'))).code).toBe('NotFound');
      });

      it('finds a job by name within its namespace, default when empty', async () => {
        const job = await created({ Name: 'nightly' });
        expect((await store.getJobByName('nightly', '')).ID).toBe(job.ID);
        expect((await store.getJobByName('nightly', 'default')).ID).toBe(job.ID);
        expect((await rejection(store.getJobByName('nightly', 'other'))).code).toBe('NotFound');
        expect((await rejection(store.getJobByName('daily', ''))).code).toBe('NotFound');
        expect((await store.findJobByName('nightly', ''))?.ID).toBe(job.ID);
        expect(await store.findJobByName('nightly', 'other')).toBeUndefined();
        expect(await store.findJobByName('daily', '')).toBeUndefined();
      });

      it('tries the name first, then the ID or prefix in any namespace', async () => {
        const byID = await created({ Namespace: 'team-a' });
        const byName = await created({ Name: byID.ID });
        expect((await store.getJobByIDOrName(byID.ID, 'default')).ID).toBe(byName.ID);
        expect((await store.getJobByIDOrName(byID.ID, 'team-a')).ID).toBe(byID.ID);
        expect((await store.getJobByIDOrName(byID.ID.slice(0, 12), 'default')).ID).toBe(byID.ID);
        expect((await rejection(store.getJobByIDOrName('missing', 'default'))).code).toBe('NotFound');
      });
    });

    describe('listJobs', () => {
      let jobs: Job[];
      beforeEach(async () => {
        jobs = [];
        for (let i = 0; i < 5; i++) {
          jobs.push(
            await created({
              Namespace: i % 2 === 0 ? 'default' : 'other',
              Type: i === 4 ? 'service' : 'batch',
              Labels: { index: String(i) },
            }),
          );
        }
      });
      const ids = (list: readonly Job[]) => list.map((j) => j.ID);

      it('orders by creation time across all namespaces by default', async () => {
        const page = await store.listJobs();
        expect(ids(page.items)).toEqual(ids(jobs));
        expect(page.nextOffset).toBeUndefined();
        expect(ids((await store.listJobs({ namespace: '*' })).items)).toEqual(ids(jobs));
        expect(ids((await store.listJobs({ namespace: '' })).items)).toEqual(ids(jobs));
      });

      it('reverses, and orders by modification time', async () => {
        expect(ids((await store.listJobs({ reverse: true })).items)).toEqual(ids(jobs).reverse());
        clock.advance(1000);
        await store.updateJobState({ jobID: jobs[1]!.ID, newState: 'Running' });
        const byModified = await store.listJobs({ orderBy: 'modified_at' });
        expect(ids(byModified.items)).toEqual(ids([jobs[0]!, jobs[2]!, jobs[3]!, jobs[4]!, jobs[1]!]));
        const byCreated = await store.listJobs({ orderBy: 'created_at' });
        expect(ids(byCreated.items)).toEqual(ids(jobs));
      });

      it('orders by ID, which the CLI offers (Go refuses it)', async () => {
        const sorted = [...ids(jobs)].sort();
        expect(ids((await store.listJobs({ orderBy: 'id' })).items)).toEqual(sorted);
        expect(ids((await store.listJobs({ orderBy: 'id', reverse: true, limit: 2 })).items)).toEqual(
          sorted.reverse().slice(0, 2),
        );
      });

      it('breaks ties in insertion order, reversed with reverse', async () => {
        const a = await store.createJob(makeJob());
        const b = await store.createJob(makeJob());
        const c = await store.createJob(makeJob());
        const all = await store.listJobs();
        expect(ids(all.items).slice(-3)).toEqual(ids([a, b, c]));
        const reversed = await store.listJobs({ reverse: true });
        expect(ids(reversed.items).slice(0, 3)).toEqual(ids([c, b, a]));
      });

      it('filters by namespace, type and in-progress state', async () => {
        expect(ids((await store.listJobs({ namespace: 'other' })).items)).toEqual(ids([jobs[1]!, jobs[3]!]));
        expect(ids((await store.listJobs({ type: 'service' })).items)).toEqual(ids([jobs[4]!]));
        await store.updateJobState({ jobID: jobs[0]!.ID, newState: 'Completed' });
        await store.updateJobState({ jobID: jobs[2]!.ID, newState: 'Stopped' });
        const active = await store.listJobs({ inProgress: true });
        expect(ids(active.items)).toEqual(ids([jobs[1]!, jobs[3]!, jobs[4]!]));
        const activeBatch = await store.listJobs({ inProgress: true, type: 'batch', namespace: 'other' });
        expect(ids(activeBatch.items)).toEqual(ids([jobs[1]!, jobs[3]!]));
      });

      it('filters by creation time, before the time given', async () => {
        const before = (job: Job) => store.listJobs({ createdBefore: job.CreateTime });
        expect(ids((await before(jobs[2]!)).items)).toEqual(ids([jobs[0]!, jobs[1]!]));
        expect((await before(jobs[0]!)).items).toEqual([]);
        const oldBatch = await store.listJobs({ createdBefore: jobs[4]!.CreateTime + 1e6, type: 'service' });
        expect(ids(oldBatch.items)).toEqual(ids([jobs[4]!]));
      });

      it('pages with limit and offset, every job exactly once', async () => {
        const first = await store.listJobs({ limit: 2 });
        expect(first).toMatchObject({ offset: 0, limit: 2, nextOffset: 2 });
        const second = await store.listJobs({ limit: 2, offset: 2 });
        expect(second.nextOffset).toBe(4);
        const third = await store.listJobs({ limit: 2, offset: 4 });
        expect(third.nextOffset).toBeUndefined();
        expect(ids([...first.items, ...second.items, ...third.items])).toEqual(ids(jobs));
        expect((await store.listJobs({ limit: 5 })).nextOffset).toBeUndefined();
        expect((await store.listJobs({ offset: 10 })).items).toEqual([]);
        expect(ids((await store.listJobs({ limit: 2, reverse: true })).items)).toEqual(
          ids([jobs[4]!, jobs[3]!]),
        );
      });

      it('leaves out of later pages the jobs added since the first, so that none is listed twice', async () => {
        // oldest first, a job added now comes last, and is listed there: no mark
        expect((await store.listJobs({ limit: 2 })).addedUpTo).toBeUndefined();
        const first = await store.listJobs({ limit: 2, reverse: true });
        expect(ids(first.items)).toEqual(ids([jobs[4]!, jobs[3]!]));
        expect(first.addedUpTo).toBeDefined();
        const added = [await created(), await created()];
        const next = (page: JobPage) =>
          store.listJobs({ limit: 2, reverse: true, offset: page.nextOffset, addedUpTo: page.addedUpTo });
        const second = await next(first);
        // without the mark, the two added jobs would push jobs[4] and jobs[3] into this page again
        expect(ids(second.items)).toEqual(ids([jobs[2]!, jobs[1]!]));
        expect(second.addedUpTo).toBe(first.addedUpTo);
        const third = await next(second);
        expect(ids(third.items)).toEqual(ids([jobs[0]!]));
        expect(third.nextOffset).toBeUndefined();
        // a listing started now lists them
        const addedNewestFirst = [added[1]!, added[0]!];
        expect(ids((await store.listJobs({ limit: 2, reverse: true })).items)).toEqual(ids(addedNewestFirst));
        // and with a label predicate too
        const all = () => true;
        const labelled = await store.listJobs({ labels: all, limit: 4, reverse: true });
        await created();
        const rest = await store.listJobs({
          labels: all,
          limit: 4,
          reverse: true,
          offset: labelled.nextOffset,
          addedUpTo: labelled.addedUpTo,
        });
        expect(ids([...labelled.items, ...rest.items])).toEqual(
          ids([...addedNewestFirst, ...jobs.slice().reverse()]),
        );
      });

      it('applies a label predicate (label selector) before paging', async () => {
        const odd = (labels: Readonly<Record<string, string>>) => Number(labels['index']) % 2 === 1;
        const all = await store.listJobs({ labels: odd });
        expect(ids(all.items)).toEqual(ids([jobs[1]!, jobs[3]!]));
        const first = await store.listJobs({ labels: odd, limit: 1 });
        expect(first).toMatchObject({ nextOffset: 1 });
        expect(ids(first.items)).toEqual(ids([jobs[1]!]));
        const second = await store.listJobs({ labels: odd, limit: 1, offset: 1 });
        expect(ids(second.items)).toEqual(ids([jobs[3]!]));
        expect(second.nextOffset).toBeUndefined();
      });

      it("matches a label predicate against each job's current version", async () => {
        const labelled = (value: string) => (labels: Readonly<Record<string, string>>) =>
          labels['index'] === value;
        const update = (job: Job, Labels: Record<string, string>) =>
          store.updateJob(makeJob({ ID: job.ID, Name: job.Name, Namespace: job.Namespace, Labels }));
        await update(jobs[1]!, {});
        await update(jobs[2]!, { index: '7' });
        // the newest job: SQLite may give its row number to the next one, which has no labels
        await store.deleteJob(jobs[4]!.ID);
        const next = await created({ Labels: {} });
        expect(ids((await store.listJobs({ labels: labelled('1') })).items)).toEqual([]);
        expect(ids((await store.listJobs({ labels: labelled('2') })).items)).toEqual([]);
        expect(ids((await store.listJobs({ labels: labelled('7') })).items)).toEqual([jobs[2]!.ID]);
        expect(ids((await store.listJobs({ labels: labelled('4') })).items)).toEqual([]);
        // a job without labels is offered to the predicate with none
        const unlabelled = (labels: Readonly<Record<string, string>>) => Object.keys(labels).length === 0;
        expect(ids((await store.listJobs({ labels: unlabelled })).items)).toEqual([jobs[1]!.ID, next.ID]);
        // back to labels in a later version
        await update(jobs[1]!, { index: '1' });
        expect(ids((await store.listJobs({ labels: labelled('1') })).items)).toEqual([jobs[1]!.ID]);
      });

      it('refuses an unknown order (BadRequest)', async () => {
        const err = await rejection(store.listJobs({ orderBy: 'name' as 'created_at' }));
        expect(err).toMatchObject({ code: 'BadRequest', message: 'OrderBy name not supported for listJobs' });
      });
    });

    describe('updateJobState', () => {
      it('sets state and message, increments the revision, sets the modify time', async () => {
        const job = await created();
        clock.advance(5000);
        const updated = await store.updateJobState({
          jobID: job.ID,
          newState: 'Running',
          message: 'started',
          condition: { expectedRevision: 1, expectedState: 'Pending' },
        });
        expect(updated).toMatchObject({
          State: { StateType: 'Running', Message: 'started' },
          Revision: 2,
          Version: 1,
          CreateTime: job.CreateTime,
          ModifyTime: clock.nanos(),
        });
        expect(await store.getJob(job.ID)).toEqual(updated);
        const cleared = await store.updateJobState({ jobID: job.ID, newState: 'Running' });
        // Decoded from the wire form, an omitted message reads as the zero value.
        expect(cleared.State.StateType).toBe('Running');
        expect(cleared.State.Message ?? '').toBe('');
        expect(cleared.Revision).toBe(3);
      });

      it('refuses a stale revision (ConflictJobRevision, 409) and changes nothing', async () => {
        const job = await created();
        await store.updateJobState({ jobID: job.ID, newState: 'Queued' });
        const err = await rejection(
          store.updateJobState({ jobID: job.ID, newState: 'Running', condition: { expectedRevision: 1 } }),
        );
        expect(err).toMatchObject({
          code: 'ConflictJobRevision',
          component: 'JobStore',
          message: `job ${job.ID} has revision 2 but expected 1`,
        });
        expect(err.httpStatus).toBe(409);
        expect((await store.getJob(job.ID)).State.StateType).toBe('Queued');
      });

      it('refuses an unexpected state (ConflictJobState)', async () => {
        const job = await created();
        const wrong = await rejection(
          store.updateJobState({
            jobID: job.ID,
            newState: 'Running',
            condition: { expectedState: 'Queued' },
          }),
        );
        expect(wrong).toMatchObject({
          code: 'ConflictJobState',
          message: `job ${job.ID} is in state Pending but expected Queued`,
        });
        expect(wrong.httpStatus).toBe(409);
        const unexpected = await rejection(
          store.updateJobState({
            jobID: job.ID,
            newState: 'Running',
            condition: { unexpectedStates: ['Queued', 'Pending'] },
          }),
        );
        expect(unexpected).toMatchObject({
          code: 'ConflictJobState',
          message: `job ${job.ID} is in unexpected state Pending`,
        });
      });

      it('refuses to leave a terminal state with Bacalhau message', async () => {
        const job = await created();
        await store.updateJobState({ jobID: job.ID, newState: 'Completed' });
        const err = await rejection(store.updateJobState({ jobID: job.ID, newState: 'Stopped' }));
        expect(err).toMatchObject({
          code: 'ConflictJobState',
          message: `job ${job.ID} is in terminal state Completed and cannot transition to Stopped`,
        });
        expect(err.httpStatus).toBe(409);
      });

      it('accepts a short ID and reports unknown jobs as NotFound', async () => {
        const job = await created();
        expect((await store.updateJobState({ jobID: job.ID.slice(0, 10), newState: 'Running' })).ID).toBe(
          job.ID,
        );
        expect((await rejection(store.updateJobState({ jobID: 'j-x', newState: 'Running' }))).code).toBe(
          'NotFound',
        );
      });
    });

    describe('updateJob, getJobVersion, getJobVersions', () => {
      it('stores a new version, archives the old one, resets to Pending even from a terminal state', async () => {
        const v1 = await created({ Name: 'svc', Type: 'service', Count: 2, Labels: { a: '1' } });
        await store.updateJobState({ jobID: v1.ID, newState: 'Failed', message: 'boom' });
        clock.advance(1000);
        const v2 = await store.updateJob(
          makeJob({ ID: v1.ID, Name: 'svc', Type: 'service', Count: 3, Labels: { b: '2' }, Priority: 5 }),
        );
        expect(v2).toMatchObject({
          ID: v1.ID,
          Version: 2,
          Revision: 3,
          Count: 3,
          Priority: 5,
          Labels: { b: '2' },
          State: { StateType: 'Pending' },
          CreateTime: v1.CreateTime,
          ModifyTime: clock.nanos(),
        });
        expect(await store.getJob(v1.ID)).toEqual(v2);
        const old = await store.getJobVersion(v1.ID, 1);
        expect(old).toMatchObject({ Version: 1, Count: 2, State: { StateType: 'Failed', Message: 'boom' } });
        expect(await store.getJobVersion(v1.ID, 2)).toEqual(v2);
        const versions = await store.getJobVersions(v1.ID);
        expect(versions.map((v) => v.Version)).toEqual([1, 2]);
        expect(versions[1]).toEqual(v2);
        expect((await rejection(store.getJobVersions('j-none'))).code).toBe('NotFound');
        expect((await rejection(store.getJobVersion('j-none', 1))).code).toBe('NotFound');
        const missing = await rejection(store.getJobVersion(v1.ID, 3));
        expect(missing).toMatchObject({
          code: 'NotFound',
          message: `job version 3 not found for job ${v1.ID}`,
        });
      });

      it('keeps name, namespace and type: changing them is a BadRequest', async () => {
        const job = await created({ Name: 'keep', Namespace: 'ns' });
        const renamed = await rejection(
          store.updateJob(makeJob({ ID: job.ID, Name: 'other', Namespace: 'ns' })),
        );
        expect(renamed).toMatchObject({
          code: 'BadRequest',
          message: 'cannot change job name or namespace during update',
        });
        const moved = await rejection(store.updateJob(makeJob({ ID: job.ID, Name: 'keep', Namespace: 'x' })));
        expect(moved.code).toBe('BadRequest');
        const retyped = await rejection(
          store.updateJob(makeJob({ ID: job.ID, Name: 'keep', Namespace: 'ns', Type: 'ops', Count: 0 })),
        );
        expect(retyped.code).toBe('BadRequest');
        expect((await store.getJob(job.ID)).Version).toBe(1);
      });

      it('refuses a stale revision, a missing ID, an invalid spec, an unknown job', async () => {
        const job = await created();
        const stale = await rejection(
          store.updateJob(makeJob({ ID: job.ID, Name: job.Name }), { expectedRevision: 9 }),
        );
        expect(stale.code).toBe('ConflictJobRevision');
        expect((await rejection(store.updateJob(makeJob({ ID: '' })))).code).toBe('BadRequest');
        const invalid = await rejection(store.updateJob(makeJob({ ID: job.ID, Name: job.Name, Tasks: [] })));
        expect(invalid.code).toBe('BadRequest');
        expect((await rejection(store.updateJob(makeJob({ ID: 'j-unknown' })))).code).toBe('NotFound');
        expect(await store.getJobVersions(job.ID)).toHaveLength(1);
        const ok = await store.updateJob(makeJob({ ID: job.ID, Name: job.Name }), { expectedRevision: 1 });
        expect(ok.Version).toBe(2);
      });
    });

    describe('deleteJob', () => {
      it('removes the job with its versions, executions, evaluations and history', async () => {
        const job = await created({ Name: 'gone' });
        await store.updateJob(makeJob({ ID: job.ID, Name: 'gone' }));
        const execution = await store.createExecution(makeExecution(job, { JobVersion: 2 }));
        const evaluation = await store.createEvaluation(makeEvaluation(job));
        await store.addJobHistory(job.ID, 2, [makeEvent('Job updated')]);
        const keep = await created();
        const kept = await store.createExecution(makeExecution(keep));

        await store.deleteJob(job.ID);
        expect((await rejection(store.getJob(job.ID))).code).toBe('NotFound');
        expect((await rejection(store.getExecution(execution.ID))).code).toBe('NotFound');
        expect((await rejection(store.getEvaluation(evaluation.ID))).code).toBe('NotFound');
        expect((await rejection(store.getJobHistory(job.ID))).code).toBe('NotFound');
        expect((await rejection(store.deleteJob(job.ID))).code).toBe('NotFound');
        expect((await store.getExecution(kept.ID)).ID).toBe(kept.ID);

        const again = await store.createJob(makeJob({ ID: job.ID, Name: 'gone' }));
        expect(again.Version).toBe(1);
        expect(await store.getJobVersions(job.ID)).toHaveLength(1);
        expect((await store.listExecutions({ jobID: job.ID, allJobVersions: true })).length).toBe(0);
      });
    });

    describe('createExecution, getExecution', () => {
      it('fills times, revision, job version and empty parts; never stores the job copy', async () => {
        const job = await created();
        clock.advance(10);
        const input = makeExecution(job, { JobVersion: 0, Job: job });
        const execution = await store.createExecution(input);
        expect(execution).toMatchObject({
          ID: input.ID,
          JobVersion: 1,
          Revision: 1,
          CreateTime: clock.nanos(),
          ModifyTime: clock.nanos(),
          AllocatedResources: { Tasks: {} },
          PublishedResult: { Type: '' },
          RunOutput: { Stdout: '', stderr: '', ExitCode: 0 },
          DesiredState: { StateType: 'Pending' },
          ComputeState: { StateType: 'New' },
        });
        expect(execution.Job).toBeUndefined();
        expect(await store.getExecution(input.ID)).toEqual(execution);
      });

      it('keeps given times and revision', async () => {
        const job = await created();
        const execution = await store.createExecution(
          makeExecution(job, { CreateTime: 111, ModifyTime: 0, Revision: 4 }),
        );
        expect(execution).toMatchObject({ CreateTime: 111, ModifyTime: 111, Revision: 4 });
      });

      it('finds by unique prefix; ambiguous prefix is MultipleExecutionsFound; unknown is NotFound', async () => {
        const job = await created();
        await store.createExecution(makeExecution(job, { ID: 'e-abc00001' }));
        await store.createExecution(makeExecution(job, { ID: 'e-abc00002' }));
        expect((await store.getExecution('e-abc00001')).ID).toBe('e-abc00001');
        expect((await store.getExecution('e-abc00002'.slice(0, 10))).ID).toBe('e-abc00002');
        const ambiguous = await rejection(store.getExecution('e-abc'));
        expect(ambiguous).toMatchObject({ code: 'MultipleExecutionsFound', hint: 'Use full execution ID' });
        const missing = await rejection(store.getExecution('e-zzz'));
        expect(missing).toMatchObject({ code: 'NotFound', message: 'execution not found: e-zzz' });
      });

      it('refuses unknown jobs, taken IDs, invalid executions, partitions out of range', async () => {
        const job = await created({ Count: 3 });
        const orphan = await rejection(store.createExecution(makeExecution(makeJob({ ID: 'j-none' }))));
        expect(orphan).toMatchObject({ code: 'NotFound', message: 'job not found: j-none' });
        const first = await store.createExecution(makeExecution(job));
        const taken = await rejection(store.createExecution(makeExecution(job, { ID: first.ID })));
        expect(taken).toMatchObject({
          code: 'ResourceInUse',
          message: `execution already exists ${first.ID}`,
        });
        const invalid = await rejection(
          store.createExecution(makeExecution(job, { ID: 'e 1', Namespace: '' })),
        );
        expect(invalid.code).toBe('BadRequest');
        expect(invalid.message).toContain('execution ID contains a space');
        expect(invalid.message).toContain('execution must be in a namespace');
        const partition = await rejection(store.createExecution(makeExecution(job, { PartitionIndex: 3 })));
        expect(partition).toMatchObject({ code: 'BadRequest' });
        expect(partition.message).toContain('partition index must be between 0 and 2');
        expect((await store.createExecution(makeExecution(job, { PartitionIndex: 2 }))).PartitionIndex).toBe(
          2,
        );
      });
    });

    describe('updateExecution', () => {
      let job: Job;
      let execution: Execution;
      beforeEach(async () => {
        job = await created();
        execution = await store.createExecution(
          makeExecution(job, { ComputeState: { StateType: 'New', Message: 'created' } }),
        );
      });

      it('replaces the given fields, keeps the rest, increments the revision', async () => {
        clock.advance(2000);
        const updated = await store.updateExecution({
          executionID: execution.ID,
          newValues: { ComputeState: { StateType: 'AskForBidAccepted' }, NodeID: 'n-node-2' },
          condition: { expectedRevision: 1, expectedStates: ['New'], expectedDesiredStates: ['Pending'] },
        });
        expect(updated).toMatchObject({
          ID: execution.ID,
          JobID: job.ID,
          NodeID: 'n-node-2',
          ComputeState: { StateType: 'AskForBidAccepted' },
          DesiredState: { StateType: 'Pending' },
          Revision: 2,
          CreateTime: execution.CreateTime,
          ModifyTime: clock.nanos(),
        });
        expect(updated.ComputeState.Message ?? '').toBe('');
        expect(await store.getExecution(execution.ID)).toEqual(updated);
      });

      it('never changes identity, creation time or revision from newValues', async () => {
        const values = { ID: 'e-other', JobID: 'j-other', CreateTime: 1, Revision: 99, ModifyTime: 12345 };
        const updated = await store.updateExecution({
          executionID: execution.ID,
          newValues: values,
        });
        expect(updated).toMatchObject({
          ID: execution.ID,
          JobID: job.ID,
          CreateTime: execution.CreateTime,
          Revision: 2,
          ModifyTime: 12345,
        });
      });

      it('appends its events as execution-level history of the execution job version', async () => {
        await store.updateExecution({
          executionID: execution.ID,
          newValues: { ComputeState: { StateType: 'BidAccepted' } },
          events: [makeEvent('Running', 'Execution'), makeEvent('Still running', 'Execution')],
        });
        const history = await store.getJobHistory(job.ID);
        expect(history.items).toEqual([
          expect.objectContaining({
            SeqNum: 1,
            Type: 'ExecutionLevel',
            ExecutionID: execution.ID,
            JobVersion: 1,
            Event: expect.objectContaining({ Message: 'Running', Topic: 'Execution' }) as unknown,
          }),
          expect.objectContaining({ SeqNum: 2, ExecutionID: execution.ID }),
        ]);
      });

      it('refuses a stale revision (ConflictJobRevision)', async () => {
        const err = await rejection(
          store.updateExecution({
            executionID: execution.ID,
            newValues: { ComputeState: { StateType: 'Running' } },
            condition: { expectedRevision: 7 },
          }),
        );
        expect(err).toMatchObject({
          code: 'ConflictJobRevision',
          message: `execution ${execution.ID} has revision 1 but expected 7`,
        });
        expect(err.httpStatus).toBe(409);
      });

      it('refuses unexpected compute or desired states (ConflictJobState)', async () => {
        const compute = await rejection(
          store.updateExecution({
            executionID: execution.ID,
            newValues: { ComputeState: { StateType: 'Running' } },
            condition: { expectedStates: ['BidAccepted', 'Running'] },
          }),
        );
        expect(compute).toMatchObject({
          code: 'ConflictJobState',
          message: `execution ${execution.ID} is in state New, but expected [BidAccepted Running]`,
        });
        const desired = await rejection(
          store.updateExecution({
            executionID: execution.ID,
            newValues: { ComputeState: { StateType: 'Running' } },
            condition: { expectedDesiredStates: ['Running'] },
          }),
        );
        expect(desired).toMatchObject({
          code: 'ConflictJobState',
          message: `execution ${execution.ID} is in state Pending, but expected [Running]`,
        });
        const unexpected = await rejection(
          store.updateExecution({
            executionID: execution.ID,
            newValues: { ComputeState: { StateType: 'Running' } },
            condition: { unexpectedStates: ['New'] },
          }),
        );
        expect(unexpected.message).toBe(`execution ${execution.ID} is in unexpected state New`);
        expect((await store.getExecution(execution.ID)).Revision).toBe(1);
      });

      it('refuses to update an execution in a terminal compute state', async () => {
        await store.updateExecution({
          executionID: execution.ID,
          newValues: { ComputeState: { StateType: 'Completed' }, DesiredState: { StateType: 'Stopped' } },
        });
        const err = await rejection(
          store.updateExecution({
            executionID: execution.ID,
            newValues: { ComputeState: { StateType: 'Failed' } },
          }),
        );
        expect(err).toMatchObject({
          code: 'ConflictJobState',
          message: `execution ${execution.ID} is in terminal state Completed and cannot transition to Failed`,
        });
      });

      it('allows updates while only the desired state is Stopped', async () => {
        await store.updateExecution({
          executionID: execution.ID,
          newValues: { DesiredState: { StateType: 'Stopped' } },
        });
        const cancelled = await store.updateExecution({
          executionID: execution.ID,
          newValues: { ComputeState: { StateType: 'Cancelled' } },
        });
        expect(cancelled.ComputeState.StateType).toBe('Cancelled');
      });

      it('reports unknown executions as NotFound', async () => {
        const err = await rejection(store.updateExecution({ executionID: 'e-none', newValues: {} }));
        expect(err).toMatchObject({ code: 'NotFound', message: 'execution not found: e-none' });
      });
    });

    describe('listExecutions', () => {
      let job: Job;
      let other: Job;
      let v1: Execution[];
      let v2: Execution[];
      let elsewhere: Execution;
      beforeEach(async () => {
        job = await created({ Namespace: 'ns' });
        other = await created();
        v1 = [];
        for (const node of ['n-1', 'n-2']) {
          clock.advance(10);
          v1.push(await store.createExecution(makeExecution(job, { NodeID: node })));
        }
        await store.updateJob(makeJob({ ID: job.ID, Name: job.Name, Namespace: 'ns', Count: 1 }));
        v2 = [];
        for (const node of ['n-1', 'n-3']) {
          clock.advance(10);
          v2.push(await store.createExecution(makeExecution(job, { NodeID: node, JobVersion: 2 })));
        }
        clock.advance(10);
        elsewhere = await store.createExecution(makeExecution(other, { NodeID: 'n-1' }));
      });
      const ids = (list: readonly Execution[]) => list.map((e) => e.ID);

      it("returns the latest version's executions by default, oldest first", async () => {
        expect(ids(await store.listExecutions({ jobID: job.ID }))).toEqual(ids(v2));
        expect(ids(await store.listExecutions({ jobID: job.ID.slice(0, 10) }))).toEqual(ids(v2));
      });

      it('returns every version, or one version', async () => {
        expect(ids(await store.listExecutions({ jobID: job.ID, allJobVersions: true }))).toEqual(
          ids([...v1, ...v2]),
        );
        expect(ids(await store.listExecutions({ jobID: job.ID, jobVersion: 1 }))).toEqual(ids(v1));
        expect(
          ids(await store.listExecutions({ jobID: job.ID, jobVersion: 1, allJobVersions: true })),
        ).toEqual(ids(v1));
      });

      it('orders by modification time and reverses; limits', async () => {
        clock.advance(10);
        await store.updateExecution({
          executionID: v2[0]!.ID,
          newValues: { ComputeState: { StateType: 'Running' } },
        });
        expect(ids(await store.listExecutions({ jobID: job.ID, orderBy: 'modified_at' }))).toEqual(
          ids([v2[1]!, v2[0]!]),
        );
        expect(
          ids(await store.listExecutions({ jobID: job.ID, orderBy: 'modify_time', reverse: true })),
        ).toEqual(ids([v2[0]!, v2[1]!]));
        expect(
          ids(await store.listExecutions({ jobID: job.ID, orderBy: 'create_time', reverse: true })),
        ).toEqual(ids([v2[1]!, v2[0]!]));
        expect(ids(await store.listExecutions({ jobID: job.ID, allJobVersions: true, limit: 3 }))).toEqual(
          ids([...v1, v2[0]!]),
        );
      });

      it('filters by nodes and namespace across jobs', async () => {
        expect(ids(await store.listExecutions({ nodeIDs: ['n-1'], allJobVersions: true }))).toEqual(
          ids([v1[0]!, v2[0]!, elsewhere]),
        );
        expect(ids(await store.listExecutions({ nodeIDs: ['n-1'] }))).toEqual(ids([v2[0]!, elsewhere]));
        expect(ids(await store.listExecutions({ nodeIDs: ['n-2', 'n-3'], allJobVersions: true }))).toEqual(
          ids([v1[1]!, v2[1]!]),
        );
        expect(ids(await store.listExecutions({ nodeIDs: ['n-1'], namespace: 'ns' }))).toEqual(ids([v2[0]!]));
      });

      it('returns in-progress executions only: desired Stopped or a terminal compute state end them', async () => {
        await store.updateExecution({
          executionID: v2[0]!.ID,
          newValues: { DesiredState: { StateType: 'Stopped' } },
        });
        await store.updateExecution({
          executionID: elsewhere.ID,
          newValues: { ComputeState: { StateType: 'BidRejected' } },
        });
        expect(ids(await store.listExecutions({ inProgressOnly: true }))).toEqual(ids([v2[1]!]));
        expect(ids(await store.listExecutions({ inProgressOnly: true, allJobVersions: true }))).toEqual(
          ids([...v1, v2[1]!]),
        );
        expect(
          ids(await store.listExecutions({ inProgressOnly: true, nodeIDs: ['n-1'], allJobVersions: true })),
        ).toEqual(ids([v1[0]!]));
      });

      it('returns executions modified at or after a time', async () => {
        clock.advance(10);
        const since = clock.nanos();
        await store.updateExecution({
          executionID: v1[1]!.ID,
          newValues: { DesiredState: { StateType: 'Stopped' } },
        });
        expect(
          ids(await store.listExecutions({ nodeIDs: ['n-2'], allJobVersions: true, modifiedSince: since })),
        ).toEqual(ids([v1[1]!]));
        expect(
          await store.listExecutions({ nodeIDs: ['n-2'], allJobVersions: true, modifiedSince: since + 1e6 }),
        ).toEqual([]);
      });

      it('attaches the job spec of each execution version when asked', async () => {
        const executions = await store.listExecutions({
          jobID: job.ID,
          allJobVersions: true,
          includeJob: true,
        });
        expect(executions.map((e) => e.Job?.Version)).toEqual([1, 1, 2, 2]);
        expect(executions[0]!.Job).toEqual(await store.getJobVersion(job.ID, 1));
        expect((await store.listExecutions({ jobID: job.ID }))[0]!.Job).toBeUndefined();
      });

      it('refuses queries without a filter, a version without a job, an unknown order', async () => {
        const bare = await rejection(store.listExecutions({}));
        expect(bare).toMatchObject({
          code: 'BadRequest',
          message: 'bad GetExecutions request: JobID, NodeIDs or InProgressOnly must be set',
        });
        const version = await rejection(store.listExecutions({ nodeIDs: ['n-1'], jobVersion: 1 }));
        expect(version.message).toBe('bad GetExecutions request: JobVersion cannot be set without JobID');
        const order = await rejection(store.listExecutions({ jobID: job.ID, orderBy: 'id' as 'created_at' }));
        expect(order.code).toBe('BadRequest');
        expect((await rejection(store.listExecutions({ jobID: 'j-none' }))).code).toBe('NotFound');
      });
    });

    describe('evaluations', () => {
      it('creates with defaults, gets, updates, deletes', async () => {
        const job = await created();
        clock.advance(100);
        const input = makeEvaluation(job, { Status: '', WaitUntil: '', Namespace: '', Type: '' });
        const evaluation = await store.createEvaluation(input);
        expect(evaluation).toEqual({
          ...input,
          Namespace: 'default',
          Type: 'batch',
          Status: 'pending',
          WaitUntil: ZeroTime,
          CreateTime: clock.nanos(),
          ModifyTime: clock.nanos(),
        });
        expect(await store.getEvaluation(input.ID)).toEqual(evaluation);
        clock.advance(100);
        const done = await store.updateEvaluation(input.ID, { Status: 'complete', Comment: 'ok' });
        expect(done).toMatchObject({ Status: 'complete', Comment: 'ok', ModifyTime: clock.nanos() });
        expect(done.CreateTime).toBe(evaluation.CreateTime);
        expect(await store.getEvaluation(input.ID)).toEqual(done);
        await store.deleteEvaluation(input.ID);
        const gone = await rejection(store.getEvaluation(input.ID));
        expect(gone).toMatchObject({ code: 'NotFound', message: `evaluation not found: ${input.ID}` });
      });

      it('refuses unknown jobs, taken IDs; unknown evaluations are NotFound', async () => {
        const job = await created();
        const orphan = await rejection(store.createEvaluation(makeEvaluation(makeJob({ ID: 'j-none' }))));
        expect(orphan.code).toBe('NotFound');
        const evaluation = await store.createEvaluation(makeEvaluation(job));
        const taken = await rejection(store.createEvaluation(makeEvaluation(job, { ID: evaluation.ID })));
        expect(taken).toMatchObject({
          code: 'ResourceInUse',
          message: `evaluation already exists: ${evaluation.ID}`,
        });
        expect((await rejection(store.updateEvaluation('nope', { Status: 'complete' }))).code).toBe(
          'NotFound',
        );
        expect((await rejection(store.deleteEvaluation('nope'))).code).toBe('NotFound');
      });

      it('lists oldest first, by job and by status (broker rebuild)', async () => {
        const a = await created();
        const b = await created();
        const evaluations: Evaluation[] = [];
        for (const job of [a, b, a]) {
          clock.advance(10);
          evaluations.push(await store.createEvaluation(makeEvaluation(job)));
        }
        await store.updateEvaluation(evaluations[1]!.ID, { Status: 'complete' });
        const ids = (list: readonly Evaluation[]) => list.map((e) => e.ID);
        expect(ids(await store.listEvaluations())).toEqual(ids(evaluations));
        expect(ids(await store.listEvaluations({ jobID: a.ID }))).toEqual(
          ids([evaluations[0]!, evaluations[2]!]),
        );
        expect(ids(await store.listEvaluations({ statuses: ['pending', 'blocked'] }))).toEqual(
          ids([evaluations[0]!, evaluations[2]!]),
        );
        expect(ids(await store.listEvaluations({ statuses: ['complete'], jobID: b.ID }))).toEqual(
          ids([evaluations[1]!]),
        );
        expect(await store.listEvaluations({ statuses: [] })).toEqual([]);
      });
    });

    describe('job history', () => {
      it('numbers entries densely per job from 1, across transactions', async () => {
        const a = await created();
        const b = await created();
        const first = await store.addJobHistory(a.ID, 1, [makeEvent('one'), makeEvent('two')]);
        const other = await store.addJobHistory(b.ID, 1, [makeEvent('b-one')]);
        const third = await store.addExecutionHistory(a.ID, 1, 'e-1', [makeEvent('three', 'Execution')]);
        await store.transaction((tx) => {
          tx.addJobHistory(a.ID, 0, [makeEvent('four')]);
          tx.addJobHistory(a.ID, 0, [makeEvent('five')]);
        });
        expect(first.map((h) => h.SeqNum)).toEqual([1, 2]);
        expect(other.map((h) => h.SeqNum)).toEqual([1]);
        expect(third.map((h) => h.SeqNum)).toEqual([3]);
        const history = await store.getJobHistory(a.ID);
        expect(history.items.map((h) => h.SeqNum)).toEqual([1, 2, 3, 4, 5]);
        expect(history.items.map((h) => h.Event.Message)).toEqual(['one', 'two', 'three', 'four', 'five']);
        expect(await store.addJobHistory(a.ID, 1, [])).toEqual([]);
      });

      it('stamps Time from the clock, keeps a given Timestamp, defaults the version to the current one', async () => {
        const job = await created();
        clock.advance(1500);
        const [entry, kept] = await store.addJobHistory(job.ID, 0, [
          makeEvent('now', 'Scheduling', { NodeID: 'n-1' }),
          { ...makeEvent('then'), Timestamp: '2023-06-01T00:00:00Z' },
        ]);
        expect(entry?.ExecutionID ?? '').toBe('');
        expect(entry).toMatchObject({
          SeqNum: 1,
          Type: 'JobLevel',
          JobID: job.ID,
          JobVersion: 1,
          Event: {
            Message: 'now',
            Topic: 'Scheduling',
            Timestamp: '2024-01-01T00:00:02.5Z',
            Details: { NodeID: 'n-1' },
          },
          Time: '2024-01-01T00:00:02.5Z',
        });
        expect(kept?.Event.Timestamp).toBe('2023-06-01T00:00:00Z');
        const [execEntry] = await store.addExecutionHistory(job.ID, 0, 'e-9', [makeEvent('x', 'Execution')]);
        expect(execEntry).toMatchObject({ Type: 'ExecutionLevel', ExecutionID: 'e-9', JobVersion: 1 });
      });

      it('refuses entries for unknown jobs', async () => {
        expect((await rejection(store.addJobHistory('j-none', 1, [makeEvent('x')]))).code).toBe('NotFound');
        expect((await rejection(store.addExecutionHistory('j-none', 1, 'e', [makeEvent('x')]))).code).toBe(
          'NotFound',
        );
        expect((await rejection(store.getJobHistory('j-none'))).code).toBe('NotFound');
      });

      describe('getJobHistory', () => {
        let job: Job;
        beforeEach(async () => {
          job = await store.createJob(makeJob({ Name: 'h' }), { history: [makeEvent('Job submitted')] }); // 1 (v1)
          await store.addExecutionHistory(job.ID, 1, 'e-aaa1', [makeEvent('v1 exec', 'Execution')]); // 2 (v1)
          clock.advance(10_000);
          await store.updateJob(makeJob({ ID: job.ID, Name: 'h' }));
          await store.addJobHistory(job.ID, 2, [makeEvent('Job updated')]); // 3 (v2)
          await store.addExecutionHistory(job.ID, 2, 'e-bbb1', [makeEvent('b1', 'Execution')]); // 4
          await store.addExecutionHistory(job.ID, 2, 'e-bbb2', [makeEvent('b2', 'Execution')]); // 5
          await store.addExecutionHistory(job.ID, 2, 'e-ccc1', [makeEvent('c1', 'Execution')]); // 6
        });
        const seqs = (page: { items: { SeqNum: number }[] }) => page.items.map((h) => h.SeqNum);

        it("returns the latest version's entries by default, every version, or one version", async () => {
          expect(seqs(await store.getJobHistory(job.ID))).toEqual([3, 4, 5, 6]);
          expect(seqs(await store.getJobHistory(job.ID, { allJobVersions: true }))).toEqual([
            1, 2, 3, 4, 5, 6,
          ]);
          expect(seqs(await store.getJobHistory(job.ID, { jobVersion: 1 }))).toEqual([1, 2]);
          expect(seqs(await store.getJobHistory(job.ID.slice(0, 10), { jobVersion: 1 }))).toEqual([1, 2]);
        });

        it('filters by level, execution ID prefix and time', async () => {
          const q = { allJobVersions: true };
          expect(seqs(await store.getJobHistory(job.ID, { ...q, excludeExecutionLevel: true }))).toEqual([
            1, 3,
          ]);
          expect(seqs(await store.getJobHistory(job.ID, { ...q, excludeJobLevel: true }))).toEqual([
            2, 4, 5, 6,
          ]);
          expect(seqs(await store.getJobHistory(job.ID, { ...q, executionID: 'e-bbb' }))).toEqual([4, 5]);
          expect(seqs(await store.getJobHistory(job.ID, { ...q, executionID: 'e-bbb2' }))).toEqual([5]);
          const since = Math.floor(clock.now() / 1000);
          expect(seqs(await store.getJobHistory(job.ID, { ...q, since }))).toEqual([3, 4, 5, 6]);
          expect(seqs(await store.getJobHistory(job.ID, { ...q, since: since + 1 }))).toEqual([]);
        });

        it('pages with limit and offset; next continues while the job is not terminal', async () => {
          const q = { allJobVersions: true, limit: 4 };
          const first = await store.getJobHistory(job.ID, q);
          expect(seqs(first)).toEqual([1, 2, 3, 4]);
          expect(first.next).toBe(5);
          const second = await store.getJobHistory(job.ID, { ...q, offset: first.next });
          expect(seqs(second)).toEqual([5, 6]);
          expect(second.next).toBe(7);
          const empty = await store.getJobHistory(job.ID, { ...q, offset: second.next });
          expect(empty).toEqual({ items: [], next: 7 });

          await store.updateJobState({ jobID: job.ID, newState: 'Completed' });
          const done = await store.getJobHistory(job.ID, { ...q, offset: second.next });
          expect(done).toEqual({ items: [] });
          const last = await store.getJobHistory(job.ID, { ...q, offset: 5 });
          expect(seqs(last)).toEqual([5, 6]);
          expect(last.next).toBeUndefined();
          const full = await store.getJobHistory(job.ID, { ...q, offset: 3, limit: 2 });
          expect(seqs(full)).toEqual([3, 4]);
          expect(full.next).toBe(5);
        });

        it("continues while a terminal job's execution awaits the job's evaluation (a stop's cancellations follow it)", async () => {
          const running = await store.createExecution(makeExecution(job, { ID: 'e-ddd1', JobVersion: 2 }));
          await store.updateJobState({ jobID: job.ID, newState: 'Stopped' });
          const q = { allJobVersions: true, offset: 7 };
          // no evaluation to stop it (one that failed, say): nothing more will come
          expect(await store.getJobHistory(job.ID, q)).toEqual({ items: [] });
          const failed = await store.createEvaluation(makeEvaluation(job, { TriggeredBy: 'job-cancel' }));
          expect(await store.getJobHistory(job.ID, q)).toEqual({ items: [], next: 7 });
          await store.updateEvaluation(failed.ID, { Status: 'failed' });
          expect(await store.getJobHistory(job.ID, q)).toEqual({ items: [] });
          await store.createEvaluation(makeEvaluation(job, { TriggeredBy: 'job-cancel' }));
          expect(await store.getJobHistory(job.ID, q)).toEqual({ items: [], next: 7 });
          await store.updateExecution({
            executionID: running.ID,
            newValues: { ComputeState: { StateType: 'Cancelled' } },
            events: [makeEvent('cancelled', 'Scheduling')],
          });
          const last = await store.getJobHistory(job.ID, q);
          expect(seqs(last)).toEqual([7]);
          expect(last.next).toBeUndefined();
        });

        it('continues while a matching execution is not terminal when filtering by execution', async () => {
          const bbb1 = await store.createExecution(makeExecution(job, { ID: 'e-bbb1', JobVersion: 2 }));
          const q = { executionID: 'e-bbb1', offset: 5 };
          expect((await store.getJobHistory(job.ID, q)).next).toBe(5);
          await store.updateExecution({
            executionID: bbb1.ID,
            newValues: { ComputeState: { StateType: 'Completed' } },
          });
          expect((await store.getJobHistory(job.ID, q)).next).toBeUndefined();
          // No such execution: NotFound, as Go answers once the entries run out.
          const err = await rejection(store.getJobHistory(job.ID, { executionID: 'e-zzz' }));
          expect([err.code, err.message]).toEqual(['NotFound', 'execution not found: e-zzz']);
        });
      });
    });

    describe('nodes', () => {
      it('keeps the InstanceID a node connected from, across puts, until the node is deleted', async () => {
        await store.putNode(makeNode('n-inst'));
        expect(await store.getNodeInstance('n-inst')).toBe('');
        await store.setNodeInstance('n-inst', 'dir-a');
        await store.putNode(makeNode('n-inst')); // a heartbeat write leaves it alone
        expect(await store.getNodeInstance('n-inst')).toBe('dir-a');
        await store.deleteNode('n-inst');
        expect(await store.getNodeInstance('n-inst')).toBe('');
        await expect(store.setNodeInstance('n-inst', 'dir-b')).rejects.toMatchObject({ code: 'NotFound' });
      });

      it('puts, gets by ID or unique prefix, replaces, lists in ID order, deletes', async () => {
        const b = makeNode('n-bbb');
        const a = makeNode('n-aaa1');
        await store.putNode(b);
        await store.putNode(a);
        await store.putNode(makeNode('n-aaa2'));
        expect(await store.getNode('n-bbb')).toMatchObject(b);
        expect((await store.getNode('n-b')).Info.NodeID).toBe('n-bbb');
        expect((await store.listNodes()).map((n) => n.Info.NodeID)).toEqual(['n-aaa1', 'n-aaa2', 'n-bbb']);
        const rejected = makeNode('n-bbb', { Membership: 'REJECTED' });
        await store.putNode(rejected);
        expect((await store.getNode('n-bbb')).Membership).toBe('REJECTED');
        expect((await store.listNodes((n) => n.Membership === 'APPROVED')).map((n) => n.Info.NodeID)).toEqual(
          ['n-aaa1', 'n-aaa2'],
        );
        expect(await store.deleteNode('n-aaa2')).toBe(true);
        expect(await store.deleteNode('n-aaa2')).toBe(false);
        expect((await store.listNodes()).map((n) => n.Info.NodeID)).toEqual(['n-aaa1', 'n-bbb']);
      });

      it('reports unknown IDs (NotFound) and ambiguous prefixes (MultipleNodesFound, 409)', async () => {
        for (const id of ['n-1', 'n-2', 'n-3', 'n-4']) await store.putNode(makeNode(id));
        const missing = await rejection(store.getNode('n-9'));
        expect(missing).toMatchObject({
          code: 'NotFound',
          message: 'node not found: n-9',
          component: 'NodesManager',
        });
        expect((await rejection(store.getNode(''))).code).toBe('NotFound');
        const ambiguous = await rejection(store.getNode('n-'));
        expect(ambiguous).toMatchObject({
          code: 'MultipleNodesFound',
          message: 'multiple nodes found for prefix: n-, matching IDs: [n-1 n-2 n-3 ...]',
          hint: 'Use a more specific node ID prefix',
        });
        expect(ambiguous.httpStatus).toBe(409);
      });

      it('refuses a node without ID (BadRequest)', async () => {
        const node = makeNode('');
        expect((await rejection(store.putNode(node))).code).toBe('BadRequest');
      });
    });

    describe('transaction', () => {
      it('applies a whole plan atomically and returns its result', async () => {
        const job = await created();
        const execution = await store.createExecution(makeExecution(job));
        const evaluation = await store.createEvaluation(makeEvaluation(job));
        const result = await store.transaction((tx) => {
          tx.updateExecution({
            executionID: execution.ID,
            newValues: { DesiredState: { StateType: 'Running' }, ComputeState: { StateType: 'BidAccepted' } },
            condition: { expectedRevision: 1 },
            events: [makeEvent('Requested execution', 'Scheduling')],
          });
          const current = tx.getJob(job.ID);
          tx.updateJobState({
            jobID: job.ID,
            newState: 'Running',
            condition: { expectedRevision: current.Revision },
          });
          tx.updateEvaluation(evaluation.ID, { Status: 'complete' });
          return tx.getExecution(execution.ID).Revision;
        });
        expect(result).toBe(2);
        expect((await store.getJob(job.ID)).State.StateType).toBe('Running');
        expect((await store.getEvaluation(evaluation.ID)).Status).toBe('complete');
        expect((await store.getJobHistory(job.ID)).items).toHaveLength(1);
      });

      it('rolls everything back when any write fails, and rejects with that error', async () => {
        const job = await created();
        const execution = await store.createExecution(makeExecution(job));
        const evaluation = await store.createEvaluation(makeEvaluation(job));
        const newExecution = makeExecution(job);
        const err = await rejection(
          store.transaction((tx) => {
            tx.createExecution(newExecution);
            tx.updateExecution({
              executionID: execution.ID,
              newValues: { ComputeState: { StateType: 'Cancelled' } },
              events: [makeEvent('cancelled')],
            });
            tx.updateJobState({ jobID: job.ID, newState: 'Stopped' });
            tx.updateEvaluation(evaluation.ID, { Status: 'complete' });
            tx.createEvaluation(makeEvaluation(job));
            tx.putNode(makeNode('n-tx'));
            tx.updateJobState({ jobID: job.ID, newState: 'Running', condition: { expectedRevision: 1 } });
          }),
        );
        expect(err.code).toBe('ConflictJobRevision');
        expect((await store.getJob(job.ID)).State.StateType).toBe('Pending');
        expect((await store.getExecution(execution.ID)).ComputeState.StateType).toBe('New');
        expect((await rejection(store.getExecution(newExecution.ID))).code).toBe('NotFound');
        expect((await store.getEvaluation(evaluation.ID)).Status).toBe('pending');
        expect(await store.listEvaluations({ jobID: job.ID })).toHaveLength(1);
        expect((await store.getJobHistory(job.ID)).items).toEqual([]);
        expect((await rejection(store.getNode('n-tx'))).code).toBe('NotFound');
        // The sequence continues from what was committed.
        expect((await store.addJobHistory(job.ID, 1, [makeEvent('after')]))[0]?.SeqNum).toBe(1);
      });

      it('keeps concurrent transactions independent: one failing undoes only its own writes', async () => {
        const batches: StoreChangeType[][] = [];
        store.onChange((changes) => batches.push(changes.map((c) => c.type)));
        const jobs = Array.from({ length: 20 }, () => makeJob());
        const duplicate = jobs[7]!;
        // All issued in the same turn, without awaiting: the store may commit them together.
        const results = await Promise.allSettled([
          ...jobs.map((job) => store.createJob(job)),
          store.transaction((tx) => {
            tx.addJobHistory(duplicate.ID, 1, [makeEvent('written, then undone')]);
            tx.createJob(duplicate);
          }),
          store.transaction((tx) => tx.createEvaluation(makeEvaluation(jobs[0]!))),
        ]);
        expect(results.map((r) => r.status)).toEqual([
          ...jobs.map(() => 'fulfilled'),
          'rejected',
          'fulfilled',
        ]);
        for (const job of jobs) expect((await store.getJob(job.ID)).ID).toBe(job.ID);
        expect((await store.getJobHistory(duplicate.ID)).items).toEqual([]);
        // One notification per committed transaction, in call order.
        expect(batches).toEqual([...jobs.map(() => ['JobCreated']), ['EvaluationCreated']]);
      });

      it('commits writes already accepted when closed', async () => {
        const job = makeJob();
        const write = store.createJob(job);
        await store.close();
        await expect(write).resolves.toMatchObject({ ID: job.ID });
      });

      it('rolls back on an error thrown by the callback itself', async () => {
        const input = makeJob();
        const boom = new Error('planner bug');
        await expect(
          store.transaction((tx) => {
            tx.createJob(input);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect((await rejection(store.getJob(input.ID))).code).toBe('NotFound');
      });

      it('refuses an async callback and rolls back its synchronous part', async () => {
        const input = makeJob();
        await expect(
          store.transaction(async (tx) => {
            tx.createJob(input);
            await Promise.resolve();
          }),
        ).rejects.toThrow(/synchronous/u);
        expect((await rejection(store.getJob(input.ID))).code).toBe('NotFound');
      });

      it('refuses nesting, and handles used after the transaction', async () => {
        let nested: Promise<unknown> | undefined;
        let handle: { getJob(id: string): Job } | undefined;
        await store.transaction((tx) => {
          nested = store.transaction(() => 1);
          handle = tx;
        });
        await expect(nested).rejects.toThrow(/nest/u);
        expect(() => handle?.getJob('x')).toThrow(/ended/u);
      });

      it('reads a consistent snapshot; a read handle cannot write', async () => {
        const job = await created();
        await store.createExecution(makeExecution(job));
        const view = await store.read((tx) => ({
          job: tx.getJob(job.ID),
          executions: tx.listExecutions({ jobID: job.ID }),
          nodes: tx.listNodes(),
        }));
        expect(view.job.ID).toBe(job.ID);
        expect(view.executions).toHaveLength(1);
        await expect(
          store.read((tx) => (tx as unknown as { putNode(n: NodeState): void }).putNode(makeNode('n-r'))),
        ).rejects.toThrow(/cannot write/u);
      });
    });

    describe('onChange', () => {
      it('delivers one batch per committed transaction, in write order, after the commit', async () => {
        const batches: (readonly StoreChange[])[] = [];
        let visible: boolean | undefined;
        const input = makeJob();
        store.onChange((changes) => {
          batches.push(changes);
          // Listeners run after the commit: the store already shows the change.
          void store.getJob(input.ID).then(
            () => (visible ??= true),
            () => (visible = false),
          );
        });
        const evaluation = makeEvaluation(input);
        await store.createJob(input, { history: [makeEvent('Job submitted')], evaluation });
        expect(batches).toHaveLength(1);
        expect(batches[0]!.map((c) => c.type)).toEqual([
          'JobCreated',
          'HistoryAppended',
          'EvaluationCreated',
        ]);
        await Promise.resolve();
        expect(visible).toBe(true);

        const execution = await store.createExecution(makeExecution(await store.getJob(input.ID)));
        await store.transaction((tx) => {
          tx.updateExecution({
            executionID: execution.ID,
            newValues: { ComputeState: { StateType: 'AskForBidAccepted' } },
            events: [makeEvent('bid accepted', 'Execution')],
          });
          tx.updateJobState({ jobID: input.ID, newState: 'Running' });
          tx.updateEvaluation(evaluation.ID, { Status: 'complete' });
          tx.putNode(makeNode('n-1'));
          tx.putNode(makeNode('n-1', { Membership: 'REJECTED' }));
          tx.deleteNode('n-1');
        });
        expect(batches).toHaveLength(3);
        const plan = batches[2]!;
        expect(plan.map((c) => c.type)).toEqual([
          'ExecutionUpdated',
          'HistoryAppended',
          'JobStateUpdated',
          'EvaluationUpdated',
          'NodeUpdated',
          'NodeUpdated',
          'NodeDeleted',
        ]);
        const [executionChange, , jobChange, , firstPut, secondPut] = plan;
        expect(executionChange).toMatchObject({
          execution: { ID: execution.ID, ComputeState: { StateType: 'AskForBidAccepted' }, Revision: 2 },
          previous: { ID: execution.ID, ComputeState: { StateType: 'New' }, Revision: 1 },
          events: [{ Message: 'bid accepted' }],
        });
        expect(jobChange).toMatchObject({
          job: { State: { StateType: 'Running' } },
          previous: { State: { StateType: 'Pending' } },
        });
        expect(firstPut).not.toHaveProperty('previous');
        expect(secondPut).toMatchObject({
          previous: { Membership: 'APPROVED' },
          node: { Membership: 'REJECTED' },
        });
      });

      it('reports job updates, deletions, evaluation deletions', async () => {
        const types: string[] = [];
        store.onChange((changes) => types.push(...changes.map((c) => c.type)));
        const job = await created();
        await store.updateJob(makeJob({ ID: job.ID, Name: job.Name }));
        const evaluation = await store.createEvaluation(makeEvaluation(job));
        await store.deleteEvaluation(evaluation.ID);
        await store.deleteJob(job.ID);
        expect(types).toEqual([
          'JobCreated',
          'JobUpdated',
          'EvaluationCreated',
          'EvaluationDeleted',
          'JobDeleted',
        ]);
      });

      it('says nothing about rolled-back transactions, reads, or transactions without writes', async () => {
        const batches: unknown[] = [];
        store.onChange((changes) => batches.push(changes));
        await rejection(store.createJob(makeJob({ Tasks: [] })));
        await store.transaction((tx) => tx.listNodes());
        await store.listJobs();
        expect(await store.deleteNode('n-none')).toBe(false);
        await expect(
          store.transaction((tx) => {
            tx.putNode(makeNode('n-1'));
            throw new Error('no');
          }),
        ).rejects.toThrow('no');
        expect(batches).toEqual([]);
      });

      it('isolates listeners: unsubscribing, throwing, mutating', async () => {
        const seen: string[] = [];
        const unsubscribe = store.onChange(() => seen.push('first'));
        store.onChange(() => {
          throw new Error('listener bug');
        });
        store.onChange((changes) => {
          seen.push('third');
          const change = changes[0];
          if (change?.type === 'JobCreated') change.job.Name = 'mutated';
        });
        const job = await created();
        expect(seen).toEqual(['first', 'third']);
        expect(listenerErrors).toHaveLength(1);
        expect((await store.getJob(job.ID)).Name).toBe(job.ID);
        unsubscribe();
        await created();
        expect(seen).toEqual(['first', 'third', 'third']);
      });

      it('delivers batches in commit order when a listener writes', async () => {
        const seen: string[] = [];
        store.onChange((changes) => {
          seen.push(`a:${changes[0]!.type}`);
          if (changes[0]!.type === 'JobCreated') void store.putNode(makeNode('n-from-listener'));
        });
        store.onChange((changes) => seen.push(`b:${changes[0]!.type}`));
        await created();
        expect(seen).toEqual(['a:JobCreated', 'b:JobCreated', 'a:NodeUpdated', 'b:NodeUpdated']);
        expect((await store.getNode('n-from-listener')).Info.NodeID).toBe('n-from-listener');
      });

      it('gives listeners values the caller cannot change afterwards', async () => {
        let change: StoreChange | undefined;
        store.onChange((changes) => (change = changes[0]));
        const job = await store.transaction((tx) => {
          const created = tx.createJob(makeJob({ Labels: { a: '1' } }));
          created.Labels['a'] = 'changed by caller';
          return created;
        });
        expect(job.Labels['a']).toBe('changed by caller');
        expect(change).toMatchObject({ type: 'JobCreated', job: { Labels: { a: '1' } } });
      });
    });

    describe('returned values', () => {
      it('are copies: mutating one does not change the store', async () => {
        const job = await created({ Labels: { a: '1' } });
        job.Labels['a'] = '2';
        const read = await store.getJob(job.ID);
        expect(read.Labels['a']).toBe('1');
        read.Tasks[0]!.Name = 'x';
        expect((await store.getJob(job.ID)).Tasks[0]!.Name).toBe('main');
      });
    });

    describe('lifecycle', () => {
      it('closes idempotently; every method then fails with ServiceUnavailable', async () => {
        const job = await created();
        expect(store.state).toBe('open');
        await store.close();
        await store.close();
        expect(store.state).toBe('closed');
        const err = await rejection(store.getJob(job.ID));
        expect(err).toMatchObject({ code: 'ServiceUnavailable' });
        expect((await rejection(store.createJob(makeJob()))).code).toBe('ServiceUnavailable');
        expect((await rejection(store.transaction(() => 1))).code).toBe('ServiceUnavailable');
      });
    });
  });
}
