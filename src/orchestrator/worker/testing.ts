/**
 * Fixtures for the worker tests: an outcome log that tests await instead of sleeping, a logger that
 * records, a store waiter, and valid jobs with their submission evaluation. Not used by production code.
 */
import { randomUUID } from 'node:crypto';
import { ZeroTime, emptyJob, type Evaluation, type Job, type TimeoutConfig } from '../../models/index.js';
import type { JobStore, StoreChange } from '../../store/index.js';
export { RecordingLogger, type LogEntry } from '../planner/testing.js';
import type { EvaluationOutcome } from './worker.js';

interface Waiter<T> {
  matches: (value: T) => boolean;
  resolve: (value: T) => void;
}

/** Every outcome so far; `waitFor` resolves with the first past or future one that matches. */
export class OutcomeLog {
  readonly all: EvaluationOutcome[] = [];
  #waiters: Waiter<EvaluationOutcome>[] = [];

  readonly push = (outcome: EvaluationOutcome): void => {
    this.all.push(outcome);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.matches(outcome)) return true;
      w.resolve(outcome);
      return false;
    });
  };

  waitFor(matches: (outcome: EvaluationOutcome) => boolean): Promise<EvaluationOutcome> {
    const seen = this.all.find(matches);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ matches, resolve }));
  }

  /** The `n`-th (1-based) outcome of `evaluationID`. */
  nth(evaluationID: string, n: number): Promise<EvaluationOutcome> {
    let count = 0;
    const matches = (o: EvaluationOutcome): boolean => o.evaluation.ID === evaluationID && ++count === n;
    const seen = this.all.find(matches);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ matches, resolve }));
  }
}

/** Resolves with the first change committed from now on that matches. */
export function nextChange<T extends StoreChange>(
  store: JobStore,
  matches: (change: StoreChange) => change is T,
): Promise<T> {
  return new Promise((resolve) => {
    const unsubscribe = store.onChange((changes) => {
      const found = changes.find(matches);
      if (found === undefined) return;
      unsubscribe();
      resolve(found);
    });
  });
}

export interface SubmitFixture {
  type?: string;
  count?: number;
  timeouts?: TimeoutConfig;
  /** Default: a fresh `j-<uuid>`. */
  id?: string;
}

/** A valid job as submission stores it, and its `job-register` evaluation. */
export function submission(f: SubmitFixture = {}): { job: Job; evaluation: Evaluation } {
  const id = f.id ?? `j-${randomUUID()}`;
  const type = f.type ?? 'batch';
  const job: Job = {
    ...emptyJob(),
    ID: id,
    Type: type,
    Count: f.count ?? (type === 'batch' || type === 'service' ? 1 : 0),
    Priority: 50,
    Tasks: [
      {
        Name: 'main',
        Engine: { Type: 'docker', Params: { Image: 'ubuntu:24.04' } },
        Publisher: { Type: 'local' },
        ...(f.timeouts === undefined ? {} : { Timeouts: f.timeouts }),
      },
    ],
  };
  const evaluation: Evaluation = {
    ID: randomUUID(),
    Namespace: '',
    JobID: id,
    TriggeredBy: 'job-register',
    Priority: 50,
    Type: type,
    Status: 'pending',
    Comment: '',
    WaitUntil: ZeroTime,
    CreateTime: 0,
    ModifyTime: 0,
  };
  return { job, evaluation };
}
