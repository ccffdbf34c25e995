import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import {
  BacalhauError,
  appendApprovedExecution,
  appendNewExecution,
  appendStoppedExecution,
  markJobQueued,
  markJobRunningIfEligible,
  newPlan,
  type Evaluation,
  type Execution,
  type Job,
  type Plan,
} from '../../models/index.js';
import { SqliteJobStore, type StoreChange } from '../../store/index.js';
import { makeEvaluation, makeExecution, makeJob } from '../../store/store.contract.js';
import { OrchestratorEvents } from '../events.js';
import { newDelayedEvaluation } from '../scheduler/index.js';
import { applyPlan, writePlan } from './state-updater.js';

const events = new OrchestratorEvents(() => new Date(Date.UTC(2024, 0, 1)));

let clock: ManualClock;
let store: SqliteJobStore;
let job: Job;
let evaluation: Evaluation;
let changes: StoreChange[];

beforeEach(async () => {
  clock = new ManualClock();
  store = await SqliteJobStore.create({ path: ':memory:', clock });
  evaluation = makeEvaluation(makeJob());
  job = await store.createJob(makeJob({ ID: evaluation.JobID }), { evaluation });
  evaluation = await store.getEvaluation(evaluation.ID);
  clock.advance(1000);
  changes = [];
  store.onChange((batch) => changes.push(...batch));
});

afterEach(async () => {
  await store.close();
});

/** An execution already in the store, as a scheduler would have read it. */
async function storedExecution(overrides: Partial<Execution> = {}): Promise<Execution> {
  const created = await store.createExecution(makeExecution(job, overrides));
  changes = [];
  return created;
}

async function history(): Promise<string[]> {
  const page = await store.getJobHistory(job.ID, { allJobVersions: true });
  return page.items.map(
    (h) =>
      `${h.SeqNum} ${h.Type} v${h.JobVersion} ${h.ExecutionID === undefined || h.ExecutionID === '' ? '-' : h.ExecutionID} ${h.Event.Topic}: ${h.Event.Message}`,
  );
}

async function snapshot(): Promise<unknown> {
  return store.read((tx) => ({
    job: tx.getJob(job.ID),
    executions: tx.listExecutions({ jobID: job.ID, allJobVersions: true }),
    evaluations: tx.listEvaluations({ jobID: job.ID }),
    history: tx.getJobHistory(job.ID, { allJobVersions: true }).items,
  }));
}

function newExecutionFor(nodeID: string, overrides: Partial<Execution> = {}): Execution {
  return makeExecution(job, { NodeID: nodeID, EvalID: evaluation.ID, Job: job, ...overrides });
}

