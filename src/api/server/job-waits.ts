/**
 * Blocking reads of a job: `GET /api/v1/orchestrator/jobs/{id}?index=<Revision>&wait=<duration>`
 * answers once the job's `Revision` is above `index`, or when `wait` is up, whichever comes first
 * (Nomad's blocking queries). A client following a job then makes one request per change instead of
 * polling: it learns of the change at once and takes no server time in between. This is our addition;
 * Bacalhau ignores the two parameters and answers at once, so a client must not rely on the wait.
 *
 * One subscription to the store's change feed serves every waiting request; a commit that changes no
 * waited-on job costs a lookup per change.
 */
import type { Clock } from '../../lib/clock.js';
import { Millisecond, parseDuration } from '../../models/duration.js';
import type { Job } from '../../models/job.js';
import { requestError } from './errors.js';
import type { ApiJobChange, ApiJobChangeFeed, ApiJobReader } from './types.js';

/** The longest wait a request gets, whatever it asks: below the handler timeout, which would 503 it. */
export const MaxJobWaitMs = 25_000;

export class JobWaits {
  readonly #feed: ApiJobChangeFeed;
  readonly #clock: Clock;
  /** Job ID → wake-ups of the requests waiting for its next change. */
  readonly #waiting = new Map<string, Set<() => void>>();
  #unsubscribe: (() => void) | undefined;

  constructor(feed: ApiJobChangeFeed, clock: Clock) {
    this.#feed = feed;
    this.#clock = clock;
  }

  /**
   * A wait for the next committed change of job `jobID`: `changed` settles at that change, after
   * `timeoutMs`, or when `signal` aborts (never rejects). Make it before reading the job that decides
   * whether to wait, so that a change committed in between is not missed; `cancel` when not waiting.
   */
  next(
    jobID: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): { changed: Promise<void>; cancel: () => void } {
    this.#unsubscribe ??= this.#feed.onChange((changes) => this.#wake(changes));
    let cancel = (): void => undefined;
    const changed = new Promise<void>((resolve) => {
      const timer = this.#clock.setTimer(timeoutMs, () => cancel());
      cancel = () => {
        timer.cancel();
        signal.removeEventListener('abort', cancel);
        const waiters = this.#waiting.get(jobID);
        waiters?.delete(cancel);
        if (waiters?.size === 0) this.#waiting.delete(jobID);
        resolve();
      };
      signal.addEventListener('abort', cancel, { once: true });
      let waiters = this.#waiting.get(jobID);
      if (waiters === undefined) this.#waiting.set(jobID, (waiters = new Set()));
      waiters.add(cancel);
      if (signal.aborted) cancel();
    });
    return { changed, cancel: () => cancel() };
  }

  /** Stops listening to the store (the server is closing); waiting requests answer at once. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const waiters of [...this.#waiting.values()]) for (const wake of [...waiters]) wake();
  }

  #wake(changes: readonly ApiJobChange[]): void {
    if (this.#waiting.size === 0) return;
    for (const change of changes) {
      const waiters = change.job === undefined ? undefined : this.#waiting.get(change.job.ID);
      if (waiters !== undefined) for (const wake of [...waiters]) wake();
    }
  }
}

/** The `wait` parameter in ms: a Go duration, at most (and by default) {@link MaxJobWaitMs}. */
export function waitParam(text: string | undefined): number {
  if (text === undefined || text === '') return MaxJobWaitMs;
  let ns: bigint;
  try {
    ns = parseDuration(text);
  } catch (err) {
    throw requestError(`invalid query parameter 'wait': ${(err as Error).message}`, {
      hint: 'give a duration such as "10s" or "500ms"',
      details: { parameter: 'wait' },
    });
  }
  if (ns < 0n) {
    throw requestError(`invalid query parameter 'wait': ${JSON.stringify(text)} is negative`, {
      details: { parameter: 'wait' },
    });
  }
  return Math.min(MaxJobWaitMs, Number(ns / Millisecond));
}

/**
 * `job` once its Revision is above `index`: at once when it is already, else at its next change or
 * after `waitMs` (then as it is), or when `signal` aborts.
 */
export async function nextRevision(
  job: Job,
  options: { jobs: ApiJobReader; waits: JobWaits; index: number; waitMs: number; signal: AbortSignal },
): Promise<Job> {
  const { jobs, index } = options;
  if (job.Revision > index) return job;
  const wait = options.waits.next(job.ID, options.waitMs, options.signal);
  // read again now that a change cannot be missed: one may have committed since the caller's read
  const current = await jobs.getJobByIDOrName(job.ID, job.Namespace);
  if (current.Revision > index) {
    wait.cancel();
    return current;
  }
  await wait.changed;
  return jobs.getJobByIDOrName(job.ID, job.Namespace);
}
