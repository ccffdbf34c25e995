import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import {
  BacalhauError,
  ErrorCode,
  type Evaluation,
  type Job,
  type NodeState,
  type Plan,
} from '../../models/index.js';
import { SqliteJobStore, type StoreChange } from '../../store/index.js';
import { StateUpdater, type Planner } from '../planner/index.js';
import { createSchedulerRegistry, type Scheduler, type SchedulerRegistry } from '../scheduler/index.js';
import { node, testOptions } from '../scheduler/testing.js';
import { SchedulingService, type SchedulingServiceOptions } from './service.js';
import { OutcomeLog, RecordingLogger, nextChange, submission, type SubmitFixture } from './testing.js';

let clock: ManualClock;
let store: SqliteJobStore;
let outcomes: OutcomeLog;
let logger: RecordingLogger;
/** Set by tests that provoke errors or warnings; the others must log none. */
let problemsExpected: boolean;
const services: SchedulingService[] = [];

beforeEach(async () => {
  clock = new ManualClock();
  store = await SqliteJobStore.create({ path: ':memory:', clock });
  outcomes = new OutcomeLog();
  logger = new RecordingLogger();
  problemsExpected = false;
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  if (!problemsExpected) {
    expect(logger.entries.filter((e) => e.level === 'error' || e.level === 'warn')).toEqual([]);
  }
  await store.close();
});

async function start(over: Partial<SchedulingServiceOptions> = {}): Promise<SchedulingService> {
  const service = await SchedulingService.create({
    store,
    clock,
    logger,
    workerCount: 2,
    schedulerOptions: testOptions(),
    onOutcome: outcomes.push,
    ...over,
  });
  services.push(service);
  return service;
}

async function submit(f: SubmitFixture = {}): Promise<{ job: Job; evaluation: Evaluation }> {
  const { job, evaluation } = submission(f);
  const stored = await store.createJob(job, { evaluation });
  return { job: stored, evaluation: await store.getEvaluation(evaluation.ID) };
}

async function addNodes(...nodes: NodeState[]): Promise<void> {
  await store.transaction((tx) => nodes.forEach((n) => tx.putNode(n)));
}

async function executionsOf(jobID: string): Promise<string[]> {
  const executions = await store.listExecutions({ jobID, allJobVersions: true });
  return executions.map(
    (e) => `${e.NodeID}#${e.PartitionIndex} ${e.DesiredState.StateType}/${e.ComputeState.StateType}`,
  );
}