describe('applyPlan', () => {
  it("is a background write: a request's write of the same turn commits first", async () => {
    const plan = newPlan(evaluation, job);
    const execution = newExecutionFor('n-1');
    appendNewExecution(plan, execution, events.execCreated(execution));
    const submitted = makeJob();

    await Promise.all([applyPlan(store, plan), store.createJob(submitted)]);

    const order = changes.flatMap((c) =>
      c.type === 'JobCreated' || c.type === 'ExecutionCreated' ? [c.type] : [],
    );
    expect(order).toEqual(['JobCreated', 'ExecutionCreated']);
  });

  it('creates new executions without their embedded job, with their events in the history', async () => {
    const plan = newPlan(evaluation, job);
    const execution = newExecutionFor('n-1');
    appendNewExecution(plan, execution, events.execCreated(execution));

    const applied = await applyPlan(store, plan);

    expect(applied.createdExecutions.map((e) => e.ID)).toEqual([execution.ID]);
    const stored = await store.getExecution(execution.ID);
    expect(stored.Job).toBeUndefined();
    expect(stored.NodeID).toBe('n-1');
    expect(stored.DesiredState.StateType).toBe('Pending');
    expect(stored.ComputeState.StateType).toBe('New');
    expect(stored.Revision).toBe(1);
    expect(stored.JobVersion).toBe(1);
    expect(await history()).toEqual([
      `1 ExecutionLevel v1 ${execution.ID} Scheduling: Requested execution on n-1`,
    ]);
    const created = changes.find((c) => c.type === 'ExecutionCreated');
    expect(created?.type === 'ExecutionCreated' && created.execution.Job).toBeUndefined();
  });

  it('updates executions with the desired and compute state and the event as their message', async () => {
    const bid = await storedExecution({ NodeID: 'n-1', ComputeState: { StateType: 'AskForBidAccepted' } });
    const other = await storedExecution({ NodeID: 'n-2', ComputeState: { StateType: 'AskForBidAccepted' } });
    const plan = newPlan(evaluation, job);
    appendApprovedExecution(plan, bid, events.execRunning());
    appendStoppedExecution(plan, other, events.execStoppedByNodeRejected(), 'BidRejected');

    const applied = await applyPlan(store, plan);

    expect(applied.updatedExecutions.map((e) => e.ID)).toEqual([bid.ID, other.ID]);
    const approved = await store.getExecution(bid.ID);
    expect(approved.DesiredState).toEqual({ StateType: 'Running', Message: 'Running' });
    expect(approved.ComputeState).toEqual({ StateType: 'BidAccepted', Message: 'Running' });
    expect(approved.Revision).toBe(2);
    const rejected = await store.getExecution(other.ID);
    const reason = 'Execution stop requested because node has been rejected';
    expect(rejected.DesiredState).toEqual({ StateType: 'Stopped', Message: reason });
    expect(rejected.ComputeState).toEqual({ StateType: 'BidRejected', Message: reason });
    expect(await history()).toEqual([
      `1 ExecutionLevel v1 ${bid.ID} Execution: Running`,
      `2 ExecutionLevel v1 ${other.ID} Scheduling: ${reason}`,
    ]);
    const updated = changes.filter((c) => c.type === 'ExecutionUpdated');
    expect(updated.map((c) => c.type === 'ExecutionUpdated' && c.previous.DesiredState.StateType)).toEqual([
      'Pending',
      'Pending',
    ]);
  });

  it('copies the event details into both states', async () => {
    const running = await storedExecution({ ComputeState: { StateType: 'Running' } });
    const plan = newPlan(evaluation, job);
    const timeout = events.executionTimeout(60);
    appendStoppedExecution(plan, running, timeout, 'Failed');

    await applyPlan(store, plan);

    const stored = await store.getExecution(running.ID);
    expect(stored.ComputeState.Details).toEqual(timeout.Details);
    expect(stored.DesiredState.Details).toEqual(timeout.Details);
    expect(stored.ComputeState.Message).toBe('Execution timed out. Execution took longer than 1m0s');
  });

  it('sets the job state with the update message, job events first in the history', async () => {
    const plan = newPlan(evaluation, job);
    const queued = events.jobQueued('not enough nodes to run job. requested: 1, available: 0, suitable: 0.');
    markJobQueued(plan, queued);

    const applied = await applyPlan(store, plan);

    expect(applied.job?.State).toEqual({ StateType: 'Queued', Message: queued.Message });
    expect(applied.job?.Revision).toBe(job.Revision + 1);
    const stored = await store.getJob(job.ID);
    expect(stored.State).toEqual({ StateType: 'Queued', Message: queued.Message });
    expect(await history()).toEqual([`1 JobLevel v1 - Queueing: ${queued.Message}`]);
  });

  it('moves the job to Running together with the executions that run', async () => {
    const bid = await storedExecution({ ComputeState: { StateType: 'AskForBidAccepted' } });
    const plan = newPlan(evaluation, job);
    appendApprovedExecution(plan, bid, events.execRunning());
    expect(markJobRunningIfEligible(plan, events.jobStateUpdate('Running'))).toBe(true);

    await applyPlan(store, plan);

    expect((await store.getJob(job.ID)).State.StateType).toBe('Running');
    expect(await history()).toEqual([
      '1 JobLevel v1 - State Update: Running',
      `2 ExecutionLevel v1 ${bid.ID} Execution: Running`,
    ]);
  });

  it('creates follow-up evaluations, announced as created after the commit', async () => {
    const plan = newPlan(evaluation, job);
    const delayed = newDelayedEvaluation(evaluation, {
      id: 'v-follow-up',
      nowMs: clock.now(),
      waitUntilMs: clock.now() + 60_000,
      triggeredBy: 'job-queue',
      comment: 'not enough nodes',
    });
    plan.NewEvaluations.push(delayed);

    const applied = await applyPlan(store, plan);

    expect(applied.createdEvaluations.map((e) => e.ID)).toEqual(['v-follow-up']);
    const stored = await store.getEvaluation('v-follow-up');
    expect(stored).toMatchObject({
      JobID: job.ID,
      TriggeredBy: 'job-queue',
      Status: 'pending',
      WaitUntil: '2024-01-01T00:01:01Z',
      Comment: 'not enough nodes',
    });
    expect(changes.filter((c) => c.type === 'EvaluationCreated')).toHaveLength(1);
  });

  it('marks the plan evaluation complete in the same transaction', async () => {
    const plan = newPlan(evaluation, job);
    markJobQueued(plan, events.jobQueued('no nodes'));

    const applied = await applyPlan(store, plan);

    expect(applied.evaluation?.Status).toBe('complete');
    expect((await store.getEvaluation(evaluation.ID)).Status).toBe('complete');
    expect(await store.listEvaluations({ statuses: ['pending'] })).toEqual([]);
    // One transaction: one batch of changes, ending with the evaluation.
    expect(changes.map((c) => c.type)).toEqual(['JobStateUpdated', 'HistoryAppended', 'EvaluationUpdated']);
  });

  it('completes the evaluation of an empty plan and writes nothing else', async () => {
    const before = (await snapshot()) as { job: Job };
    await applyPlan(store, newPlan(evaluation, job));
    const after = (await snapshot()) as { job: Job; evaluations: Evaluation[] };
    expect(after.job).toEqual(before.job);
    expect(after.evaluations.map((e) => e.Status)).toEqual(['complete']);
    expect(changes.map((c) => c.type)).toEqual(['EvaluationUpdated']);
  });

  it('applies a plan whose evaluation is not in the store', async () => {
    const plan = newPlan({ ...evaluation, ID: 'v-unstored' }, job);
    markJobQueued(plan, events.jobQueued('no nodes'));
    const applied = await applyPlan(store, plan);
    expect(applied.evaluation).toBeUndefined();
    expect((await store.getJob(job.ID)).State.StateType).toBe('Queued');
  });
});

