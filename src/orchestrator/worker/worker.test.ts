import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import type { Plan } from '../../models/index.js';
import { SqliteJobStore } from '../../store/index.js';
import { EvaluationBroker } from '../evaluation/index.js';
import { StateUpdater, type Planner } from '../planner/index.js';
import { createSchedulerRegistry } from '../scheduler/index.js';
import { node, testOptions } from '../scheduler/testing.js';
import { NodeCache } from './node-cache.js';
import { OutcomeLog, RecordingLogger, submission } from './testing.js';
import { Worker, type WorkerDependencies } from './worker.js';

let clock: ManualClock;
let store: SqliteJobStore;
let broker: EvaluationBroker;
let nodes: NodeCache;
let outcomes: OutcomeLog;
let logger: RecordingLogger;

beforeEach(async () => {
  clock = new ManualClock();
  store = await SqliteJobStore.create({ path: ':memory:', clock });
  // nothing here looks at what the broker cancels or dead-letters
  broker = await EvaluationBroker.create({
    clock,
    onDeadLetter: () => undefined,
    onCancelable: () => undefined,
  });
  nodes = await NodeCache.create(store);
  outcomes = new OutcomeLog();
  logger = new RecordingLogger();
  await store.putNode(node('n-1'));
});

afterEach(async () => {
  await broker.stop();
  nodes.close();
  await store.close();
});

function deps(over: Partial<WorkerDependencies> = {}): WorkerDependencies {
  return {
    store,
    broker,
    schedulers: createSchedulerRegistry(testOptions()),
    planner: new StateUpdater(store),
    nodes,
    clock,
    logger,
    onOutcome: outcomes.push,
    ...over,
  };
}

/** Stores a job with its evaluation and hands the evaluation to the broker (no watcher here). */
async function submitAndEnqueue(): Promise<string> {
  const { job, evaluation } = submission();
  await store.createJob(job, { evaluation });
  broker.enqueue(await store.getEvaluation(evaluation.ID));
  return evaluation.ID;
}

describe('Worker', () => {
  it('dequeues, schedules, applies and acks', async () => {
    const worker = await Worker.create(deps(), { name: 'w' });
    const id = await submitAndEnqueue();
    const outcome = await outcomes.waitFor((o) => o.evaluation.ID === id);
    expect(outcome.result).toBe('applied');
    expect(outcome.result === 'applied' && outcome.plan.NewExecutions.map((e) => e.NodeID)).toEqual(['n-1']);
    expect(broker.stats()).toMatchObject({ totalInflight: 0, totalReady: 0 });
    await worker.stop();
    expect(worker.state).toBe('stopped');
  });

  it('processes the evaluations ready together as one batch, settling each by its own outcome', async () => {
    const ids = [await submitAndEnqueue(), await submitAndEnqueue(), await submitAndEnqueue()];
    const failing = ids[1];
    const updater = new StateUpdater(store);
    const planner: Planner = {
      process: (plan) =>
        plan.EvalID === failing ? Promise.reject(new Error('plan refused')) : updater.process(plan),
    };
    const worker = await Worker.create(deps({ planner, batchSize: 2 }));
    for (const id of ids) await outcomes.waitFor((o) => o.evaluation.ID === id);
    await worker.stop();
    const results = new Map(outcomes.all.map((o) => [o.evaluation.ID, o.result]));
    expect(ids.map((id) => results.get(id))).toEqual(['applied', 'nacked', 'applied']);
    expect(broker.stats()).toMatchObject({ totalInflight: 0, totalWaiting: 1 });
    expect((await store.getEvaluation(ids[2] ?? '')).Status).toBe('complete');
  });

  it('finishes the evaluation in hand before it stops', async () => {
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inPlanner = new Promise<void>((resolve) => (entered = resolve));
    const updater = new StateUpdater(store);
    const gated: Planner = {
      async process(plan: Plan): Promise<void> {
        entered();
        await new Promise<void>((resolve) => (release = resolve));
        await updater.process(plan);
      },
    };
    const worker = await Worker.create(deps({ planner: gated }));
    const id = await submitAndEnqueue();
    await inPlanner;

    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    expect(worker.stop()).toBe(worker.stop());
    await new Promise((resolve) => setImmediate(resolve));
    expect(worker.state).toBe('stopping');
    expect(stopped).toBe(false);

    release();
    await stopping;
    expect(worker.state).toBe('stopped');
    expect((await outcomes.waitFor((o) => o.evaluation.ID === id)).result).toBe('applied');
    expect(broker.stats().totalInflight).toBe(0);
    expect((await store.getEvaluation(id)).Status).toBe('complete');
  });

  it('stops on its signal while waiting for work', async () => {
    const controller = new AbortController();
    const worker = await Worker.create(deps(), { signal: controller.signal });
    controller.abort();
    await worker.stop();
    expect(worker.state).toBe('stopped');
    const id = await submitAndEnqueue();
    expect(broker.stats()).toMatchObject({ totalReady: 1 });
    expect(outcomes.all.some((o) => o.evaluation.ID === id)).toBe(false);
  });

  it('ends when the broker stops', async () => {
    const worker = await Worker.create(deps());
    await broker.stop();
    await worker.stop();
    expect(worker.state).toBe('stopped');
    expect(logger.messages('debug')).toContain('Evaluation broker stopped; worker ends');
  });
});
