import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { SqliteJobStore } from '../../store/index.js';
import { EvaluationBroker } from '../evaluation/index.js';
import { EvaluationWatcher } from './evaluation-watcher.js';
import { RecordingLogger, submission } from './testing.js';

let clock: ManualClock;
let store: SqliteJobStore;
let broker: EvaluationBroker;

beforeEach(async () => {
  clock = new ManualClock();
  store = await SqliteJobStore.create({ path: ':memory:', clock });
  // nothing here looks at what the broker cancels or dead-letters
  broker = await EvaluationBroker.create({
    clock,
    onDeadLetter: () => undefined,
    onCancelable: () => undefined,
  });
});

afterEach(async () => {
  await broker.stop();
  await store.close();
});

/** Takes every ready evaluation (each dequeue resolves at once while some are ready). */
async function readyIDs(): Promise<string[]> {
  const ids: string[] = [];
  while (broker.stats().totalReady > 0) {
    const delivery = await broker.dequeue(['batch', 'service', 'daemon', 'ops']);
    if (delivery !== undefined) ids.push(delivery.evaluation.ID);
  }
  return ids;
}

describe('EvaluationWatcher', () => {
  it('enqueues evaluations as the store creates them, and only creations', async () => {
    const watcher = await EvaluationWatcher.create({ store, broker });
    expect(watcher.rebuilt).toBe(0);

    const a = submission();
    await store.createJob(a.job, { evaluation: a.evaluation });
    expect(broker.stats().totalReady).toBe(1);

    // Several in one transaction: one batch, one slot per job.
    const b = submission();
    const c = submission();
    await store.transaction((tx) => {
      tx.createJob(b.job, { evaluation: b.evaluation });
      tx.createJob(c.job, { evaluation: c.evaluation });
    });
    expect(broker.stats().totalReady).toBe(3);

    // Updates and non-pending creations are not enqueued.
    await store.updateEvaluation(a.evaluation.ID, { Comment: 'touched' });
    await store.createEvaluation({ ...a.evaluation, ID: 'v-done', Status: 'complete' });
    expect(broker.stats()).toMatchObject({ totalReady: 3, totalPending: 0 });
    expect(await readyIDs()).toEqual([a.evaluation.ID, b.evaluation.ID, c.evaluation.ID]);

    await watcher.stop();
    await watcher.stop();
    expect(watcher.state).toBe('stopped');
    const d = submission();
    await store.createJob(d.job, { evaluation: d.evaluation });
    expect(broker.stats().totalReady).toBe(0);
  });

  it('rebuilds the broker from the pending evaluations, delays included', async () => {
    const a = submission();
    await store.createJob(a.job, { evaluation: a.evaluation });
    const b = submission();
    await store.createJob(b.job, { evaluation: { ...b.evaluation, WaitUntil: '2024-01-01T00:01:00Z' } });
    const c = submission();
    await store.createJob(c.job, { evaluation: c.evaluation });
    await store.updateEvaluation(c.evaluation.ID, { Status: 'complete' });
    const logger = new RecordingLogger();

    const watcher = await EvaluationWatcher.create({ store, broker, logger });

    expect(watcher.rebuilt).toBe(2);
    expect(broker.stats()).toMatchObject({ totalReady: 1, totalWaiting: 1 });
    expect(logger.messages('info')).toEqual(['Evaluation broker rebuilt from the store']);
    await watcher.stop();
  });

  it('fails to start, subscribed to nothing, when the store cannot be read', async () => {
    await store.close();
    await expect(EvaluationWatcher.create({ store, broker })).rejects.toThrow('job store is closed');
  });
});
