import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { BacalhauError, ZeroTime, type Evaluation } from '../../models/index.js';
import {
  BrokerErrorReason,
  EvaluationBroker,
  compileBrokerOptions,
  type Delivery,
  type EvaluationBrokerOptions,
} from './broker.js';

const T0 = Date.UTC(2024, 0, 1);
let counter = 0;

function evaluation(over: Partial<Evaluation> = {}): Evaluation {
  counter++;
  return {
    ID: `v-${counter}`,
    Namespace: 'default',
    JobID: `j-${counter}`,
    TriggeredBy: 'job-register',
    Priority: 50,
    Type: 'batch',
    Status: 'pending',
    Comment: '',
    WaitUntil: ZeroTime,
    CreateTime: counter,
    ModifyTime: counter,
    ...over,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

const brokers: EvaluationBroker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop();
});

/** What the broker handed its owner: dead-lettered and superseded evaluations, in order. */
function recorder() {
  const deadLettered: Evaluation[] = [];
  const cancelled: Evaluation[] = [];
  return {
    deadLettered,
    cancelled,
    callbacks: {
      onDeadLetter: (e: Evaluation) => void deadLettered.push(e),
      onCancelable: (evals: Evaluation[]) => void cancelled.push(...evals),
    },
  };
}

async function setup(options: Partial<EvaluationBrokerOptions> = {}) {
  const clock = new ManualClock(T0);
  const { deadLettered, cancelled, callbacks } = recorder();
  const broker = await EvaluationBroker.create({ clock, ...callbacks, ...options });
  brokers.push(broker);
  return { broker, clock, deadLettered, cancelled };
}

/** Dequeues what is ready right now, or fails the test (never waits). */
async function take(broker: EvaluationBroker, types: readonly string[] = ['batch']): Promise<Delivery> {
  const { byQueue } = broker.stats();
  if (types.every((t) => (byQueue[t]?.ready ?? 0) === 0)) throw new Error('nothing was ready');
  const delivery = await broker.dequeue(types);
  if (delivery === undefined) throw new Error('nothing was delivered');
  return delivery;
}

/** A dequeue that must find nothing: waits 1 ms of clock time. */
async function nothingReady(
  broker: EvaluationBroker,
  clock: ManualClock,
  types: readonly string[] = ['batch'],
): Promise<void> {
  const p = broker.dequeue(types, { timeoutMs: 1 });
  await clock.advanceAsync(1);
  expect(await p).toBeUndefined();
}

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof BacalhauError) return err.details['Reason'];
    throw err;
  }
  return undefined;
}

