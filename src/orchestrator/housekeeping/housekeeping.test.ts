import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import type { BacalhauError } from '../../models/index.js';
import {
  ErrorCode,
  ZeroTime,
  type Evaluation,
  type ExecutionStateType,
  type Job,
  type TimeoutConfig,
} from '../../models/index.js';
import { SqliteJobStore } from '../../store/index.js';
import { makeExecution, makeJob } from '../../store/store.contract.js';
import { Housekeeping } from './housekeeping.js';
import type { HousekeepingOptions, HousekeepingPass } from './options.js';

const Interval = 30_000;
const Buffer = 120_000;
/** For tests that call runOnce themselves: no timer-driven pass gets in the way. */
const Manual = { intervalMs: 365 * 24 * 3600_000 };

let clock: ManualClock;
let store: SqliteJobStore;
let passes: HousekeepingPass[];
let errors: unknown[];
const started: Housekeeping[] = [];

beforeEach(async () => {
  clock = new ManualClock();
  store = await SqliteJobStore.create({ path: ':memory:', clock });
  passes = [];
  errors = [];
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((h) => h.stop()));
  await store.close();
});

async function start(over: Partial<HousekeepingOptions> = {}): Promise<Housekeeping> {
  let n = 0;
  const housekeeping = await Housekeeping.create({
    store,
    clock,
    intervalMs: Interval,
    timeoutBufferMs: Buffer,
    newEvaluationId: () => `v-${++n}`,
    onPass: (pass) => passes.push(pass),
    onError: (err) => errors.push(err),
    ...over,
  });
  started.push(housekeeping);
  return housekeeping;
}

async function createJob(type: string, timeouts?: TimeoutConfig, over: Partial<Job> = {}): Promise<Job> {
  const job = makeJob({
    Type: type,
    Count: type === 'batch' || type === 'service' ? 1 : 0,
    Priority: 40,
    Tasks: [
      {
        Name: 'main',
        Engine: { Type: 'docker', Params: { Image: 'ubuntu:24.04' } },
        ...(timeouts === undefined ? {} : { Timeouts: timeouts }),
      },
    ],
    ...over,
  });
  return store.createJob(job);
}

async function addExecution(job: Job, state: ExecutionStateType, nodeID = 'n-1'): Promise<string> {
  const desired = state === 'AskForBidAccepted' || state === 'New' ? 'Pending' : 'Running';
  const execution = await store.createExecution(
    makeExecution(job, {
      NodeID: nodeID,
      ComputeState: { StateType: state },
      DesiredState: { StateType: desired },
    }),
  );
  return execution.ID;
}

const evaluationsOf = async (jobID: string): Promise<Evaluation[]> => store.listEvaluations({ jobID });
const summary = (evaluations: readonly Evaluation[]) =>
  evaluations.map((e) => `${e.JobID} ${e.TriggeredBy}: ${e.Comment}`);

