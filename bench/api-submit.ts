/**
 * API latency under load (issue 3): `PUT /api/v1/orchestrator/jobs` at a fixed 2,000 requests per
 * second for 30 s against a running orchestrator (SQLite file store, scheduler and simulated compute
 * nodes completing the jobs as they arrive), from a load generator in another thread. Target: p99 at
 * most 5 ms, no errors.
 *
 * The per-client rate limit (Bacalhau's default: 1,000 requests/s) is raised for the run, as the load
 * comes from one client.
 *
 * It also prints how many jobs the node completed while the load ran (warm-up included): at 2,000
 * submissions a second this machine cannot schedule them all, so the submissions and the scheduling
 * share the CPU, and a change that shortens the PUT latency by serving submissions first shows here
 * what it costs the jobs (session 51: the median halved, the jobs completed fell by a third). The store
 * now commits the submissions' writes before the scheduler's and, while submissions arrive, only about
 * a millisecond of the scheduler's writes a turn (src/store/sqlite/write-queue.ts).
 *
 * Baselines, measured in the same run at the same rate: `GET /api/v1/agent/alive`, the cheapest route,
 * i.e. what HTTP parsing, routing and this machine's scheduling noise cost by themselves; and below it,
 * a bare `node:http` server answering a constant: the floor no server on this machine goes under.
 *
 * Each load (the baseline's too) runs `--warmup-seconds` longer than measured, and the latencies of the requests due in
 * that first part are not kept (their errors are): in its first second or two the process runs the
 * submission path unoptimised and the generator opens its connections, those requests queue up
 * (~5 s at worst), and at 2,000/s they alone would be more than 1% of a 30 s run.
 *
 *   npm run bench:api -- [--rate 2000] [--seconds 30] [--warmup-seconds 5] [--baseline-seconds 10]
 *                        [--nodes 10]
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer } from '../src/api/server/index.js';
import { jobSpec } from '../src/node/testing.js';
import { benchCluster } from './lib/cluster.js';
import { runLoad, type LoadResult } from './lib/load-generator.js';
import { numericFlags, percentile, printFigure, printHeader, printRatio } from './lib/report.js';

const TargetP99Ms = 5;

const flags = numericFlags(process.argv.slice(2), {
  rate: 2_000,
  seconds: 30,
  'warmup-seconds': 5,
  'baseline-seconds': 10,
  nodes: 10,
});
const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-bench-'));

/**
 * This machine's floor: a bare `node:http` server in this process answering a constant, measured with
 * the same generator and rate. No route of any server here can have a lower p99.
 */
async function bareServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end('{}');
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

function summarise(name: string, result: LoadResult): number {
  const p = (q: number): number => percentile(result.latenciesMs, q);
  const errors = Object.entries(result.errors);
  printFigure(`${name}: requests measured`, result.measured, '');
  printFigure(`${name}: p50`, p(0.5), 'ms', 2);
  printFigure(`${name}: p99`, p(0.99), 'ms', 2);
  printFigure(`${name}: p99.9`, p(0.999), 'ms', 2);
  printFigure(`${name}: max`, p(1), 'ms', 2);
  console.log(
    `${name}: errors: ${errors.length === 0 ? 'none' : errors.map(([k, n]) => `${k} ×${n}`).join(', ')}`,
  );
  return p(0.99);
}

const cluster = await benchCluster(dir, flags.nodes);
const { orchestrator } = cluster;
const server = await createApiServer(
  {
    agent: { nodeInfo: () => orchestrator.info, config: orchestrator.config },
    orchestrator: { jobs: orchestrator.jobs, endpoint: orchestrator.endpoint, nodes: orchestrator.nodes },
  },
  // Bacalhau's limiter allows one client 1,000 requests/s; the benchmark's single client needs more.
  { host: '127.0.0.1', port: 0, rateLimitPerSecond: flags.rate * 2 },
);
try {
  const address = await server.listen();
  printHeader('API latency: PUT /api/v1/orchestrator/jobs at a fixed rate', {
    rate: `${flags.rate} requests/s`,
    duration: `${flags.seconds} s measured after ${flags['warmup-seconds']} s of the same load (baseline: ${flags['baseline-seconds']} s, warmed up alike)`,
    'simulated compute nodes': flags.nodes,
    server: `${address}, SQLite file store, scheduler running`,
  });
  const bare = await bareServer();
  const floor = await runLoad({
    url: bare.url,
    method: 'GET',
    rate: flags.rate,
    durationMs: (flags['warmup-seconds'] + flags['baseline-seconds']) * 1000,
    warmupMs: flags['warmup-seconds'] * 1000,
  }).finally(() => bare.server.close());
  // warmed up as the PUT load is: cold, the route's first requests alone made its p99 (10-27 ms)
  const baseline = await runLoad({
    url: `${address}/api/v1/agent/alive`,
    method: 'GET',
    rate: flags.rate,
    durationMs: (flags['warmup-seconds'] + flags['baseline-seconds']) * 1000,
    warmupMs: flags['warmup-seconds'] * 1000,
  });
  const spec = JSON.stringify(jobSpec('batch'));
  // how the scheduling keeps up meanwhile
  let completed = 0;
  const countCompleted = orchestrator.components.store.onChange((changes) => {
    for (const change of changes) {
      if (change.type === 'JobStateUpdated' && change.job.State.StateType === 'Completed') completed++;
    }
  });
  const submit = await runLoad({
    url: `${address}/api/v1/orchestrator/jobs`,
    method: 'PUT',
    rate: flags.rate,
    durationMs: (flags['warmup-seconds'] + flags.seconds) * 1000,
    warmupMs: flags['warmup-seconds'] * 1000,
    bodySource: `(i) => '{"Job":' + ${JSON.stringify(spec)}.replace('{', '{"Name":"bench-' + i + '",') + '}'`,
  });
  countCompleted();
  summarise('floor: bare node:http server', floor);
  const baselineP99 = summarise('baseline GET /agent/alive', baseline);
  const submitP99 = summarise('PUT /orchestrator/jobs', submit);
  printFigure('jobs completed during the PUT load', completed, '');
  printRatio('PUT p99 ÷ baseline p99', submitP99, baselineP99, '(1.0 = submission costs nothing)');
  printRatio('PUT p99 ÷ target 5 ms', submitP99, TargetP99Ms, '(≤ 1.0 meets it)');
  const failed = [submit, baseline, floor].some((load) => Object.keys(load.errors).length > 0);
  if (failed || cluster.errors.length > 0) process.exitCode = 1;
} finally {
  await server.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
