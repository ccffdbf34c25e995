/**
 * Long job listings without stalling the event loop. Bacalhau lists every job when a request sets no
 * limit (`GET /api/v1/orchestrator/jobs` without `limit`), and reading and decoding them at
 * once held the loop for 400 ms per 50,000 jobs: every other request, heartbeat and scheduling step
 * waited. Here such a listing reads on a second, read-only connection, a slice of at most
 * {@link SliceMs} per turn of the loop. SQLite keeps a connection's read transaction open while one of
 * its statements is being stepped through, and in WAL mode that snapshot stays the one it began with
 * while the store's connection goes on committing: the listing is as consistent as one read at once
 * (no job twice or missed when jobs change or move meanwhile).
 *
 * Listings take turns on the connection (a statement being stepped through holds it), so a short page
 * is read by the store itself rather than queued behind a long listing. A listing whose client has
 * gone (`JobQuery.signal`) gives up its turn: hundreds of abandoned full listings, each of them reading
 * and holding every job in turn, would otherwise keep the node busy and its memory high for minutes.
 */
import Database from 'better-sqlite3';
import type { Job } from '../../models/job.js';
import type { JobPage, JobQuery } from '../types.js';
import { storeClosed } from '../errors.js';
import { jobPage, listedJobs, listingPaging, type ListingEnd, type ListingSource } from './job-listing.js';
import { specDocStatement, StatementCache } from './statements.js';

/** The longest a listing holds the event loop at a time. */
export const SliceMs = 10;

/** Pages up to this many jobs are read at once by the store (a few ms); longer ones here. */
export const SlicedListingMinJobs = 1000;

/** Whether `query` may list more jobs than are read at once. */
export function isLongListing(query: JobQuery): boolean {
  const { limit } = listingPaging(query);
  return limit === 0 || limit > SlicedListingMinJobs;
}

export interface SlicedReaderOptions {
  /** The store's database file (not `:memory:`: a second connection could not see it). */
  path: string;
  busyTimeoutMs: number;
  /** Turns SQLite's errors into the store's. */
  storeError: (err: unknown) => unknown;
  /** Default {@link SliceMs}. */
  sliceMs?: number;
}

export class SlicedReader {
  readonly #o: SlicedReaderOptions;
  #source: (ListingSource & { db: Database.Database }) | undefined;
  /** The listing under way, if any; the next one starts after it. */
  #turn: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: SlicedReaderOptions) {
    this.#o = options;
  }

  listJobs(query: JobQuery): Promise<JobPage> {
    if (this.#closed) return Promise.reject(storeClosed());
    const listing = this.#turn.then(() => this.#list(query));
    // the next listing waits for this one to end, not for its page: a `catch` alone would hold the
    // page (every job, decoded: ~2.5 KB each) until the next long listing
    this.#turn = listing.then(
      () => undefined,
      () => undefined,
    );
    return listing;
  }

  /** Waits for the listing under way, which ends at its next slice, and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#turn;
    this.#source?.db.close();
    this.#source = undefined;
  }

  async #list(query: JobQuery): Promise<JobPage> {
    if (this.#closed) throw storeClosed();
    // a listing nobody waits for any more (its client left while it queued) costs nothing
    query.signal?.throwIfAborted();
    const items: Job[] = [];
    let rows: Generator<Job | undefined, ListingEnd> | undefined;
    try {
      rows = listedJobs(this.#open(), query);
      const sliceMs = this.#o.sliceMs ?? SliceMs;
      let sliceEnds = performance.now() + sliceMs;
      for (;;) {
        const next = rows.next();
        if (next.done === true) return jobPage(query, items, next.value);
        if (next.value !== undefined) items.push(next.value);
        if (performance.now() < sliceEnds) continue;
        await new Promise((resolve) => setImmediate(resolve));
        if (this.#closed) throw storeClosed();
        query.signal?.throwIfAborted();
        sliceEnds = performance.now() + sliceMs;
      }
    } catch (err) {
      // the abort's reason as it is: no SQLite error to translate
      if (query.signal?.aborted === true && err === query.signal.reason) throw err;
      throw this.#o.storeError(err);
    } finally {
      // resets the statement, which ends its read transaction
      rows?.return({ more: false, mark: undefined });
    }
  }

  #open(): ListingSource & { db: Database.Database } {
    if (this.#source !== undefined) return this.#source;
    const db = new Database(this.#o.path, { readonly: true, fileMustExist: true });
    try {
      db.pragma(`busy_timeout = ${this.#o.busyTimeoutMs}`);
      this.#source = {
        db,
        dynamic: new StatementCache(db),
        specDoc: specDocStatement(db),
      };
      return this.#source;
    } catch (err) {
      db.close();
      throw err;
    }
  }
}
