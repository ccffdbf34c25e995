import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { turnsDuring } from '../../../test/helpers/event-loop.js';
import { BacalhauError } from '../../models/bacerrors.js';
import { makeJob, ManualClock } from '../store.contract.js';
import type { JobQuery } from '../types.js';
import { isLongListing, SlicedListingMinJobs, SlicedReader } from './sliced-reader.js';
import { SqliteJobStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-sliced-'));
let fileCounter = 0;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ids = (jobs: readonly { ID: string }[]): string[] => jobs.map((job) => job.ID);

describe('SlicedReader', () => {
  let path: string;
  let store: SqliteJobStore;
  let clock: ManualClock;
  let reader: SlicedReader;

  beforeEach(async () => {
    path = join(dir, `store-${++fileCounter}.db`);
    clock = new ManualClock();
    store = await SqliteJobStore.create({ path, clock });
    for (let i = 0; i < 40; i++) {
      clock.ms += 1000;
      await store.createJob(makeJob({ Name: `job-${i}`, Labels: { parity: i % 2 === 0 ? 'even' : 'odd' } }));
    }
    // a slice per row: every listing below spans many turns of the loop
    reader = new SlicedReader({ path, busyTimeoutMs: 1000, storeError: (err) => err, sliceMs: 0 });
  });

  afterEach(async () => {
    await reader.close();
    await store.close();
  });

  it('lists what the store lists, turn after turn of the event loop', async () => {
    const queries: JobQuery[] = [
      {},
      { reverse: true },
      { orderBy: 'modified_at' },
      { limit: 7, offset: 3 },
      { labels: (labels) => labels['parity'] === 'odd', offset: 2, limit: 5 },
      { labels: () => false },
    ];
    for (const query of queries) {
      const { result: page, turns } = await turnsDuring(() => reader.listJobs(query));
      expect(page).toEqual(await store.read((tx) => tx.listJobs(query)));
      // at least one turn per row read (the label query that matches none reads 40 rows too)
      expect(turns).toBeGreaterThanOrEqual(query.limit ?? 40);
    }
  });

  it('lists the jobs as they were when it began, whatever is written meanwhile', async () => {
    const before = await store.listJobs({ orderBy: 'modified_at', limit: 100 });
    const listing = reader.listJobs({ orderBy: 'modified_at' });
    // between its slices: a job moves to the end of this order, one is deleted, one is added
    clock.ms += 1000;
    await store.updateJobState({ jobID: before.items[0]!.ID, newState: 'Running' });
    await store.deleteJob(before.items[1]!.ID);
    await store.createJob(makeJob({ Name: 'late' }));
    expect(ids((await listing).items)).toEqual(ids(before.items));
    expect(ids((await reader.listJobs({ orderBy: 'modified_at' })).items)).not.toEqual(ids(before.items));
  });

  it("gives a newest-first page the store's mark, and leaves out of a later page the jobs added since", async () => {
    const all = await store.listJobs({ reverse: true });
    const first = await reader.listJobs({ reverse: true, limit: 5 });
    expect(ids(first.items)).toEqual(ids(all.items.slice(0, 5)));
    expect(first.addedUpTo).toBeDefined();
    await store.createJob(makeJob({ Name: 'late' }));
    const second = await reader.listJobs({ reverse: true, limit: 5, offset: 5, addedUpTo: first.addedUpTo });
    expect(ids(second.items)).toEqual(ids(all.items.slice(5, 10)));
    expect(second.addedUpTo).toBe(first.addedUpTo);
    // without the mark the late job takes a place, and one already listed comes again
    const unmarked = await reader.listJobs({ reverse: true, limit: 5, offset: 5 });
    expect(ids(unmarked.items)).toEqual(ids(all.items.slice(4, 9)));
  });

  it('takes listings in turn', async () => {
    const [all, odd] = await Promise.all([
      reader.listJobs({}),
      reader.listJobs({ labels: (labels) => labels['parity'] === 'odd' }),
    ]);
    expect(all.items).toHaveLength(40);
    expect(odd.items).toHaveLength(20);
  });

  it('holds no listing once it was answered (a listing of every job is the whole store, decoded)', async () => {
    const answered = new WeakRef(await reader.listJobs({}));
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(answered.deref()).toBeUndefined();
  });

  it('gives up a listing whose requester has gone: under way at its next slice, queued before it reads', async () => {
    const first = new AbortController();
    const second = new AbortController();
    let labelsRead = 0;
    const counting = (): boolean => {
      labelsRead++;
      return true;
    };
    const underWay = reader.listJobs({ labels: counting, signal: first.signal });
    const queued = reader.listJobs({ labels: counting, signal: second.signal });
    const after = reader.listJobs({});
    await new Promise((resolve) => setImmediate(resolve));
    const gone = new Error('the client left');
    first.abort(gone);
    second.abort(gone);
    await expect(underWay).rejects.toBe(gone);
    await expect(queued).rejects.toBe(gone);
    // the first read a few rows before it stopped, the second none
    expect(labelsRead).toBeGreaterThan(0);
    expect(labelsRead).toBeLessThan(40);
    expect((await after).items).toHaveLength(40);
  });

  it('ends a listing under way when closed, and refuses new ones', async () => {
    const listing = reader.listJobs({});
    await reader.close();
    await expect(listing).rejects.toThrow(BacalhauError);
    await expect(listing).rejects.toThrow(/closed/);
    await expect(reader.listJobs({})).rejects.toThrow(/closed/);
  });
});

describe('isLongListing', () => {
  it('is a listing without a limit, or with one above what is read at once', () => {
    expect(isLongListing({})).toBe(true);
    expect(isLongListing({ limit: 0 })).toBe(true);
    expect(isLongListing({ limit: SlicedListingMinJobs + 1 })).toBe(true);
    expect(isLongListing({ limit: SlicedListingMinJobs })).toBe(false);
    expect(isLongListing({ limit: 10, offset: 100_000 })).toBe(false);
  });
});