describe('applyPlan is all or nothing', () => {
  /** A plan touching everything: a new execution, an update, the job state, an evaluation, events. */
  async function fullPlan(): Promise<{ plan: Plan; existing: Execution }> {
    const existing = await storedExecution({ ComputeState: { StateType: 'AskForBidAccepted' } });
    const plan = newPlan(evaluation, job);
    const created = newExecutionFor('n-2', { PartitionIndex: 0 });
    appendNewExecution(plan, created, events.execCreated(created));
    appendApprovedExecution(plan, existing, events.execRunning());
    markJobRunningIfEligible(plan, events.jobStateUpdate('Running'));
    plan.NewEvaluations.push(
      newDelayedEvaluation(evaluation, { id: 'v-next', nowMs: clock.now(), waitUntilMs: clock.now() }),
    );
    return { plan, existing };
  }

  async function expectNothingWritten(attempt: Promise<unknown>, code: string, message: RegExp) {
    const before = await snapshot();
    changes = [];
    const err = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BacalhauError);
    expect((err as BacalhauError).code).toBe(code);
    expect((err as BacalhauError).message).toMatch(message);
    expect(await snapshot()).toEqual(before);
    expect(changes).toEqual([]);
  }

  it('rolls back everything when an execution changed since it was read', async () => {
    const { plan, existing } = await fullPlan();
    // The compute node answered meanwhile: the execution's revision moved on.
    await store.updateExecution({
      executionID: existing.ID,
      newValues: { ComputeState: { StateType: 'AskForBidAccepted', Message: 'again' } },
    });
    await expectNothingWritten(
      applyPlan(store, plan),
      'ConflictJobRevision',
      new RegExp(
        `^failed to apply plan of evaluation ${evaluation.ID}: execution ${existing.ID} has revision 2 but expected 1$`,
      ),
    );
  });

  it('rolls back everything when the job changed since it was read', async () => {
    const { plan } = await fullPlan();
    await store.updateJobState({ jobID: job.ID, newState: 'Queued' });
    await expectNothingWritten(
      applyPlan(store, plan),
      'ConflictJobRevision',
      /job .* has revision 2 but expected 1/,
    );
  });

  it('refuses to create executions for a job stopped after it was read', async () => {
    const plan = newPlan(evaluation, job);
    const created = newExecutionFor('n-1');
    appendNewExecution(plan, created, events.execCreated(created));
    await store.updateJobState({ jobID: job.ID, newState: 'Stopped', message: 'user stop' });
    await expectNothingWritten(
      applyPlan(store, plan),
      'ConflictJobRevision',
      /has revision 2 but expected 1/,
    );
  });

  it('refuses to move a terminal job', async () => {
    await store.updateJobState({ jobID: job.ID, newState: 'Stopped' });
    const stopped = await store.getJob(job.ID);
    const plan = newPlan(evaluation, stopped);
    markJobQueued(plan, events.jobQueued('no nodes'));
    await expectNothingWritten(
      applyPlan(store, plan),
      'ConflictJobState',
      /job .* is in terminal state Stopped and cannot transition to Queued/,
    );
  });

  it('applies a plan at most once: a second delivery of the evaluation is refused', async () => {
    const { plan } = await fullPlan();
    await applyPlan(store, plan);
    const again = newPlan(evaluation, await store.getJob(job.ID));
    const created = newExecutionFor('n-3');
    appendNewExecution(again, created, events.execCreated(created));
    await expectNothingWritten(
      applyPlan(store, again),
      'ConcurrentUpdate',
      new RegExp(`evaluation ${evaluation.ID} was already processed: its status is complete`),
    );
  });

  it('rolls back a caller transaction that includes the plan', async () => {
    const { plan } = await fullPlan();
    await expectNothingWritten(
      store.transaction((tx) => {
        writePlan(tx, plan);
        throw new BacalhauError('later failure', { code: 'InternalError' });
      }),
      'InternalError',
      /later failure/,
    );
  });
});