describe('SchedulingService', () => {
  it('schedules a submitted batch job on the approved, connected compute nodes', async () => {
    await addNodes(
      node('n-1'),
      node('n-2'),
      node('n-pending', { membership: 'PENDING' }),
      node('n-gone', { connection: 'DISCONNECTED' }),
    );
    await start();
    const { job, evaluation } = await submit({ count: 2 });

    const outcome = await outcomes.waitFor((o) => o.evaluation.ID === evaluation.ID);

    expect(outcome.result).toBe('applied');
    expect(await executionsOf(job.ID)).toEqual(['n-1#0 Pending/New', 'n-2#1 Pending/New']);
    expect((await store.getEvaluation(evaluation.ID)).Status).toBe('complete');
    expect((await store.getJob(job.ID)).State.StateType).toBe('Pending');
    const history = await store.getJobHistory(job.ID);
    expect(history.items.map((h) => h.Event.Message)).toEqual([
      'Requested execution on n-1',
      'Requested execution on n-2',
    ]);
  });

  it('approves the bid once the compute node accepted it, and the job runs', async () => {
    await addNodes(node('n-1'));
    await start();
    const { job, evaluation } = await submit();
    await outcomes.waitFor((o) => o.evaluation.ID === evaluation.ID);
    const [execution] = await store.listExecutions({ jobID: job.ID });

    // What the compute message handler does with a BidResult: observed state plus an evaluation.
    const update = { ...evaluation, ID: 'v-bid', TriggeredBy: 'exec-update' };
    await store.transaction((tx) => {
      tx.updateExecution({
        executionID: execution?.ID ?? '',
        newValues: { ComputeState: { StateType: 'AskForBidAccepted' } },
      });
      tx.createEvaluation(update);
    });
    expect((await outcomes.waitFor((o) => o.evaluation.ID === 'v-bid')).result).toBe('applied');

    expect(await executionsOf(job.ID)).toEqual(['n-1#0 Running/BidAccepted']);
    expect((await store.getJob(job.ID)).State.StateType).toBe('Running');
  });

  it('runs a daemon job on every matching node', async () => {
    await addNodes(node('n-1'), node('n-2'), node('n-wasm', { engines: ['wasm'] }));
    await start();
    const { job, evaluation } = await submit({ type: 'daemon' });
    expect((await outcomes.waitFor((o) => o.evaluation.ID === evaluation.ID)).result).toBe('applied');
    expect(await executionsOf(job.ID)).toEqual(['n-1#0 Running/New', 'n-2#0 Running/New']);
    expect((await store.getJob(job.ID)).State.StateType).toBe('Running');
  });

  it('queues a job without nodes, and places it when a node joins and the queue backoff elapses', async () => {
    await start({ schedulerOptions: testOptions({ queueBackoffMs: 60_000 }) });
    const { job, evaluation } = await submit({ timeouts: { QueueTimeout: 3600 } });

    expect((await outcomes.waitFor((o) => o.evaluation.ID === evaluation.ID)).result).toBe('applied');
    const queued = await store.getJob(job.ID);
    expect(queued.State.StateType).toBe('Queued');
    expect(queued.State.Message).toBe(
      'Job queued. not enough nodes to run job. requested: 1, available: 0, suitable: 0.',
    );
    const [delayed] = await store.listEvaluations({ jobID: job.ID, statuses: ['pending'] });
    expect(delayed).toMatchObject({ TriggeredBy: 'job-queue', WaitUntil: '2024-01-01T00:01:00Z' });
    expect(await executionsOf(job.ID)).toEqual([]);

    await addNodes(node('n-1'));
    // Not due yet: nothing happens before the backoff elapsed.
    await clock.advanceAsync(59_999);
    expect(outcomes.all.some((o) => o.evaluation.ID === delayed?.ID)).toBe(false);

    await clock.advanceAsync(1);
    const retried = await outcomes.waitFor((o) => o.evaluation.ID === delayed?.ID);
    expect(retried.result).toBe('applied');
    expect(await executionsOf(job.ID)).toEqual(['n-1#0 Pending/New']);
    expect(await store.listEvaluations({ jobID: job.ID, statuses: ['pending'] })).toEqual([]);
  });

  it('keeps one queue retry chain per job: an older job-queue evaluation with a newer one pending is cancelled', async () => {
    await start({ schedulerOptions: testOptions({ queueBackoffMs: 60_000 }) });
    const { job, evaluation } = await submit({ timeouts: { QueueTimeout: 3600 } });
    await outcomes.waitFor((o) => o.evaluation.ID === evaluation.ID);
    const [older] = await store.listEvaluations({ jobID: job.ID, statuses: ['pending'] });

    // Halfway through the backoff the job is looked at again (a rerun after a stop, or a node that
    // joined and does not fit it): that look queues the job again, with a delayed evaluation of its own.
    await clock.advanceAsync(30_000);
    const again = { ...evaluation, ID: 'v-rerun', TriggeredBy: 'job-rerun' };
    await store.createEvaluation(again);
    await outcomes.waitFor((o) => o.evaluation.ID === 'v-rerun');
    const newer = (await store.listEvaluations({ jobID: job.ID, statuses: ['pending'] })).find(
      (e) => e.ID !== older?.ID,
    );
    expect(newer).toMatchObject({ TriggeredBy: 'job-queue', WaitUntil: '2024-01-01T00:01:30Z' });

    const transaction = vi.spyOn(store, 'transaction');
    await clock.advanceAsync(30_000);
    expect(await outcomes.waitFor((o) => o.evaluation.ID === older?.ID)).toMatchObject({
      result: 'skipped',
      reason: `job-queue evaluation ${newer?.ID} of the same job is newer`,
    });
    expect(await store.getEvaluation(older?.ID ?? '')).toMatchObject({ Status: 'canceled' });
    // recorded by a background write: no request waits for it
    expect(transaction.mock.calls.map(([, options]) => options)).toEqual([{ background: true }]);
    transaction.mockRestore();
    expect((await store.listEvaluations({ jobID: job.ID, statuses: ['pending'] })).map((e) => e.ID)).toEqual([
      newer?.ID,
    ]);

    // The newer one retries as usual and hands over to the next: still one chain.
    await clock.advanceAsync(30_000);
    expect((await outcomes.waitFor((o) => o.evaluation.ID === newer?.ID)).result).toBe('applied');
    const pending = await store.listEvaluations({ jobID: job.ID, statuses: ['pending'] });
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ TriggeredBy: 'job-queue', WaitUntil: '2024-01-01T00:02:30Z' });
  });

  it('nacks an evaluation whose scheduler throws, retries it after the nack delay, then fails it', async () => {
    problemsExpected = true;
    let calls = 0;
    const failing: Scheduler = {
      process: () => {
        calls++;
        throw new BacalhauError('ranking exploded', {
          code: ErrorCode.InternalError,
          component: 'Scheduler',
        });
      },
    };
    const schedulers: SchedulerRegistry = { ...createSchedulerRegistry(testOptions()), batch: failing };
    const service = await start({ schedulers, brokerOptions: { maxRetryCount: 2 } });
    const { evaluation } = await submit();

    const first = await outcomes.nth(evaluation.ID, 1);
    expect(first.result).toBe('nacked');
    expect(first.result === 'nacked' && (first.error as Error).message).toBe('ranking exploded');
    expect(logger.messages('error')).toContain(`Failed to process evaluation ${evaluation.ID}`);
    expect(logger.messages('warn')).toEqual([]);
    expect(service.broker.stats()).toMatchObject({ totalWaiting: 1, totalInflight: 0 });
    expect((await store.getEvaluation(evaluation.ID)).Status).toBe('pending');

    const failed = nextChange(
      store,
      (c): c is Extract<StoreChange, { type: 'EvaluationUpdated' }> =>
        c.type === 'EvaluationUpdated' && c.evaluation.Status === 'failed',
    );
    await clock.advanceAsync(5_000); // Go's first nack delay
    expect((await outcomes.nth(evaluation.ID, 2)).result).toBe('nacked');
    expect(calls).toBe(2);
    // The second nack exhausts maxRetryCount: dead-lettered, recorded as failed, job slot released.
    const change = await failed;
    expect(change.evaluation).toMatchObject({
      ID: evaluation.ID,
      Status: 'failed',
      Comment: 'evaluation failed after 2 delivery attempts',
    });
    expect(service.broker.stats()).toMatchObject({ totalWaiting: 0, totalReady: 0, totalDeadLettered: 1 });
  });

  it('nacks a plan that conflicts with a concurrent change and applies a fresh one on redelivery', async () => {
    problemsExpected = true;
    await addNodes(node('n-1'));
    let interfere = true;
    const updater = new StateUpdater(store);
    const planner: Planner = {
      async process(plan: Plan): Promise<void> {
        if (interfere) {
          interfere = false;
          // Someone else touches the job between the scheduler's read and the planner's write.
          await store.updateJobState({ jobID: plan.Job.ID, newState: 'Queued', message: 'meanwhile' });
        }
        await updater.process(plan);
      },
    };
    await start({ planner });
    const { job, evaluation } = await submit();

    const first = await outcomes.nth(evaluation.ID, 1);
    expect(first.result).toBe('nacked');
    expect(first.result === 'nacked' && (first.error as BacalhauError).code).toBe('ConflictJobRevision');
    expect(await executionsOf(job.ID)).toEqual([]);
    // A conflict is an expected outcome of concurrency: a warning, not an error.
    expect(logger.messages('warn')).toEqual([`Plan of evaluation ${evaluation.ID} conflicts; will retry`]);
    expect(logger.messages('error')).toEqual([]);

    await clock.advanceAsync(5_000);
    expect((await outcomes.nth(evaluation.ID, 2)).result).toBe('applied');
    expect(await executionsOf(job.ID)).toEqual(['n-1#0 Pending/New']);
  });

  it('rebuilds the broker from the pending evaluations of the store on start', async () => {
    await addNodes(node('n-1'));
    const done = await submit();
    await store.updateEvaluation(done.evaluation.ID, { Status: 'complete' });
    const pending = await submit();

    const service = await start();

    const outcome = await outcomes.waitFor((o) => o.evaluation.ID === pending.evaluation.ID);
    expect(outcome.result).toBe('applied');
    expect(await executionsOf(pending.job.ID)).toEqual(['n-1#0 Pending/New']);
    expect(await executionsOf(done.job.ID)).toEqual([]);
    expect(outcomes.all.map((o) => o.evaluation.ID)).toEqual([pending.evaluation.ID]);
    expect(logger.entries).toContainEqual({
      level: 'info',
      message: 'Evaluation broker rebuilt from the store',
      fields: { PendingEvaluations: 1 },
    });
    await service.stop();
  });

  it('resumes after a restart: applied evaluations stay done, pending and delayed ones are picked up', async () => {
    const first = await start({ schedulerOptions: testOptions({ queueBackoffMs: 60_000 }) });
    const queued = await submit({ timeouts: { QueueTimeout: 3600 } });
    await outcomes.waitFor((o) => o.evaluation.ID === queued.evaluation.ID);
    await first.stop();
    expect(first.state).toBe('stopped');

    // While the orchestrator is down: a node joins and another job is submitted.
    await addNodes(node('n-1'));
    const later = await submit();

    await start({ schedulerOptions: testOptions({ queueBackoffMs: 60_000 }) });
    await outcomes.waitFor((o) => o.evaluation.ID === later.evaluation.ID);
    expect(await executionsOf(later.job.ID)).toEqual(['n-1#0 Pending/New']);
    // The queued job's delayed evaluation keeps its WaitUntil across the restart.
    expect(await executionsOf(queued.job.ID)).toEqual([]);
    await clock.advanceAsync(60_000);
    await outcomes.waitFor(
      (o) => o.evaluation.JobID === queued.job.ID && o.evaluation.TriggeredBy === 'job-queue',
    );
    expect(await executionsOf(queued.job.ID)).toEqual(['n-1#0 Pending/New']);
    expect(outcomes.all.filter((o) => o.evaluation.ID === queued.evaluation.ID)).toHaveLength(1);
  });

  it('skips and acks an evaluation already processed or whose job was deleted', async () => {
    await addNodes(node('n-1'));
    const service = await start();
    const { job, evaluation } = await submit();
    await outcomes.waitFor((o) => o.evaluation.ID === evaluation.ID);

    // A redelivery of an evaluation whose plan was committed: nothing is scheduled twice.
    service.broker.enqueue(await store.getEvaluation(evaluation.ID));
    const again = await outcomes.nth(evaluation.ID, 2);
    expect(again).toMatchObject({ result: 'skipped', reason: 'it was already processed (status complete)' });

    const orphan = { ...evaluation, ID: 'v-orphan' };
    await store.deleteJob(job.ID);
    service.broker.enqueue(orphan);
    expect(await outcomes.waitFor((o) => o.evaluation.ID === 'v-orphan')).toMatchObject({
      result: 'skipped',
      reason: `job ${job.ID} no longer exists`,
    });
    expect(service.broker.stats()).toMatchObject({ totalInflight: 0, totalReady: 0, totalWaiting: 0 });
  });

  it('sees node changes as soon as they are committed', async () => {
    const service = await start();
    expect(service.nodes.nodes()).toEqual([]);
    await addNodes(node('n-2'), node('n-1'));
    expect(service.nodes.nodes().map((n) => n.Info.NodeID)).toEqual(['n-1', 'n-2']);
    await store.deleteNode('n-2');
    expect(service.nodes.nodes().map((n) => n.Info.NodeID)).toEqual(['n-1']);
  });

  it('stops idempotently, on stop() or on its signal, with every worker ended', async () => {
    const controller = new AbortController();
    const service = await start({ signal: controller.signal, workerCount: 3 });
    expect(service.state).toBe('running');
    expect(service.workers.map((w) => w.state)).toEqual(['running', 'running', 'running']);

    controller.abort();
    const stopping = service.stop();
    expect(service.stop()).toBe(stopping);
    await stopping;
    expect(service.state).toBe('stopped');
    expect(service.workers.map((w) => w.state)).toEqual(['stopped', 'stopped', 'stopped']);
    await expect(service.broker.dequeue(['batch'])).rejects.toMatchObject({ details: { Reason: 'Stopped' } });

    // Nothing is enqueued any more; the evaluation stays pending for the next start.
    const { evaluation } = await submit();
    expect((await store.getEvaluation(evaluation.ID)).Status).toBe('pending');
    expect(outcomes.all).toEqual([]);
  });

  it('refuses a worker count that is not a positive integer', async () => {
    await expect(start({ workerCount: 0 })).rejects.toThrow('worker count must be an integer >= 1: 0');
    await expect(start({ workerCount: 1.5 })).rejects.toThrow('worker count must be an integer >= 1: 1.5');
  });
});
