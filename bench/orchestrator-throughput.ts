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
import { JobEndpoint } from '../src/orchestrator/endpoint/index.js';
import { TestOrchestratorID } from '../src/node/testing.js';
import { benchCluster } from './lib/cluster.js';
import { SqliteJobStore } from '../src/store/index.js';
import { numericFlags, printFigure, printHeader, printRatio } from './lib/report.js';
import { cpuMsSince } from './lib/cpu.js';
import { describeStates, runBatchJobs, submitAll, type ThroughputRun } from './lib/throughput.js';

const TargetJobsPerSecond = 5_000;
/** The baseline needs far fewer jobs than the main run to be stable. */
const BaselineJobs = 20_000;

const flags = numericFlags(process.argv.slice(2), { jobs: 100_000, nodes: 1_000, concurrency: 256 });
const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-bench-'));

async function acceptOnly(count: number): Promise<{ perSecond: number; cpuMsPerJob: number }> {
  const store = await SqliteJobStore.create({ path: join(dir, 'baseline.db') });
  try {
    const endpoint = new JobEndpoint({ store, nodeID: TestOrchestratorID });
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    await submitAll((job) => endpoint.submitJob({ job }), count, flags.concurrency);
    return {
      perSecond: (count / (performance.now() - start)) * 1000,
      cpuMsPerJob: cpuMsSince(cpuBefore) / count,
    };
  } finally {
    await store.close();
  }
}

async function endToEnd(count: number): Promise<ThroughputRun & { componentErrors: number }> {
  const cluster = await benchCluster(dir, flags.nodes);
  try {
    const run = await runBatchJobs(cluster.orchestrator, count, flags.concurrency);
    return { ...run, componentErrors: cluster.errors.length };
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
  console.log(`final job states: ${describeStates(run.states)}; component errors: ${run.componentErrors}`);
  if ((run.states.get('Completed') ?? 0) !== flags.jobs || run.componentErrors > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
