/**
 * The runner both compute benchmarks share: flags, the embedded node with the engine under test
 * timed (timeline.ts), the client thread, the job as a series next to the raw baselines, and the report
 * (overhead.ts). Three series give context: one plain API round trip (what each of a job's two or
 * more requests costs by itself), the same job on the `noop` engine (what the node's pipeline costs
 * every job, its inputs included, without the engine under test), and the job's first runs, on a
 * node fresh from its start. A benchmark supplies its baselines, its engines, its job and how many
 * rounds warm the node up.
 *
 *   flags: [--runs 30] [--warmup N] [--poll-ms 0] [--json]
 */
import { NoopExecutor } from '../../src/executor/noop/executor.js';
import type { Executor } from '../../src/executor/types.js';
import { Engine } from '../../src/models/constants.js';
import type { Cleanup } from './cleanup.js';
import { ClientThread } from './client-thread.js';
import { startEmbeddedNode } from './embedded-node.js';
import { CompletedSeen, runCompleted, runJob } from './job-run.js';
import { reportOverhead, sampleInterleaved, SettleMs, type Series, type Target } from './overhead.js';
import { numericFlags, takeSwitches } from './report.js';
import { Timeline, type Marks } from './timeline.js';

/**
 * `--poll-ms` defaults to 0: the client follows the job with blocking reads. A value above 0 polls
 * instead, as against a Bacalhau server; each poll costs the node's event loop ~0.3 ms (on the
 * Docker benchmark, polling every 2 ms made the containers ~12 ms slower to start than every 10 ms).
 */
export function overheadFlags(argv: readonly string[], defaults: { warmup: number }) {
  const { switches, rest } = takeSwitches(argv, ['json']);
  return { ...numericFlags(rest, { runs: 30, warmup: defaults.warmup, 'poll-ms': 0 }), json: switches.json };
}

export interface OverheadBenchmark {
  title: string;
  parameters: Record<string, string | number>;
  /** The raw runs, the first being what the overhead is measured against. */
  baselines: readonly Series[];
  /** The engines the embedded node gets besides its own WASM one (`wasm` replaces that). */
  engines: Readonly<Record<string, Executor>>;
  /** Called with the timeline before the runs, to add marks of its own. */
  instrument?: (timeline: Timeline) => void;
  /** The job to submit, given the node's data dir (for files it uploads). */
  job: (dataDir: string) => Promise<object>;
  target: Target;
  flags: ReturnType<typeof overheadFlags>;
}

export async function runOverheadBenchmark(cleanup: Cleanup, bench: OverheadBenchmark): Promise<void> {
  const { flags } = bench;
  const timeline = new Timeline();
  bench.instrument?.(timeline);
  const engines = Object.fromEntries(
    Object.entries(bench.engines).map(([name, engine]) => [name, timeline.timedExecutor(engine)]),
  );
  const { node, dataDir, errors } = await startEmbeddedNode(cleanup, {
    noop: new NoopExecutor(),
    ...engines,
  });
  node.orchestrator?.jobs.onChange(timeline.onStoreChange);
  const client = new ClientThread(node.address);
  cleanup.add(() => client.close());
  const job = await bench.job(dataDir);
  const onNoop = withNoopEngine(job);
  /** Every run of the job, the warm-up rounds' included: the first ones are a fresh node's. */
  const timelines: Marks[] = [];
  const series = [
    ...bench.baselines,
    // what each of the (at least) two HTTP requests of a job costs by itself, from the same client
    { name: 'API round trip (GET /agent/alive)', run: () => client.roundTrip(), contextOnly: true },
    {
      name: 'same job, noop engine',
      run: async () => {
        const run = await runCompleted(client, onNoop, flags['poll-ms']);
        return run.seenAt - run.submitAt;
      },
      contextOnly: true,
    },
    {
      name: 'job: submit → Completed via API',
      run: async () => {
        const marks = await runJob(client, timeline, job, flags['poll-ms']);
        timelines.push(marks);
        return marks[CompletedSeen] ?? Number.NaN;
      },
    },
  ];
  const samples = await sampleInterleaved(series, flags.runs, flags.warmup);
  const measured = series.map((s, i) => ({ ...s, samples: samples[i] ?? [] }));
  // what a user's first jobs on a node just started pay, before V8 has compiled the node's code (the
  // warm-up rounds' jobs only, which --warmup (at least 1) guarantees: none counts in the job's figure)
  const fresh = Math.min(flags.runs, flags.warmup);
  const freshNode = {
    name: `job on a fresh node (its first ${fresh})`,
    samples: timelines.slice(0, fresh).map((marks) => marks[CompletedSeen] ?? Number.NaN),
    contextOnly: true,
  };
  reportOverhead(
    {
      title: bench.title,
      parameters: {
        runs: `${flags.runs} per series, interleaved, each after a ${SettleMs} ms pause, after ${flags.warmup} warm-up rounds`,
        ...bench.parameters,
        node: `embedded (orchestrator + compute, SQLite under a temp dir), API at ${node.address}`,
        client:
          flags['poll-ms'] > 0
            ? `a worker thread; waits polling GET /api/v1/orchestrator/jobs/:id every ${flags['poll-ms']} ms`
            : 'a worker thread; waits with blocking reads, GET /api/v1/orchestrator/jobs/:id?index=<Revision>',
      },
      series: [...measured.slice(0, -1), freshNode, ...measured.slice(-1)],
      // the warm-up rounds count in neither
      timelines: timelines.slice(flags.warmup),
      target: bench.target,
    },
    flags.json,
  );
  if (errors.length > 0) {
    console.error(`component errors:\n${errors.join('\n')}`);
    process.exitCode = 1;
  }
}

/** `job` with every task's engine replaced by `noop`: what the node does for it, except running it. */
function withNoopEngine(job: object): object {
  const { Tasks, ...rest } = job as { Tasks: readonly object[] };
  return { ...rest, Tasks: Tasks.map((task) => ({ ...task, Engine: { Type: Engine.Noop, Params: {} } })) };
}