describe('Housekeeping', () => {
  it('raises a job-timeout evaluation once TotalTimeout plus the buffer has passed', async () => {
    const job = await createJob('batch', { TotalTimeout: 60 });
    await start();

    // Ticks at 30 s, 60 s, …, 180 s: at 180 s the job is exactly 60 s + 2 m old, which is not past it.
    await clock.advanceAsync(180_000);
    expect(passes).toHaveLength(6);
    expect(await evaluationsOf(job.ID)).toEqual([]);

    const transaction = vi.spyOn(store, 'transaction');
    await clock.advanceAsync(Interval);
    expect(passes).toHaveLength(7);
    // a background write: no request waits for it
    expect(transaction).toHaveBeenCalledWith(expect.any(Function), { background: true });
    const evaluations = await evaluationsOf(job.ID);
    expect(evaluations).toEqual([
      {
        ID: 'v-1',
        Namespace: 'default',
        JobID: job.ID,
        TriggeredBy: 'job-timeout',
        Priority: 40,
        Type: 'batch',
        Status: 'pending',
        Comment: `job ${job.ID} timed out`,
        WaitUntil: ZeroTime,
        CreateTime: clock.now() * 1e6,
        ModifyTime: clock.now() * 1e6,
      },
    ]);
    expect(passes.at(-1)).toEqual({ time: clock.now(), jobsChecked: 1, evaluations });
    expect(errors).toEqual([]);
  });

  it('raises one exec-timeout evaluation per job for executing executions past their timeout', async () => {
    const job = await createJob('batch', { ExecutionTimeout: 60 });
    const other = await createJob('ops', { ExecutionTimeout: 60 });
    const first = await addExecution(job, 'BidAccepted', 'n-1');
    await addExecution(job, 'Running', 'n-2');
    // Waiting for approval is not executing: never timed out by housekeeping.
    await addExecution(other, 'AskForBidAccepted', 'n-1');
    const housekeeping = await start(Manual);

    clock.advance(Buffer + 60_000);
    expect(summary((await housekeeping.runOnce()).evaluations)).toEqual([]);

    clock.advance(1);
    const pass = await housekeeping.runOnce();
    expect(pass.jobsChecked).toBe(2);
    expect(summary(pass.evaluations)).toEqual([`${job.ID} exec-timeout: execution ${first} timed out`]);
    expect(await evaluationsOf(other.ID)).toEqual([]);
  });

  it('measures executions from their last change and falls back to TotalTimeout', async () => {
    // No ExecutionTimeout: the execution timeout is the total timeout, but the job times out first.
    const job = await createJob('batch', { TotalTimeout: 300 });
    const executionID = await addExecution(job, 'AskForBidAccepted');
    clock.advance(200_000);
    await store.updateExecution({
      executionID,
      newValues: { ComputeState: { StateType: 'BidAccepted' }, DesiredState: { StateType: 'Running' } },
    });
    const housekeeping = await start(Manual);

    clock.advance(300_000 + Buffer - 200_000 + 1);
    expect(summary((await housekeeping.runOnce()).evaluations)).toEqual([
      `${job.ID} job-timeout: job ${job.ID} timed out`,
    ]);
  });

  it('leaves service and daemon jobs, terminal jobs and jobs without timeouts alone', async () => {
    const service = await createJob('service');
    const daemon = await createJob('daemon');
    const untimed = await createJob('batch');
    const completed = await createJob('batch', { TotalTimeout: 10 });
    await store.updateJobState({ jobID: completed.ID, newState: 'Completed' });
    for (const job of [service, daemon, untimed]) await addExecution(job, 'Running');
    const housekeeping = await start(Manual);

    clock.advance(24 * 3600_000);
    const pass = await housekeeping.runOnce();
    expect(pass.jobsChecked).toBe(1); // the untimed batch job; the others are not in progress or long-running
    expect(pass.evaluations).toEqual([]);
    expect(await store.listEvaluations()).toEqual([]);
  });

  it('does not pile up evaluations while one it raised is still pending', async () => {
    const job = await createJob('batch', { TotalTimeout: 10 });
    await start();

    await clock.advanceAsync(Buffer + Interval);
    await clock.advanceAsync(3 * Interval);
    expect(summary(await evaluationsOf(job.ID))).toEqual([`${job.ID} job-timeout: job ${job.ID} timed out`]);

    // The scheduler processed it but the job is still not terminal (e.g. a failed plan): raise again.
    await store.updateEvaluation('v-1', { Status: 'complete' });
    await clock.advanceAsync(Interval);
    expect((await evaluationsOf(job.ID)).map((e) => `${e.ID} ${e.Status}`)).toEqual([
      'v-1 complete',
      'v-2 pending',
    ]);
  });

  it('does not read jobs younger than the buffer, which cannot be late yet', async () => {
    const old = await createJob('batch', { TotalTimeout: 10 });
    clock.advance(Buffer);
    const young = await createJob('ops', { TotalTimeout: 10 });
    const housekeeping = await start(Manual);

    clock.advance(10_001);
    const pass = await housekeeping.runOnce();
    expect(pass.jobsChecked).toBe(1);
    expect(pass.evaluations.map((e) => e.JobID)).toEqual([old.ID]);

    clock.advance(Buffer);
    const later = await housekeeping.runOnce();
    expect(later.evaluations.map((e) => e.JobID)).toEqual([young.ID]);
  });

  it('covers every in-progress job across pages', async () => {
    const jobs: Job[] = [];
    for (let i = 0; i < 5; i++) jobs.push(await createJob('batch', { TotalTimeout: 10 }));
    await createJob('daemon'); // filtered out before paging
    const housekeeping = await start({ ...Manual, pageSize: 2 });

    clock.advance(Buffer + 10_001);
    const pass = await housekeeping.runOnce();
    expect(pass.jobsChecked).toBe(5);
    expect(pass.evaluations.map((e) => e.JobID).sort()).toEqual(jobs.map((j) => j.ID).sort());
  });

  it('reports a failed pass to onError and keeps its schedule', async () => {
    await start();
    await store.close();
    await clock.advanceAsync(Interval);
    expect(errors).toHaveLength(1);
    expect((errors[0] as BacalhauError).code).toBe(ErrorCode.ServiceUnavailable);
    expect(clock.pendingTimers).toBe(1);
    store = await SqliteJobStore.create({ path: ':memory:', clock }); // for afterEach
  });

  it('stops idempotently: no timer left, the pass in flight finishes, runOnce refused', async () => {
    await createJob('batch', { TotalTimeout: 10 });
    const housekeeping = await start(Manual);
    clock.advance(Buffer + 10_001);
    const inFlight = housekeeping.runOnce();
    const stopping = housekeeping.stop();
    expect(housekeeping.state).toBe('stopping');
    await Promise.all([stopping, housekeeping.stop()]);
    expect(housekeeping.state).toBe('stopped');
    expect((await inFlight).evaluations).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    await expect(housekeeping.runOnce()).rejects.toMatchObject({ code: ErrorCode.ServiceUnavailable });
  });

  it('refuses invalid options, naming every problem', async () => {
    await expect(
      Housekeeping.create({ store, intervalMs: 0, timeoutBufferMs: -1, pageSize: 0.5 }),
    ).rejects.toThrow(
      'error validating housekeeping params: interval must be greater than zero: 0; ' +
        'timeout buffer must be a finite number >= 0: -1; page size must be an integer >= 1: 0.5',
    );
  });
});
