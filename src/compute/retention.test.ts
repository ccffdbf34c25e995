import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { testExecution } from '../transport/testing/index.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import { ExecutionRetention, type ExecutionRetentionOptions } from './retention.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';

const HourMs = 3_600_000;

describe('ExecutionRetention', () => {
  let dir: string;
  let clock: ManualClock;
  let store: SqliteExecutionStore;
  let paths: ExecutionPaths;
  let errors: unknown[];
  let retention: ExecutionRetention | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-retention-'));
    clock = new ManualClock(Date.UTC(2026, 0, 1));
    store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert, now: () => clock.now() });
    paths = new ExecutionPaths(join(dir, 'executions'));
    errors = [];
  });

  afterEach(async () => {
    await retention?.stop();
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  function start(options: Partial<ExecutionRetentionOptions> = {}): ExecutionRetention {
    retention = new ExecutionRetention({
      store,
      removeFolders: (id) => paths.remove(id),
      clock,
      retainMs: HourMs,
      onError: (error) => errors.push(error),
      ...options,
    });
    return retention;
  }

  /** An execution that ran (it has folders) and completed now; the orchestrator has its result. */
  async function completed(id: string): Promise<string> {
    store.create(testExecution({ id }));
    const { root } = await paths.prepare(id);
    store.update({ executionID: id, newValues: { ComputeState: { StateType: 'Completed', Message: '' } } });
    store.ackOutbox(Number.MAX_SAFE_INTEGER);
    return root;
  }

  it('forgets, when the node starts and then every interval, what ended more than an hour before, folders first', async () => {
    const old = await completed('e-old');
    clock.advance(50 * 60_000);
    const recent = await completed('e-recent');
    store.create(testExecution({ id: 'e-live' }));
    clock.advance(20 * 60_000);

    start().start();
    await clock.advanceAsync(0);
    await expect.poll(() => store.find('e-old')).toBeUndefined();
    expect(existsSync(old)).toBe(false);
    expect([existsSync(recent), store.find('e-recent') !== undefined]).toEqual([true, true]);

    // five minutes at a time: the next sweep is set once the last one finished, which takes real time
    const recentEnded = clock.now() - 20 * 60_000;
    await expect
      .poll(async () => {
        await clock.advanceAsync(5 * 60_000);
        return store.find('e-recent');
      })
      .toBeUndefined();
    expect(clock.now()).toBeGreaterThanOrEqual(recentEnded + HourMs);
    expect(clock.now()).toBeLessThanOrEqual(recentEnded + HourMs + 15 * 60_000);
    expect(existsSync(recent)).toBe(false);
    expect(store.find('e-live')).toBeDefined();
    expect(store.count('Completed')).toBe(2);
    expect(errors).toEqual([]);
  });

  it('keeps the record of an execution whose folders could not be removed, for the next sweep', async () => {
    await completed('e-stuck');
    await completed('e-fine');
    clock.advance(2 * HourMs);
    const refusal = new Error('EBUSY: resource busy');
    let refuse = true;
    const sweeper = start({
      removeFolders: (id) => (id === 'e-stuck' && refuse ? Promise.reject(refusal) : paths.remove(id)),
    });
    expect(await sweeper.sweep()).toBe(1);
    expect(store.find('e-stuck')).toBeDefined();
    expect(store.find('e-fine')).toBeUndefined();
    expect(errors).toEqual([refusal]);
    refuse = false;
    expect(await sweeper.sweep()).toBe(1);
    expect(store.find('e-stuck')).toBeUndefined();
  });

  it('goes through more executions than one batch holds in one sweep', async () => {
    for (let i = 0; i < 450; i++) {
      store.create(testExecution({ id: `e-${i}` }));
      store.update({
        executionID: `e-${i}`,
        newValues: { ComputeState: { StateType: 'Failed', Message: '' } },
      });
    }
    store.ackOutbox(Number.MAX_SAFE_INTEGER);
    clock.advance(2 * HourMs);
    expect(await start().sweep()).toBe(450);
    expect(store.endedBefore(clock.now(), 10)).toEqual([]);
    expect(store.count('Failed')).toBe(450);
  });

  it('sweeps no more once stopped', async () => {
    const sweeper = start();
    sweeper.start();
    await sweeper.stop();
    await completed('e-after-stop');
    clock.advance(2 * HourMs);
    await clock.advanceAsync(HourMs);
    expect(store.find('e-after-stop')).toBeDefined();
  });
});
