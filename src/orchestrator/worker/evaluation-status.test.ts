import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { SqliteJobStore } from '../../store/index.js';
import { EvaluationBroker } from '../evaluation/index.js';
import { evaluationStatusRecorder } from './evaluation-status.js';
import { RecordingLogger, submission } from './testing.js';

let store: SqliteJobStore;
let logger: RecordingLogger;

beforeEach(async () => {
  store = await SqliteJobStore.create({ path: ':memory:' });
  logger = new RecordingLogger();
});

afterEach(async () => {
  await store.close();
});

describe('evaluationStatusRecorder', () => {
  it('marks superseded evaluations canceled when the broker drops them', async () => {
    const clock = new ManualClock();
    const recorder = evaluationStatusRecorder(store, logger);
    const broker = await EvaluationBroker.create({ clock, ...recorder });
    const { job, evaluation } = submission();
    await store.createJob(job, { evaluation });
    const second = { ...evaluation, ID: 'v-second', TriggeredBy: 'exec-update' };
    const third = { ...evaluation, ID: 'v-third', TriggeredBy: 'exec-update' };
    await store.createEvaluation(second);
    await store.createEvaluation(third);
    broker.enqueueAll(await store.listEvaluations({ statuses: ['pending'] }));
    const transaction = vi.spyOn(store, 'transaction');

    const delivery = await broker.dequeue(['batch']);
    expect(delivery?.evaluation.ID).toBe(evaluation.ID);
    broker.ack(evaluation.ID, delivery?.receipt ?? '');
    await recorder.settled();

    // A background write: no request waits for it.
    expect(transaction).toHaveBeenCalledWith(expect.any(Function), { background: true });
    // One of the two parked evaluations is promoted, the other superseded and recorded as canceled.
    const statuses = (await store.listEvaluations({ jobID: job.ID })).map((e) => `${e.ID} ${e.Status}`);
    expect(statuses.filter((s) => s.endsWith('canceled'))).toHaveLength(1);
    // Still pending: the promoted one, and the acked one (no planner completed it in this test).
    expect(statuses.filter((s) => s.endsWith('pending'))).toHaveLength(2);
    await broker.stop();
  });

  it('marks dead-lettered evaluations failed, and never overwrites a processed one', async () => {
    const recorder = evaluationStatusRecorder(store, logger);
    const a = submission();
    const b = submission();
    await store.createJob(a.job, { evaluation: a.evaluation });
    await store.createJob(b.job, { evaluation: b.evaluation });
    await store.updateEvaluation(b.evaluation.ID, { Status: 'complete' });

    recorder.onDeadLetter({
      ...a.evaluation,
      Status: 'failed',
      Comment: 'evaluation failed after 10 delivery attempts',
    });
    recorder.onDeadLetter({ ...b.evaluation, Status: 'failed', Comment: 'late' });
    recorder.onDeadLetter({ ...a.evaluation, ID: 'v-unknown' });
    await recorder.settled();

    expect(await store.getEvaluation(a.evaluation.ID)).toMatchObject({
      Status: 'failed',
      Comment: 'evaluation failed after 10 delivery attempts',
    });
    expect(await store.getEvaluation(b.evaluation.ID)).toMatchObject({ Status: 'complete', Comment: '' });
    expect(logger.messages('warn')).toEqual([
      'Evaluation dead-lettered',
      'Evaluation dead-lettered',
      'Evaluation dead-lettered',
    ]);
    expect(logger.messages('error')).toEqual([]);
  });

  it('logs, never throws, when the store cannot record the status', async () => {
    const recorder = evaluationStatusRecorder(store, logger);
    const { evaluation } = submission();
    await store.close();
    recorder.onDeadLetter(evaluation);
    await recorder.settled();
    expect(logger.messages('error')).toEqual(['Failed to mark dead-lettered evaluations failed']);
    expect(logger.entries.at(-1)?.fields['Error']).toBe('job store is closed');
  });
});