/** Records when a promise settles. */
function track<T>(p: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  p.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe('options', () => {
  it('compiles Bacalhau defaults into a frozen object', () => {
    const o = compileBrokerOptions(recorder().callbacks);
    expect(o).toMatchObject({
      visibilityTimeoutMs: 60_000,
      maxRetryCount: 10,
      initialNackDelayMs: 5_000,
      subsequentNackDelayMs: 30_000,
    });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it.each([
    [{ visibilityTimeoutMs: 0 }, /visibilityTimeoutMs/],
    [{ visibilityTimeoutMs: -1 }, /visibilityTimeoutMs/],
    [{ visibilityTimeoutMs: Number.POSITIVE_INFINITY }, /visibilityTimeoutMs/],
    [{ maxRetryCount: 0 }, /maxRetryCount/],
    [{ maxRetryCount: 2.5 }, /maxRetryCount/],
    [{ initialNackDelayMs: -1 }, /initialNackDelayMs/],
    [{ subsequentNackDelayMs: Number.NaN }, /subsequentNackDelayMs/],
  ])('refuses %o', async (options, message) => {
    const withCallbacks = { ...recorder().callbacks, ...options };
    expect(() => compileBrokerOptions(withCallbacks)).toThrow(message);
    await expect(EvaluationBroker.create(withCallbacks)).rejects.toMatchObject({ code: 'ValidationError' });
  });
});

describe('enqueue, dequeue, ack', () => {
  it('delivers an evaluation with a receipt, counts it in flight and forgets it on ack', async () => {
    const { broker } = await setup();
    const e = evaluation();
    broker.enqueue(e);
    expect(broker.stats()).toMatchObject({
      totalReady: 1,
      totalInflight: 0,
      byQueue: { batch: { ready: 1 } },
    });

    const d = await take(broker);
    expect(d.evaluation).toEqual(e);
    expect(d.receipt).toMatch(/^[0-9a-f-]{36}$/);
    expect(broker.stats()).toMatchObject({
      totalReady: 0,
      totalInflight: 1,
      byQueue: { batch: { ready: 0, inflight: 1 } },
    });

    broker.ack(e.ID, d.receipt);
    expect(broker.stats()).toMatchObject({
      totalReady: 0,
      totalInflight: 0,
      totalPending: 0,
      totalWaiting: 0,
    });
    expect(reasonOf(() => broker.ack(e.ID, d.receipt))).toBe(BrokerErrorReason.NotInflight);
  });

  it('ignores an evaluation ID it already holds, and accepts it again once acked', async () => {
    const { broker, clock } = await setup();
    const e = evaluation();
    broker.enqueue(e);
    broker.enqueue({ ...e, Priority: 99 });
    expect(broker.stats().totalReady).toBe(1);
    const d = await take(broker);
    broker.enqueue(e);
    await nothingReady(broker, clock);
    broker.ack(e.ID, d.receipt);
    broker.enqueue(e);
    expect((await take(broker)).evaluation.ID).toBe(e.ID);
  });

  it('keeps its own copies: callers mutating evaluations change nothing', async () => {
    const { broker } = await setup();
    const e = evaluation({ Priority: 1 });
    broker.enqueue(e);
    e.Priority = 100;
    const d = await take(broker);
    expect(d.evaluation.Priority).toBe(1);
    d.evaluation.JobID = 'mutated';
    broker.nack(d.evaluation.ID, d.receipt);
    expect(broker.stats().totalWaiting).toBe(1);
  });

  it('refuses ack and nack with an unknown ID or a wrong receipt', async () => {
    const { broker } = await setup();
    const e = evaluation();
    broker.enqueue(e);
    const d = await take(broker);
    let caught: unknown;
    try {
      broker.ack(e.ID, 'not-the-receipt');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BacalhauError);
    expect(caught).toMatchObject({
      code: 'ResourceInUse',
      component: 'EvaluationBroker',
      details: { Reason: 'ReceiptMismatch', EvaluationID: e.ID },
    });
    expect(reasonOf(() => broker.nack(e.ID, 'nope'))).toBe(BrokerErrorReason.ReceiptMismatch);
    expect(reasonOf(() => broker.nack('v-unknown', d.receipt))).toBe(BrokerErrorReason.NotInflight);
    expect(() => broker.ack('v-unknown', d.receipt)).toThrow(expect.objectContaining({ code: 'NotFound' }));
    broker.ack(e.ID, d.receipt);
  });
});

describe('ready order', () => {
  it('delivers by priority, then oldest CreateTime, then arrival', async () => {
    const { broker } = await setup();
    const low = evaluation({ Priority: 10, CreateTime: 1 });
    const highNew = evaluation({ Priority: 90, CreateTime: 5 });
    const highOld = evaluation({ Priority: 90, CreateTime: 2 });
    const midA = evaluation({ Priority: 50, CreateTime: 0 });
    const midB = evaluation({ Priority: 50, CreateTime: 0 });
    broker.enqueueAll([low, highNew, highOld, midA, midB]);
    const order: string[] = [];
    for (let i = 0; i < 5; i++) order.push((await take(broker)).evaluation.ID);
    expect(order).toEqual([highOld.ID, highNew.ID, midA.ID, midB.ID, low.ID]);
  });

  it('delivers evaluations that advance started work before new work of the same priority', async () => {
    const { broker } = await setup();
    const submitted = evaluation({ TriggeredBy: 'job-register', CreateTime: 1 });
    const bid = evaluation({ TriggeredBy: 'exec-update', CreateTime: 5 });
    const stop = evaluation({ TriggeredBy: 'job-cancel', CreateTime: 4 });
    const lost = evaluation({ TriggeredBy: 'node-leave', CreateTime: 6 });
    const retried = evaluation({ TriggeredBy: 'job-queue', CreateTime: 2 });
    const urgent = evaluation({ TriggeredBy: 'job-register', Priority: 90, CreateTime: 9 });
    const lowResult = evaluation({ TriggeredBy: 'exec-update', Priority: 10, CreateTime: 0 });
    broker.enqueueAll([submitted, bid, stop, lost, retried, urgent, lowResult]);
    const order: string[] = [];
    for (let i = 0; i < 7; i++) order.push((await take(broker)).evaluation.ID);
    expect(order).toEqual([urgent.ID, stop.ID, bid.ID, lost.ID, submitted.ID, retried.ID, lowResult.ID]);
  });

  it('takes the best head across the requested queues only', async () => {
    const { broker, clock } = await setup();
    const batch = evaluation({ Type: 'batch', Priority: 10 });
    const service = evaluation({ Type: 'service', Priority: 20 });
    const ops = evaluation({ Type: 'ops', Priority: 99 });
    broker.enqueueAll([batch, service, ops]);
    expect((await take(broker, ['batch', 'service'])).evaluation.ID).toBe(service.ID);
    expect((await take(broker, ['batch', 'service'])).evaluation.ID).toBe(batch.ID);
    await nothingReady(broker, clock, ['batch', 'service', 'daemon']);
    expect((await take(broker, ['ops'])).evaluation.ID).toBe(ops.ID);
  });

  it('breaks priority ties between queues by age, not at random', async () => {
    const { broker } = await setup();
    const service = evaluation({ Type: 'service', CreateTime: 1 });
    const batch = evaluation({ Type: 'batch', CreateTime: 2 });
    broker.enqueueAll([batch, service]);
    expect((await take(broker, ['batch', 'service'])).evaluation.ID).toBe(service.ID);
  });
});

describe('one evaluation per job', () => {
  it('parks later evaluations of a job until the current one is acked', async () => {
    const { broker, clock } = await setup();
    const first = evaluation({ JobID: 'j-same' });
    const second = evaluation({ JobID: 'j-same' });
    const other = evaluation({ JobID: 'j-other' });
    broker.enqueueAll([first, second, other]);
    expect(broker.stats()).toMatchObject({ totalReady: 2, totalPending: 1 });

    const d1 = await take(broker);
    const d2 = await take(broker);
    expect([d1.evaluation.ID, d2.evaluation.ID]).toEqual([first.ID, other.ID]);
    await nothingReady(broker, clock);

    broker.ack(first.ID, d1.receipt);
    expect(broker.stats()).toMatchObject({ totalReady: 1, totalPending: 0 });
    expect((await take(broker)).evaluation.ID).toBe(second.ID);
  });

  it('dequeueReady takes what is ready now, best first, one per job, without waiting', async () => {
    const { broker } = await setup();
    const low = evaluation({ JobID: 'j-low' });
    const high = evaluation({ JobID: 'j-high', Priority: 90 });
    const parked = evaluation({ JobID: 'j-low' });
    broker.enqueueAll([low, high, parked]);
    const batch = broker.dequeueReady(['batch'], 5);
    expect(batch.map((d) => d.evaluation.ID)).toEqual([high.ID, low.ID]);
    expect(broker.stats()).toMatchObject({ totalInflight: 2, totalPending: 1 });
    expect(broker.dequeueReady(['batch'], 5)).toEqual([]);
    broker.ack(low.ID, batch[1]?.receipt ?? '');
    expect(broker.dequeueReady(['batch'], 0)).toEqual([]);
    expect(broker.dequeueReady(['batch'], 1).map((d) => d.evaluation.ID)).toEqual([parked.ID]);
    await broker.stop();
    expect(broker.dequeueReady(['batch'], 1)).toEqual([]);
  });

  it('keeps the slot across a nack: the nacked evaluation comes back before a parked one', async () => {
    const { broker, clock } = await setup();
    const first = evaluation({ JobID: 'j-same' });
    const second = evaluation({ JobID: 'j-same', Priority: 99 });
    broker.enqueueAll([first, second]);
    const d = await take(broker);
    broker.nack(first.ID, d.receipt);
    await nothingReady(broker, clock);
    await clock.advanceAsync(5_000);
    expect((await take(broker)).evaluation.ID).toBe(first.ID);
  });

  it('treats the same job ID in different namespaces as different jobs', async () => {
    const { broker } = await setup();
    const a = evaluation({ JobID: 'example', Namespace: 'one' });
    const b = evaluation({ JobID: 'example', Namespace: 'two' });
    broker.enqueueAll([a, b]);
    expect(broker.stats()).toMatchObject({ totalReady: 2, totalPending: 0 });
  });

  it('on ack promotes the newest pending evaluation and cancels the rest (Go serialisation test)', async () => {
    const { broker, cancelled } = await setup();
    const mk = (i: number, ns: string): Evaluation =>
      evaluation({ ID: `eval:${i}`, JobID: 'example', Namespace: ns, CreateTime: i, ModifyTime: i });
    const evals = [1, 2, 3, 4].map((i) => mk(i, 'one')).concat([5, 6, 7].map((i) => mk(i, 'two')));
    for (const e of evals) broker.enqueue(e);
    const totals = (): number[] => {
      const s = broker.stats();
      return [s.totalReady, s.totalInflight, s.totalPending, cancelled.length];
    };
    expect(totals()).toEqual([2, 0, 5, 0]);

    let d = await take(broker);
    expect(d.evaluation.ID).toBe('eval:1');
    expect(totals()).toEqual([1, 1, 5, 0]);
    broker.ack(d.evaluation.ID, d.receipt);
    expect(totals()).toEqual([2, 0, 2, 2]);

    d = await take(broker);
    expect(d.evaluation.ID).toBe('eval:4');
    broker.ack(d.evaluation.ID, d.receipt);
    expect(totals()).toEqual([1, 0, 2, 2]);

    d = await take(broker);
    expect(d.evaluation.ID).toBe('eval:5');
    broker.ack(d.evaluation.ID, d.receipt);
    expect(totals()).toEqual([1, 0, 0, 3]);

    d = await take(broker);
    expect(d.evaluation.ID).toBe('eval:7');
    broker.ack(d.evaluation.ID, d.receipt);
    expect(totals()).toEqual([0, 0, 0, 3]);

    expect(cancelled.map((e) => [e.ID, e.Status])).toEqual([
      ['eval:2', 'canceled'],
      ['eval:3', 'canceled'],
      ['eval:6', 'canceled'],
    ]);
  });

  it('promotes the highest-priority pending evaluation over a newer one', async () => {
    const { broker } = await setup();
    const current = evaluation({ JobID: 'j' });
    const important = evaluation({ JobID: 'j', Priority: 90, ModifyTime: 1 });
    const newer = evaluation({ JobID: 'j', Priority: 10, ModifyTime: 100 });
    broker.enqueueAll([current, important, newer]);
    const d = await take(broker);
    broker.ack(current.ID, d.receipt);
    expect((await take(broker)).evaluation.ID).toBe(important.ID);
  });

  it('hands superseded evaluations to onCancelable, in one call per ack', async () => {
    const batches: Evaluation[][] = [];
    const { broker } = await setup({ onCancelable: (evals) => batches.push(evals) });
    const evals = [1, 2, 3].map(() => evaluation({ JobID: 'j' }));
    broker.enqueueAll(evals);
    const d = await take(broker);
    broker.ack(d.evaluation.ID, d.receipt);
    expect(batches).toEqual([[{ ...evals[1], Status: 'canceled' }]]);
    // A cancelled evaluation left the broker: its ID may be enqueued again.
    const next = await take(broker);
    broker.ack(next.evaluation.ID, next.receipt);
    broker.enqueue(evals[1]!);
    expect((await take(broker)).evaluation.ID).toBe(evals[1]!.ID);
  });
});

describe('delayed evaluations', () => {
  it('holds an evaluation until its WaitUntil, then wakes a waiting dequeue exactly then', async () => {
    const { broker, clock } = await setup();
    const e = evaluation({ WaitUntil: iso(T0 + 60_000) });
    broker.enqueue(e);
    expect(broker.stats()).toMatchObject({ totalWaiting: 1, totalReady: 0 });
    const waiting = track(broker.dequeue(['batch']));
    await clock.advanceAsync(59_999);
    expect(waiting.settled).toBe(false);
    await clock.advanceAsync(1);
    expect(waiting.settled).toBe(true);
    expect(waiting.value?.evaluation.ID).toBe(e.ID);
    expect(broker.stats()).toMatchObject({ totalWaiting: 0, totalInflight: 1 });
  });

  it('releases several delayed evaluations in WaitUntil order with one timer', async () => {
    const { broker, clock } = await setup();
    const late = evaluation({ WaitUntil: iso(T0 + 3_000) });
    const early = evaluation({ WaitUntil: iso(T0 + 1_000) });
    const middle = evaluation({ WaitUntil: iso(T0 + 2_000) });
    broker.enqueueAll([late, early, middle]);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDue()).toBe(T0 + 1_000);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      await clock.advanceAsync(1_000);
      got.push((await take(broker)).evaluation.ID);
    }
    expect(got).toEqual([early.ID, middle.ID, late.ID]);
    expect(clock.pendingTimers).toBe(3); // only the three visibility timeouts
  });

  it('treats a WaitUntil in the past, the zero time or garbage as ready now', async () => {
    const { broker } = await setup();
    broker.enqueueAll([
      evaluation({ WaitUntil: iso(T0 - 1) }),
      evaluation({ WaitUntil: ZeroTime }),
      evaluation({ WaitUntil: '' }),
      evaluation({ WaitUntil: 'not a time' }),
      evaluation({ WaitUntil: iso(T0) }),
    ]);
    expect(broker.stats()).toMatchObject({ totalReady: 5, totalWaiting: 0 });
  });

  it('does not take the job slot while delayed', async () => {
    const { broker, clock } = await setup();
    const later = evaluation({ JobID: 'j', WaitUntil: iso(T0 + 10_000) });
    const now = evaluation({ JobID: 'j' });
    broker.enqueueAll([later, now]);
    const d = await take(broker);
    expect(d.evaluation.ID).toBe(now.ID);
    await clock.advanceAsync(10_000);
    expect(broker.stats()).toMatchObject({ totalPending: 1, totalReady: 0 });
    broker.ack(now.ID, d.receipt);
    expect((await take(broker)).evaluation.ID).toBe(later.ID);
  });
});

describe('waking delayed evaluations', () => {
  const queued = { trigger: 'job-queue', types: ['batch'], minAgeMs: 5_000 };
  /** Created at T0 (as the broker's clock reads it), due `s` minutes later. */
  const waiting = (s: number, over: Partial<Evaluation> = {}): Evaluation =>
    evaluation({ TriggeredBy: 'job-queue', CreateTime: T0 * 1e6, WaitUntil: iso(T0 + s * 60_000), ...over });

  it('brings up to max selected evaluations forward, soonest first, to minAgeMs after their creation', async () => {
    const { broker, clock } = await setup();
    const three = [3, 1, 2].map((s) => waiting(s));
    const other = waiting(0.5, { TriggeredBy: 'exec-limit' });
    const daemon = waiting(0.25, { Type: 'daemon' });
    broker.enqueueAll([...three, other, daemon]);
    expect(broker.wakeDelayed(queued, 2)).toBe(2);
    await nothingReady(broker, clock);
    await clock.advanceAsync(5_000);
    expect((await take(broker)).evaluation.ID).toBe(three[1]?.ID);
    expect((await take(broker)).evaluation.ID).toBe(three[2]?.ID);
    await nothingReady(broker, clock);
    // the others keep their WaitUntil
    await clock.advanceAsync(10_000);
    expect((await take(broker, ['daemon'])).evaluation.ID).toBe(daemon.ID);
    await clock.advanceAsync(15_000);
    expect((await take(broker)).evaluation.ID).toBe(other.ID);
    await clock.advanceAsync(150_000);
    expect((await take(broker)).evaluation.ID).toBe(three[0]?.ID);
  });

  it("makes an evaluation older than minAgeMs due now, and parks it behind its job's current one", async () => {
    const { broker, clock } = await setup();
    const current = evaluation({ JobID: 'j' });
    const sameJob = waiting(1, { JobID: 'j' });
    const elsewhere = waiting(1);
    broker.enqueueAll([current, sameJob, elsewhere]);
    const first = await take(broker);
    await clock.advanceAsync(6_000);
    const waitingDequeue = broker.dequeue(['batch']);
    expect(broker.wakeDelayed(queued, 10)).toBe(2);
    await clock.advanceAsync(0);
    expect((await waitingDequeue)?.evaluation.ID).toBe(elsewhere.ID);
    expect(broker.stats().totalPending).toBe(1);
    broker.ack(first.evaluation.ID, first.receipt);
    expect((await take(broker)).evaluation.ID).toBe(sameJob.ID);
  });

  it('leaves an evaluation delayed by a nack alone, and one already due sooner', async () => {
    const { broker, clock } = await setup();
    broker.enqueue(evaluation({ TriggeredBy: 'job-queue' }));
    const d = await take(broker);
    broker.nack(d.evaluation.ID, d.receipt);
    broker.enqueue(waiting(1 / 60)); // due at T0 + 1 s, before its minimum age
    expect(broker.wakeDelayed(queued, 10)).toBe(0);
    await nothingReady(broker, clock);
    expect(broker.stats().totalWaiting).toBe(2);
  });
});

describe('visibility timeout and nack', () => {
  it('implicitly nacks an evaluation not acked within the visibility timeout', async () => {
    const { broker, clock } = await setup();
    const e = evaluation();
    broker.enqueue(e);
    const d = await take(broker);
    await clock.advanceAsync(59_999);
    expect(broker.stats()).toMatchObject({ totalInflight: 1, totalWaiting: 0 });
    await clock.advanceAsync(1);
    expect(broker.stats()).toMatchObject({ totalInflight: 0, totalWaiting: 1 });
    expect(reasonOf(() => broker.ack(e.ID, d.receipt))).toBe(BrokerErrorReason.NotInflight);

    await clock.advanceAsync(5_000);
    const again = await take(broker);
    expect(again.evaluation.ID).toBe(e.ID);
    expect(again.receipt).not.toBe(d.receipt);
    // The stale receipt of the first delivery is refused; the current one works.
    expect(reasonOf(() => broker.ack(e.ID, d.receipt))).toBe(BrokerErrorReason.ReceiptMismatch);
    broker.ack(e.ID, again.receipt);
  });

  it('acking cancels the visibility timer', async () => {
    const { broker, clock } = await setup();
    const e = evaluation();
    broker.enqueue(e);
    const d = await take(broker);
    broker.ack(e.ID, d.receipt);
    expect(clock.pendingTimers).toBe(0);
  });

  it('re-enqueues nacked evaluations after 5 s, then 30 s × (deliveries − 1)', async () => {
    const { broker, clock } = await setup({ maxRetryCount: 10 });
    const e = evaluation();
    broker.enqueue(e);
    const delays: number[] = [];
    let nackedAt = 0;
    for (let i = 0; i < 4; i++) {
      const d = await take(broker);
      nackedAt = clock.now();
      broker.nack(e.ID, d.receipt);
      expect(broker.stats()).toMatchObject({ totalWaiting: 1, totalInflight: 0, totalReady: 0 });
      const due = clock.nextDue()!;
      delays.push(due - nackedAt);
      await clock.advanceAsync(due - nackedAt - 1);
      expect(broker.stats().totalReady).toBe(0);
      await clock.advanceAsync(1);
      expect(broker.stats()).toMatchObject({ totalWaiting: 0, totalReady: 1 });
    }
    expect(delays).toEqual([5_000, 30_000, 60_000, 90_000]);
    // The redelivered evaluation carries the WaitUntil the nack gave it (RFC 3339, zero fraction trimmed).
    const d = await take(broker);
    expect(d.evaluation.WaitUntil).toBe(iso(nackedAt + 90_000).replace('.000Z', 'Z'));
    broker.ack(e.ID, d.receipt);
  });

  it('uses the configured nack delays', async () => {
    const { broker, clock } = await setup({ initialNackDelayMs: 100, subsequentNackDelayMs: 1_000 });
    const e = evaluation();
    broker.enqueue(e);
    let d = await take(broker);
    broker.nack(e.ID, d.receipt);
    await clock.advanceAsync(100);
    d = await take(broker);
    broker.nack(e.ID, d.receipt);
    await clock.advanceAsync(999);
    expect(broker.stats().totalReady).toBe(0);
    await clock.advanceAsync(1);
    d = await take(broker);
    broker.ack(e.ID, d.receipt);
  });

  it('a nack delay of 0 makes the evaluation ready again at once', async () => {
    const { broker } = await setup({ initialNackDelayMs: 0 });
    const e = evaluation();
    broker.enqueue(e);
    const d = await take(broker);
    broker.nack(e.ID, d.receipt);
    expect((await take(broker)).evaluation.ID).toBe(e.ID);
  });
});

describe('dead letters', () => {
  async function exhaust(
    broker: EvaluationBroker,
    clock: ManualClock,
    e: Evaluation,
    times: number,
  ): Promise<void> {
    for (let i = 0; i < times; i++) {
      const d = await take(broker);
      expect(d.evaluation.ID).toBe(e.ID);
      broker.nack(e.ID, d.receipt);
      const due = clock.nextDue();
      if (due !== undefined) await clock.advanceAsync(due - clock.now());
    }
  }

  it('hands the evaluation, marked failed, to onDeadLetter and releases its job (Go keeps the job waiting)', async () => {
    const { broker, clock, deadLettered: dead } = await setup({ maxRetryCount: 2 });
    const e = evaluation({ JobID: 'j' });
    const parked = evaluation({ JobID: 'j' });
    broker.enqueueAll([e, parked]);
    await exhaust(broker, clock, e, 2);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      ID: e.ID,
      Status: 'failed',
      Comment: 'evaluation failed after 2 delivery attempts',
    });
    expect(broker.stats()).toMatchObject({ totalDeadLettered: 1, totalReady: 1, totalPending: 0 });
    expect((await take(broker)).evaluation.ID).toBe(parked.ID);
    // It left the broker: the same ID may come back.
    broker.enqueue(e);
    expect(broker.stats().totalPending).toBe(1);
  });

  it('dead-letters through the visibility timeout too', async () => {
    const dead: string[] = [];
    const { broker, clock } = await setup({
      maxRetryCount: 1,
      visibilityTimeoutMs: 1_000,
      onDeadLetter: (e) => dead.push(e.ID),
    });
    const e = evaluation();
    broker.enqueue(e);
    await take(broker);
    await clock.advanceAsync(1_000);
    expect(dead).toEqual([e.ID]);
    expect(broker.stats()).toMatchObject({ totalInflight: 0, totalReady: 0, totalWaiting: 0 });
  });

  it('an ack on the last allowed delivery completes normally', async () => {
    const dead: string[] = [];
    const { broker, clock } = await setup({ maxRetryCount: 3, onDeadLetter: (e) => dead.push(e.ID) });
    const e = evaluation();
    broker.enqueue(e);
    await exhaust(broker, clock, e, 2);
    const d = await take(broker);
    broker.ack(e.ID, d.receipt);
    expect(dead).toEqual([]);
    expect(broker.stats()).toMatchObject({
      totalReady: 0,
      totalInflight: 0,
      totalWaiting: 0,
      totalPending: 0,
    });
  });
});

