import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import type { Evaluation } from '../../models/index.js';
import { SqliteJobStore } from '../../store/sqlite/sqlite-store.js';
import { makeEvaluation, makeExecution, makeJob } from '../../store/store.contract.js';
import { NodeReEvaluator } from './reevaluator.js';

describe('NodeReEvaluator', () => {
  let clock: ManualClock;
  let store: SqliteJobStore;
  let errors: unknown[];

  beforeEach(async () => {
    clock = new ManualClock();
    store = await SqliteJobStore.create({ path: ':memory:', clock });
    errors = [];
  });

  afterEach(async () => {
    await store.close();
  });

  function reEvaluator(options: { batchDelayMs?: number; maxBatchSize?: number } = {}): NodeReEvaluator {
    return new NodeReEvaluator({ store, clock, onError: (err) => errors.push(err), ...options });
  }

  async function running(
    nodeId: string,
    overrides: { type?: string; priority?: number; done?: boolean } = {},
  ) {
    const type = overrides.type ?? 'batch';
    const job = await store.createJob(
      makeJob({ Type: type, Count: type === 'daemon' ? 0 : 1, Priority: overrides.priority ?? 0 }),
    );
    await store.createExecution(
      makeExecution(job, {
        NodeID: nodeId,
        DesiredState: { StateType: overrides.done === true ? 'Stopped' : 'Running' },
        ComputeState: { StateType: overrides.done === true ? 'Completed' : 'BidAccepted' },
      }),
    );
    return job;
  }

  const summary = (evals: Evaluation[]) =>
    evals.map((e) => `${e.JobID} ${e.TriggeredBy}`).sort((a, b) => a.localeCompare(b));

  it('creates node-leave evaluations for jobs with in-progress executions on a node that left', async () => {
    const lost = await running('n-1', { priority: 7 });
    await running('n-1', { done: true });
    await running('n-2');
    const r = reEvaluator();
    const transaction = vi.spyOn(store, 'transaction');
    r.nodeLeft('n-1');
    const created = await r.flush();
    expect(summary(created)).toEqual([`${lost.ID} node-leave`]);
    // a background write: no request waits for it
    expect(transaction).toHaveBeenCalledWith(expect.any(Function), { background: true });
    expect(created[0]).toMatchObject({ Priority: 7, Type: 'batch', Status: 'pending', Namespace: 'default' });
    expect(await store.listEvaluations()).toHaveLength(1);
  });

  it('on a join, also re-evaluates jobs waiting in their queue backoff, not on a leave', async () => {
    const queued = await store.createJob(makeJob({ State: { StateType: 'Queued' } }));
    const delayed = { Status: 'pending', WaitUntil: new Date(clock.now() + 60_000).toISOString() };
    await store.createEvaluation(makeEvaluation(queued, { ...delayed, TriggeredBy: 'job-queue' }));
    await store.createEvaluation(makeEvaluation(queued, { ...delayed, TriggeredBy: 'job-queue' }));
    const other = await store.createJob(makeJob());
    await store.createEvaluation(makeEvaluation(other, { ...delayed, TriggeredBy: 'job-register' }));
    const r = reEvaluator();
    r.nodeLeft('n-1');
    expect(await r.flush()).toEqual([]);
    r.nodeJoined('n-1');
    expect(summary(await r.flush())).toEqual([`${queued.ID} node-join`]);
  });

  it('on a join, also re-evaluates every in-progress daemon job', async () => {
    const onNode = await running('n-1');
    const daemon = await store.createJob(makeJob({ Type: 'daemon', Count: 0 }));
    await store.createJob(makeJob({ Type: 'service' }));
    const r = reEvaluator();
    r.nodeJoined('n-1');
    expect(summary(await r.flush())).toEqual(
      [`${onNode.ID} node-join`, `${daemon.ID} node-join`].sort((a, b) => a.localeCompare(b)),
    );
  });

  it('gives one evaluation per job per batch, node-leave winning over node-join', async () => {
    const job = await store.createJob(makeJob({ Count: 2 }));
    for (const [node, partition] of [
      ['n-1', 0],
      ['n-2', 1],
    ] as const) {
      await store.createExecution(
        makeExecution(job, {
          NodeID: node,
          PartitionIndex: partition,
          DesiredState: { StateType: 'Running' },
          ComputeState: { StateType: 'BidAccepted' },
        }),
      );
    }
    const r = reEvaluator();
    r.nodeJoined('n-1');
    r.nodeLeft('n-2');
    expect(summary(await r.flush())).toEqual([`${job.ID} node-leave`]);
  });

  it('keeps the latest event per node', async () => {
    const job = await running('n-1');
    const r = reEvaluator();
    r.nodeLeft('n-1');
    r.nodeJoined('n-1');
    expect(summary(await r.flush())).toEqual([`${job.ID} node-join`]);
  });

  it('processes a batch its delay after the first event, however many follow', async () => {
    const job = await running('n-1');
    const r = reEvaluator({ batchDelayMs: 15_000 });
    r.nodeLeft('n-1');
    await clock.advanceAsync(10_000);
    r.nodeLeft('n-2');
    await clock.advanceAsync(4_999);
    expect(await store.listEvaluations()).toEqual([]);
    expect(r.pending).toBe(2);
    await clock.advanceAsync(1);
    expect(summary(await store.listEvaluations())).toEqual([`${job.ID} node-leave`]);
    expect(r.pending).toBe(0);
  });

  it('processes a full batch at once', async () => {
    const jobs = [await running('n-1'), await running('n-2')];
    const r = reEvaluator({ maxBatchSize: 2 });
    r.nodeLeft('n-1');
    r.nodeLeft('n-2');
    expect(r.pending).toBe(0);
    await clock.advanceAsync(0);
    expect(summary(await store.listEvaluations())).toEqual(
      jobs.map((j) => `${j.ID} node-leave`).sort((a, b) => a.localeCompare(b)),
    );
    expect(clock.pendingTimers).toBe(0);
  });

  it('processes what is pending when stopped, then ignores events', async () => {
    const job = await running('n-1');
    const r = reEvaluator();
    r.nodeLeft('n-1');
    await Promise.all([r.stop(), r.stop()]);
    expect(r.state).toBe('stopped');
    expect(summary(await store.listEvaluations())).toEqual([`${job.ID} node-leave`]);
    r.nodeLeft('n-1');
    expect(r.pending).toBe(0);
  });

  it('reports a failed batch and carries on', async () => {
    await running('n-1');
    const r = reEvaluator();
    await store.close();
    r.nodeLeft('n-1');
    expect(await r.flush()).toEqual([]);
    expect(errors).toHaveLength(1);
    store = await SqliteJobStore.create({ path: ':memory:', clock });
  });
});
