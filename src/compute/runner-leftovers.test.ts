import { existsSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { EngineRegistry } from './engines.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import type { ExecutionRunner } from './runner.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';
import { testRunner } from './testing.js';
import { testExecution } from '../transport/testing/index.js';

const RetainMs = 60 * 60_000;

describe('ExecutionRunner.removeLeftovers', () => {
  let dir: string;
  let clock: ManualClock;
  let paths: ExecutionPaths;
  let runner: ExecutionRunner;
  let store: SqliteExecutionStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-leftovers-'));
    clock = new ManualClock(Date.now());
    paths = new ExecutionPaths(join(dir, 'executions'));
    store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert });
    runner = testRunner({ store, engines: new EngineRegistry({}), paths, clock, retainOutputMs: RetainMs });
  });

  afterEach(async () => {
    await runner.stop();
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Folders of an execution a previous process ran, made `ageMs` ago; its results last changed
   * `resultsMs` ago and its log `logMs` ago.
   */
  async function leftover(
    executionID: string,
    ageMs: number,
    resultsMs = ageMs,
    logMs = ageMs,
  ): Promise<string> {
    const { root, results, logs } = await paths.prepare(executionID);
    await writeFile(paths.logFile(executionID), 'output\n');
    const at = (ms: number): Date => new Date(clock.now() - ms);
    await Promise.all([root, logs].map((folder) => utimes(folder, at(ageMs), at(ageMs))));
    await utimes(results, at(resultsMs), at(resultsMs));
    await utimes(paths.logFile(executionID), at(logMs), at(logMs));
    return root;
  }

  it('removes ended executions an hour after their folders last changed, and keeps live ones', async () => {
    const old = await leftover('e-ended-long-ago', 2 * RetainMs);
    const recent = await leftover('e-ended-recently', 10 * 60_000);
    const live = await leftover('e-still-running', 2 * RetainMs);

    await runner.removeLeftovers((id) => id === 'e-still-running');
    expect(await paths.existing()).toHaveLength(3);
    clock.advance(0);
    await expect.poll(() => existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);

    clock.advance(50 * 60_000);
    await expect.poll(() => existsSync(recent)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('removes nothing when the runner stopped while the folders were being listed', async () => {
    const old = await leftover('e-listed-after-stop', 2 * RetainMs);
    const listing = runner.removeLeftovers(() => false);
    await runner.stop();
    await listing;
    clock.advance(2 * RetainMs);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(existsSync(old)).toBe(true);
  });

  it('counts an hour from when a long execution last wrote output or results, not from its start', async () => {
    const results = await leftover('e-results-late', 3 * RetainMs, 10 * 60_000);
    const log = await leftover('e-logged-late', 3 * RetainMs, 3 * RetainMs, 10 * 60_000);
    await runner.removeLeftovers(() => false);
    clock.advance(0);
    clock.advance(49 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([existsSync(results), existsSync(log)]).toEqual([true, true]);
    clock.advance(2 * 60_000);
    await expect.poll(() => existsSync(results) || existsSync(log)).toBe(false);
  });

  it('finds nothing to remove before any execution ran', async () => {
    expect(await paths.existing()).toEqual([]);
    expect(await runner.removeLeftovers(() => false)).toEqual([]);
  });

  it('names the ended executions whose folders it found but the store has no record of', async () => {
    store.create(testExecution({ id: 'e-recorded' }));
    await Promise.all(['e-recorded', 'e-forgotten', 'e-live'].map((id) => leftover(id, 10 * 60_000)));
    expect(await runner.removeLeftovers((id) => id === 'e-live')).toEqual(['e-forgotten']);
  });

  it('does not name an execution forgotten while the folders were listed: its folders went first', async () => {
    await leftover('e-swept', 2 * RetainMs);
    const list = paths.existing.bind(paths);
    // the retention sweep removes the folders, then the record, just after the listing
    vi.spyOn(paths, 'existing').mockImplementation(async () => {
      const found = await list();
      await paths.remove('e-swept');
      return found;
    });
    expect(await runner.removeLeftovers(() => false)).toEqual([]);
  });
});
