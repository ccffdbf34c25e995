/**
 * Orchestrator throughput (issue 3): one orchestrator with the durable SQLite store, many simulated
 * compute nodes (fake compute over the in-memory transport, executions that finish at once), batch jobs
 * submitted through the submission endpoint; figure: jobs completed per second, from the first
 * submission to the last completion. Target: 5,000 jobs/s with 100,000 jobs on 1,000 nodes.
 *
 * Baseline, measured in the same run: the same job specs submitted to the same endpoint and store with
 * no scheduler behind it (accept only). Their ratio says what scheduling, dispatching and completing a
 * job costs next to merely accepting it, largely independent of how fast or busy the machine is.
 *
 *   npm run bench:orchestrator -- [--jobs 100000] [--nodes 1000] [--concurrency 256]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTerminalJobState, type JobStateType } from '../src/models/index.js';
import { JobEndpoint } from '../src/orchestrator/endpoint/index.js';
import { jobSpec, TestOrchestratorID } from '../src/node/testing.js';
import { benchCluster } from './lib/cluster.js';
import { SqliteJobStore, type StoreChange } from '../src/store/index.js';
import { numericFlags, printFigure, printHeader, printRatio } from './lib/report.js';

const TargetJobsPerSecond = 5_000;
/** The baseline needs far fewer jobs than the main run to be stable. */
const BaselineJobs = 20_000;

const flags = numericFlags(process.argv.slice(2), { jobs: 100_000, nodes: 1_000, concurrency: 256 });
const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-bench-'));

/** Submits `count` batch jobs with at most `concurrency` in flight; resolves when all are accepted. */
async function submitAll(
  submit: (spec: Record<string, unknown>) => Promise<unknown>,
  count: number,
  concurrency: number,
): Promise<void> {
  const spec = jobSpec('batch');
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await submit({ ...spec, Name: `bench-${i}` });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function acceptOnly(count: number): Promise<{ perSecond: number; cpuMsPerJob: number }> {
  const store = await SqliteJobStore.create({ path: join(dir, 'baseline.db') });
  try {
    const endpoint = new JobEndpoint({ store, nodeID: TestOrchestratorID });
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    await submitAll((job) => endpoint.submitJob({ job }), count, flags.concurrency);
    const cpu = process.cpuUsage(cpuBefore);
    return {
      perSecond: (count / (performance.now() - start)) * 1000,
      cpuMsPerJob: (cpu.user + cpu.system) / 1000 / count,
    };
  } finally {
    await store.close();
  }
}

interface RunResult {
  completedPerSecond: number;
  /** CPU time (user + system, all threads) per completed job: steadier than wall time on a busy machine. */
  cpuMsPerJob: number;
  acceptedPerSecond: number;
  states: Map<JobStateType, number>;
  componentErrors: number;
}

async function endToEnd(count: number): Promise<RunResult> {
  const cluster = await benchCluster(dir, flags.nodes);
  try {
    const states = new Map<JobStateType, number>();
    let terminal = 0;
    const allDone = new Promise<void>((resolve) => {
      cluster.orchestrator.jobs.onChange((changes: readonly StoreChange[]) => {
        for (const change of changes) {
          if (change.type !== 'JobStateUpdated') continue;
          const state = change.job.State.StateType;
          if (!isTerminalJobState(state) || isTerminalJobState(change.previous.State.StateType)) continue;
          states.set(state, (states.get(state) ?? 0) + 1);
          if (++terminal === count) resolve();
        }
      });
    });
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    await submitAll((job) => cluster.submit(job), count, flags.concurrency);
    const acceptedMs = performance.now() - start;
    await allDone;
    const elapsedMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      cpuMsPerJob: (cpu.user + cpu.system) / 1000 / count,
      completedPerSecond: ((states.get('Completed') ?? 0) / elapsedMs) * 1000,
      acceptedPerSecond: (count / acceptedMs) * 1000,
      states,
      componentErrors: cluster.errors.length,
    };
  } finally {
    await cluster.stop();
  }
}

try {
  printHeader('orchestrator throughput: batch jobs completed per second', {
    jobs: flags.jobs,
    'simulated compute nodes': flags.nodes,
    'submissions in flight': flags.concurrency,
    store: 'SQLite file (WAL), in-memory transport, executions finish at once',
  });
  const baseline = await acceptOnly(Math.min(BaselineJobs, flags.jobs));
  const run = await endToEnd(flags.jobs);
  printFigure('baseline: jobs accepted/s, no scheduler', baseline.perSecond, 'jobs/s');
  printFigure('baseline: CPU per accepted job', baseline.cpuMsPerJob, 'ms', 3);
  printFigure('jobs accepted/s while scheduling', run.acceptedPerSecond, 'jobs/s');
  printFigure('jobs completed/s', run.completedPerSecond, 'jobs/s');
  printFigure('CPU per completed job', run.cpuMsPerJob, 'ms', 3);
  printRatio(
    'completed/s ÷ baseline accepted/s',
    run.completedPerSecond,
    baseline.perSecond,
    '(1.0 = free scheduling)',
  );
  printRatio(
    'CPU per job ÷ baseline CPU per job',
    run.cpuMsPerJob,
    baseline.cpuMsPerJob,
    '(steadier on a busy machine)',
  );
  printRatio('completed/s ÷ target 5,000/s', run.completedPerSecond, TargetJobsPerSecond, '(≥ 1.0 meets it)');
  const states = [...run.states].map(([state, n]) => `${state} ${n}`).join(', ');
  console.log(`final job states: ${states}; component errors: ${run.componentErrors}`);
  if ((run.states.get('Completed') ?? 0) !== flags.jobs || run.componentErrors > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
