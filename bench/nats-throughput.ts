/**
 * The NATS transport (issue 6), two figures in one run, against a real nats-server on a free loopback
 * port that this benchmark starts (and stops, also on Ctrl+C or failure):
 *
 * 1. Batch jobs completed per second by one orchestrator (SQLite file store, as bench:orchestrator)
 *    with simulated compute nodes (fake compute, executions that finish at once) over NATS, the nodes
 *    sharing a few NATS connections; against the same workload over the in-memory transport, measured
 *    in the same run. Target: NATS ÷ in-memory ≥ 0.70. The runs alternate (in-memory, NATS, NATS,
 *    in-memory, …), each on a fresh store, so that warm-up and a busy machine's drift fall on both.
 * 2. The orchestrator's CPU time for the heartbeats of 10,000 simulated nodes over NATS, every
 *    Compute.Heartbeat.Interval (5 s). The nodes run in a child process, so this process's
 *    `process.cpuUsage()` is the orchestrator's alone (with its NATS client); the CPU it takes idle,
 *    measured before any node connects, is subtracted.
 *
 *   npm run bench:nats -- [--jobs 5000] [--nodes 1000] [--connections 4] [--rounds 2]
 *     [--heartbeat-nodes 10000] [--heartbeat-ms 5000] [--seconds 30] [--jobs-only | --heartbeats-only]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsServerProcess } from '../src/transport/nats/server-process.js';
import { benchMain, type Cleanup } from './lib/cleanup.js';
import { BenchNodeOptions, benchCluster } from './lib/cluster.js';
import { cpuMsSince, processCpuMs } from './lib/cpu.js';
import { NatsBenchCluster, startNatsServer } from './lib/nats-cluster.js';
import { NodeFleet } from './lib/node-fleet.js';
import { numericFlags, printFigure, printHeader, printRatio, takeSwitches } from './lib/report.js';
import { Reaper } from './lib/reaper.js';
import { describeStates, runBatchJobs, type ThroughputRun } from './lib/throughput.js';

const TargetRatio = 0.7;
/** Compute.Heartbeat.Interval's default. */
const DefaultHeartbeatMs = 5_000;
/** How long the orchestrator's idle CPU is measured, before any node connects. */
const IdleSeconds = 5;

const { switches, rest } = takeSwitches(process.argv.slice(2), ['jobs-only', 'heartbeats-only']);
const flags = numericFlags(rest, {
  jobs: 5_000,
  nodes: 1_000,
  concurrency: 256,
  connections: 4,
  rounds: 2,
  'heartbeat-nodes': 10_000,
  'heartbeat-ms': DefaultHeartbeatMs,
  seconds: 30,
});

type Transport = 'in-memory' | 'NATS';