describe('waiting dequeues', () => {
  it('serves waiters first come, first served, each from its own queues', async () => {
    const { broker, clock } = await setup();
    const w1 = track(broker.dequeue(['service']));
    const w2 = track(broker.dequeue(['batch']));
    const w3 = track(broker.dequeue(['batch', 'service']));
    const batch = evaluation({ Type: 'batch' });
    broker.enqueue(batch);
    await clock.advanceAsync(0);
    expect(w1.settled).toBe(false);
    expect(w2.value?.evaluation.ID).toBe(batch.ID);
    expect(w3.settled).toBe(false);
    const service = evaluation({ Type: 'service' });
    broker.enqueue(service);
    await clock.advanceAsync(0);
    expect(w1.value?.evaluation.ID).toBe(service.ID);
    expect(w3.settled).toBe(false);
  });

  it('resolves undefined when its timeout elapses first', async () => {
    const { broker, clock } = await setup();
    const w = track(broker.dequeue(['batch'], { timeoutMs: 500 }));
    await clock.advanceAsync(499);
    expect(w.settled).toBe(false);
    await clock.advanceAsync(1);
    expect(w).toEqual({ settled: true, value: undefined });
    broker.enqueue(evaluation());
    expect(broker.stats().totalReady).toBe(1);
  });

  it('rejects when its signal aborts, and no longer takes work', async () => {
    const { broker, clock } = await setup();
    const controller = new AbortController();
    const p = broker.dequeue(['batch'], { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(p).rejects.toMatchObject({
      code: 'RequestCancelled',
      details: { Reason: 'Aborted' },
      cause: new Error('shutting down'),
    });
    broker.enqueue(evaluation());
    await clock.advanceAsync(0);
    expect(broker.stats()).toMatchObject({ totalReady: 1, totalInflight: 0 });
    await expect(broker.dequeue(['batch'], { signal: controller.signal })).rejects.toMatchObject({
      details: { Reason: 'Aborted' },
    });
    expect(broker.stats().totalReady).toBe(1);
  });

  it('after enqueueAll, a waiter gets the highest priority, not the first enqueued', async () => {
    const { broker, clock } = await setup();
    const w = track(broker.dequeue(['batch']));
    const low = evaluation({ Priority: 1 });
    const high = evaluation({ Priority: 100 });
    broker.enqueueAll([low, high]);
    await clock.advanceAsync(0);
    expect(w.value?.evaluation.ID).toBe(high.ID);
  });
});

describe('lifecycle', () => {
  it('stop rejects waiters, cancels timers, forgets what it held, is idempotent and final', async () => {
    const { broker, clock } = await setup();
    const inflight = evaluation();
    broker.enqueueAll([
      inflight,
      evaluation({ JobID: inflight.JobID }),
      evaluation({ WaitUntil: iso(T0 + 1_000) }),
    ]);
    const d = await take(broker);
    const waiter = broker.dequeue(['batch']);
    await broker.stop();
    await expect(waiter).rejects.toMatchObject({
      code: 'ServiceUnavailable',
      details: { Reason: 'Stopped' },
    });
    expect(clock.pendingTimers).toBe(0);
    expect(reasonOf(() => broker.ack(inflight.ID, d.receipt))).toBe(BrokerErrorReason.NotInflight);
    expect(broker.stats()).toMatchObject({
      totalReady: 0,
      totalInflight: 0,
      totalPending: 0,
      totalWaiting: 0,
    });
    await broker.stop();
    expect(broker.wakeDelayed({ trigger: 'job-queue', types: ['batch'], minAgeMs: 0 }, 10)).toBe(0);
    broker.enqueue(evaluation());
    expect(broker.stats().totalReady).toBe(0);
    await expect(broker.dequeue(['batch'])).rejects.toMatchObject({ details: { Reason: 'Stopped' } });
  });

  it('rebuilds from stored evaluations with enqueueAll: one per job, delayed ones delayed', async () => {
    const { broker } = await setup();
    const stored = [
      evaluation({ JobID: 'a', Priority: 10 }),
      evaluation({ JobID: 'a', Priority: 10 }),
      evaluation({ JobID: 'b', Priority: 20 }),
      evaluation({ JobID: 'c', WaitUntil: iso(T0 + 60_000) }),
    ];
    broker.enqueueAll(stored);
    expect(broker.stats()).toMatchObject({ totalReady: 2, totalPending: 1, totalWaiting: 1 });
    expect((await take(broker)).evaluation.JobID).toBe('b');
  });
});

describe('invariants', () => {
  it('never has two evaluations of a job in flight; every evaluation ends acked, cancelled or dead', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ job: fc.integer({ min: 0, max: 4 }), priority: fc.integer({ min: 0, max: 3 }) }),
          {
            maxLength: 40,
          },
        ),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        async (specs, acks) => {
          const ended: string[] = [];
          const { broker, clock } = await setup({
            maxRetryCount: 3,
            onCancelable: (evals) => ended.push(...evals.map((e) => e.ID)),
            onDeadLetter: (e) => ended.push(e.ID),
          });
          const evals = specs.map((s) => evaluation({ JobID: `job-${s.job}`, Priority: s.priority }));
          broker.enqueueAll(evals);
          let step = 0;
          while (ended.length < evals.length) {
            const batch: Delivery[] = [];
            while (broker.stats().totalReady > 0) batch.push(await take(broker));
            const jobs = batch.map((d) => d.evaluation.JobID);
            expect(new Set(jobs).size).toBe(jobs.length);
            for (const d of batch) {
              if (acks[step++ % acks.length] === true) {
                broker.ack(d.evaluation.ID, d.receipt);
                ended.push(d.evaluation.ID);
              } else {
                broker.nack(d.evaluation.ID, d.receipt);
              }
            }
            if (batch.length === 0) {
              const due = clock.nextDue();
              expect(due).toBeDefined();
              await clock.advanceAsync(due! - clock.now());
            }
          }
          expect(new Set(ended)).toEqual(new Set(evals.map((e) => e.ID)));
          expect(ended).toHaveLength(evals.length);
          expect(broker.stats()).toMatchObject({
            totalReady: 0,
            totalInflight: 0,
            totalPending: 0,
            totalWaiting: 0,
          });
          await broker.stop();
        },
      ),
      { numRuns: 100 },
    );
  });
});
