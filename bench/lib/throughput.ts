/**
 * Batch jobs through an orchestrator's submission endpoint, from the first submission to the last
 * terminal state: what the throughput benchmarks share, whatever transport carries the work.
 */
import { isTerminalJobState, type JobStateType } from '../../src/models/index.js';
import type { Orchestrator } from '../../src/node/orchestrator.js';
import { jobSpec } from '../../src/node/testing.js';
import type { StoreChange } from '../../src/store/index.js';
import { cpuMsSince } from './cpu.js';

/** With no job ending for this long, the run has hung: it fails with what it saw instead of waiting. */
const StallMs = 60_000;

/** Runs `task(0)` … `task(count - 1)` with at most `concurrency` of them in flight, in index order. */
export async function forEachConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** Submits `count` batch jobs with at most `concurrency` in flight; resolves when all are accepted. */
export async function submitAll(
  submit: (spec: Record<string, unknown>) => Promise<unknown>,
  count: number,
  concurrency: number,
): Promise<void> {
  const spec = jobSpec('batch');
  await forEachConcurrently(count, concurrency, (i) => submit({ ...spec, Name: `bench-${i}` }));
}

export interface ThroughputRun {
  completedPerSecond: number;
  /** CPU time (user + system, all threads) per completed job: steadier than wall time on a busy machine. */
  cpuMsPerJob: number;
  acceptedPerSecond: number;
  elapsedMs: number;
  states: Map<JobStateType, number>;
}

/**
 * Submits `count` batch jobs to `orchestrator` through its endpoint and resolves once every one is in a
 * terminal state. Rejects when no job ends for a minute (a hang, with the states seen so far).
 */
export async function runBatchJobs(
  orchestrator: Pick<Orchestrator, 'jobs' | 'endpoint'>,
  count: number,
  concurrency: number,
): Promise<ThroughputRun> {
  const states = new Map<JobStateType, number>();
  let terminal = 0;
  let stall: NodeJS.Timeout | undefined;
  let unsubscribe = (): void => undefined;
  const allDone = new Promise<void>((resolve, reject) => {
    const watch = (): void => {
      clearTimeout(stall);
      stall = setTimeout(() => {
        const seen = [...states].map(([state, n]) => `${state} ${n}`).join(', ') || 'none';
        reject(new Error(`no job ended for ${StallMs / 1000} s; ${terminal}/${count} ended (${seen})`));
      }, StallMs);
    };
    watch();
    unsubscribe = orchestrator.jobs.onChange((changes: readonly StoreChange[]) => {
      for (const change of changes) {
        if (change.type !== 'JobStateUpdated') continue;
        const state = change.job.State.StateType;
        if (!isTerminalJobState(state) || isTerminalJobState(change.previous.State.StateType)) continue;
        states.set(state, (states.get(state) ?? 0) + 1);
        watch();
        if (++terminal === count) resolve();
      }
    });
  });
  allDone.catch(() => undefined); // a stall while still submitting is reported by the await below
  try {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    await submitAll((job) => orchestrator.endpoint.submitJob({ job }), count, concurrency);
    const acceptedMs = performance.now() - start;
    await allDone;
    const elapsedMs = performance.now() - start;
    return {
      cpuMsPerJob: cpuMsSince(cpuBefore) / count,
      completedPerSecond: ((states.get('Completed') ?? 0) / elapsedMs) * 1000,
      acceptedPerSecond: (count / acceptedMs) * 1000,
      elapsedMs,
      states,
    };
  } finally {
    clearTimeout(stall);
    unsubscribe();
  }
}

/** `Completed 5000, Failed 2`. */
export function describeStates(states: ReadonlyMap<JobStateType, number>): string {
  return [...states].map(([state, n]) => `${state} ${n}`).join(', ');
}