interface JobsRun extends ThroughputRun {
  errors: number;
  /** nats-server's CPU per job (NATS runs, on Linux). */
  serverCpuMsPerJob?: number;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

async function inMemoryRun(dir: string): Promise<JobsRun> {
  const cluster = await benchCluster(dir, flags.nodes);
  try {
    const run = await runBatchJobs(cluster.orchestrator, flags.jobs, flags.concurrency);
    return { ...run, errors: cluster.errors.length };
  } finally {
    await cluster.stop();
  }
}

async function natsRun(dir: string, server: NatsServerProcess): Promise<JobsRun> {
  const cluster = await NatsBenchCluster.create({
    dir,
    url: server.clientURL,
    nodes: flags.nodes,
    connections: flags.connections,
    nodeOptions: BenchNodeOptions,
  });
  try {
    const serverBefore = processCpuMs(server.pid);
    const run = await runBatchJobs(cluster.orchestrator, flags.jobs, flags.concurrency);
    const serverAfter = processCpuMs(server.pid);
    return {
      ...run,
      errors: cluster.errorCount(),
      ...(serverBefore === undefined || serverAfter === undefined
        ? {}
        : { serverCpuMsPerJob: (serverAfter - serverBefore) / flags.jobs }),
    };
  } finally {
    await cluster.stop();
  }
}

/** Figure 1: returns whether every job completed without a component error. */
async function jobsPerSecond(dir: string, server: NatsServerProcess): Promise<boolean> {
  console.log(`## 1. batch jobs completed/s: NATS against in-memory, ${flags.rounds} run(s) each`);
  const runs: Record<Transport, JobsRun[]> = { 'in-memory': [], NATS: [] };
  for (let round = 0; round < flags.rounds; round++) {
    const order: Transport[] = round % 2 === 0 ? ['in-memory', 'NATS'] : ['NATS', 'in-memory'];
    for (const transport of order) {
      const runDir = join(dir, `run-${round}-${transport}`);
      mkdirSync(runDir);
      const run = transport === 'NATS' ? await natsRun(runDir, server) : await inMemoryRun(runDir);
      rmSync(runDir, { recursive: true, force: true });
      runs[transport].push(run);
      printFigure(
        `${transport} run ${runs[transport].length}: jobs completed/s`,
        run.completedPerSecond,
        'jobs/s',
      );
    }
    const [memory, nats] = [runs['in-memory'][round], runs.NATS[round]];
    if (memory !== undefined && nats !== undefined) {
      printRatio(
        `round ${round + 1}: NATS ÷ in-memory`,
        nats.completedPerSecond,
        memory.completedPerSecond,
        '',
      );
    }
  }
  const summary = (transport: Transport) => ({
    completedPerSecond: mean(runs[transport].map((r) => r.completedPerSecond)),
    cpuMsPerJob: mean(runs[transport].map((r) => r.cpuMsPerJob)),
  });
  const memory = summary('in-memory');
  const nats = summary('NATS');
  console.log('');
  printFigure('in-memory: jobs completed/s (mean)', memory.completedPerSecond, 'jobs/s');
  printFigure('in-memory: CPU/job (orchestrator + nodes)', memory.cpuMsPerJob, 'ms', 3);
  printFigure('NATS: jobs completed/s (mean)', nats.completedPerSecond, 'jobs/s');
  printFigure('NATS: CPU/job (orchestrator + nodes)', nats.cpuMsPerJob, 'ms', 3);
  const serverCpu = runs.NATS.flatMap((r) =>
    r.serverCpuMsPerJob === undefined ? [] : [r.serverCpuMsPerJob],
  );
  if (serverCpu.length > 0) printFigure('NATS: nats-server CPU per job (apart)', mean(serverCpu), 'ms', 3);
  printRatio(
    'NATS ÷ in-memory: jobs completed/s',
    nats.completedPerSecond,
    memory.completedPerSecond,
    `(target ≥ ${TargetRatio.toFixed(2)})`,
  );
  printRatio(
    'NATS ÷ in-memory: CPU per job',
    nats.cpuMsPerJob,
    memory.cpuMsPerJob,
    '(steadier on a busy machine)',
  );
  let ok = true;
  for (const transport of ['in-memory', 'NATS'] as const) {
    for (const run of runs[transport]) {
      console.log(
        `${transport}: final job states: ${describeStates(run.states)}; component errors: ${run.errors}`,
      );
      ok &&= (run.states.get('Completed') ?? 0) === flags.jobs && run.errors === 0;
    }
  }
  return ok;
}

interface CpuWindow {
  /** This process's CPU time per second of the window (ms/s). */
  msPerSecond: number;
  heartbeats: number;
  heartbeatsPerSecond: number;
  /** The other processes' CPU time per second (ms/s), where /proc tells it. */
  others: Record<string, number | undefined>;
}

/** CPU time of this process and of `others` (pids), and the heartbeats handled, over about `seconds`. */
async function cpuWindow(
  seconds: number,
  cluster: NatsBenchCluster,
  others: Record<string, number | undefined> = {},
): Promise<CpuWindow> {
  const pids = Object.entries(others);
  const before = pids.map(([, pid]) => processCpuMs(pid));
  const heartbeats = cluster.heartbeats;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await sleep(seconds * 1000);
  // timers run late on a busy machine: rates are per second actually elapsed
  const elapsedSeconds = (performance.now() - start) / 1000;
  const cpuMs = cpuMsSince(cpu);
  const handled = cluster.heartbeats - heartbeats;
  return {
    msPerSecond: cpuMs / elapsedSeconds,
    heartbeats: handled,
    heartbeatsPerSecond: handled / elapsedSeconds,
    others: Object.fromEntries(
      pids.map(([name, pid], i) => {
        const [b, a] = [before[i], processCpuMs(pid)];
        return [name, a === undefined || b === undefined ? undefined : (a - b) / elapsedSeconds];
      }),
    ),
  };
}

/** Figure 2: returns whether every heartbeat was answered without an error. */
async function heartbeatCpu(cleanup: Cleanup, dir: string, server: NatsServerProcess): Promise<boolean> {
  const nodes = flags['heartbeat-nodes'];
  const interval = flags['heartbeat-ms'];
  console.log(
    `## 2. orchestrator CPU for heartbeats: ${nodes} nodes over NATS, one heartbeat each per ${interval / 1000} s`,
  );
  console.log(
    "method: the simulated nodes run in a child process, so this process's CPU time (process.cpuUsage(),\n" +
      "user + system, all threads) is the orchestrator's with its NATS client; nats-server and the nodes are\n" +
      `measured apart (/proc) and not counted. The orchestrator's CPU idle (no node connected, ${IdleSeconds} s) is\n` +
      `subtracted. Window: ${flags.seconds} s, one interval after the last handshake; each node heartbeats on its\n` +
      `own phase of the interval; the orchestrator writes heartbeats to its store every 15 s.\n`,
  );
  const runDir = join(dir, 'heartbeats');
  mkdirSync(runDir);
  const cluster = await NatsBenchCluster.create({ dir: runDir, url: server.clientURL });
  cleanup.add(() => cluster.stop());
  const idle = await cpuWindow(IdleSeconds, cluster);
  const fleet = await NodeFleet.start(cleanup, {
    url: server.clientURL,
    nodes,
    connections: flags.connections,
    heartbeatIntervalMs: interval,
  });
  printFigure(`${nodes} handshakes over NATS took`, fleet.connectMs / 1000, 's', 1);
  printFigure('handshakes/s', (nodes / fleet.connectMs) * 1000, 'per s');
  await sleep(interval + 1000);
  const window = await cpuWindow(flags.seconds, cluster, { server: server.pid, fleet: fleet.pid });
  const report = await fleet.stop();

  const netMsPerSecond = Math.max(0, window.msPerSecond - idle.msPerSecond);
  const perThousand = (netMsPerSecond / window.heartbeatsPerSecond) * 1000;
  printFigure('heartbeats handled in the window', window.heartbeats, '');
  printFigure(
    'heartbeats/s',
    window.heartbeatsPerSecond,
    `per s (expected ${((nodes / interval) * 1000).toFixed(0)})`,
  );
  printFigure('orchestrator CPU, idle (no nodes)', idle.msPerSecond, 'ms/s', 2);
  printFigure('orchestrator CPU, heartbeating', window.msPerSecond, 'ms/s', 2);
  printFigure('orchestrator CPU for heartbeats (net of idle)', netMsPerSecond, 'ms/s', 2);
  printFigure('  per 1,000 heartbeats', perThousand, 'ms', 2);
  printFigure('  share of one core', netMsPerSecond / 10, '%', 2);
  if (interval !== DefaultHeartbeatMs) {
    // per-heartbeat work scales with the rate; the store writes (every 15 s) and health checks do not
    const atDefault = (perThousand * nodes) / DefaultHeartbeatMs;
    printFigure(
      `  at the ${DefaultHeartbeatMs / 1000} s default interval (normalised)`,
      atDefault,
      'ms/s',
      2,
    );
    printFigure('  share of one core at the default', atDefault / 10, '%', 2);
  }
  const other = (name: string, label: string): void => {
    const msPerSecond = window.others[name];
    if (msPerSecond !== undefined) printFigure(label, msPerSecond, 'ms/s', 1);
  };
  other('server', 'nats-server CPU (not counted)');
  other('fleet', "simulated nodes' CPU (not counted)");
  const errors = cluster.errorCount();
  console.log(
    `whole run: heartbeats answered ${report.heartbeats}, failed ${report.failedHeartbeats}, reconnects ${report.reconnects}; ` +
      `orchestrator errors: ${errors}` +
      (report.errors.length > 0 ? `; first failures: ${report.errors.join(' | ')}` : ''),
  );
  await cluster.stop();
  return report.failedHeartbeats === 0 && report.reconnects === 0 && errors === 0;
}

await benchMain(async (cleanup) => {
  const reaper = new Reaper(); // in case this process is killed before `cleanup` is done
  const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-bench-'));
  reaper.removePath(dir);
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startNatsServer(cleanup, dir);
  reaper.killProcess(server.pid, dir); // its command line names its config file under `dir`
  printHeader('NATS transport: jobs completed per second, and orchestrator CPU for heartbeats', {
    'nats-server': `${server.clientURL} (started by this benchmark)`,
    jobs: flags.jobs,
    'simulated compute nodes': `${flags.nodes} for jobs, ${flags['heartbeat-nodes']} for heartbeats`,
    'NATS connections': `${flags.connections}, shared by the simulated nodes (not a socket per node)`,
    'submissions in flight': flags.concurrency,
    store: 'SQLite file (WAL), executions finish at once',
  });
  let ok = true;
  if (!switches['heartbeats-only']) ok = (await jobsPerSecond(dir, server)) && ok;
  if (!switches['jobs-only']) {
    if (!switches['heartbeats-only']) console.log('');
    ok = (await heartbeatCpu(cleanup, dir, server)) && ok;
  }
  if (!ok) process.exitCode = 1;
});
