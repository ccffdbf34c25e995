/**
 * Failures across real processes: an orchestrator (with its supervised nats-server) and compute nodes
 * in processes of their own, meeting over NATS on loopback. Each test kills something for real and
 * checks where every job ends up and how many executions it took.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ExecutionStateType, JobStateType } from '../../src/models/index.js';
import { LockFile } from '../../src/node/data-dir-lock.js';
import {
  describeWithEnv,
  natsEnv,
  requireDocker,
  requireWasmModule,
  type DockerEnv,
} from '../helpers/test-env.js';
import { ProcessCluster } from './process-cluster.js';

let cluster: ProcessCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const executionState = (name: ExecutionStateType): number => Object.values(ExecutionStateType).indexOf(name);

interface ExecutionRow {
  ID: string;
  NodeID: string;
  ComputeState: { StateType: number; Message?: string };
}

async function executions(c: ProcessCluster, jobID: string): Promise<ExecutionRow[]> {
  const listed = await c.run(['job', 'executions', jobID, '--output', 'json']);
  if (listed.code !== 0) throw new Error(listed.stderr);
  return JSON.parse(listed.stdout) as ExecutionRow[];
}

async function jobState(c: ProcessCluster, jobID: string): Promise<string> {
  const described = await c.run(['job', 'describe', jobID, '--output', 'json']);
  if (described.code !== 0) return `unreadable: ${described.stderr}`;
  return (JSON.parse(described.stdout) as { Job: { State: { StateType: string } } }).Job.State.StateType;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  c: ProcessCluster,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${c.output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const terminal = new Set<string>([JobStateType.Completed, JobStateType.Failed, JobStateType.Stopped]);

/** Submits a job that sleeps `ms` on one node and returns its ID without waiting. */
async function submitSleep(c: ProcessCluster, module: string, ms: number): Promise<string> {
  const run = await c.run(['wasm', 'run', '--id-only', '--wait=false', module, '--', String(ms)]);
  if (run.code !== 0) throw new Error(run.stderr);
  return run.stdout.trim();
}

/**
 * Waits for the job's execution to be accepted by its node and returns it. (Compute nodes report the
 * bid and the end, not the start, as in Bacalhau: BidAccepted is the last state seen before the end.)
 */
function acceptedExecution(c: ProcessCluster, jobID: string): Promise<ExecutionRow> {
  return until(
    `job ${jobID} to be accepted by a node`,
    async () =>
      (await executions(c, jobID)).find(
        (e) => e.ComputeState.StateType === executionState(ExecutionStateType.BidAccepted),
      ),
    c,
  );
}

async function waitForTerminal(c: ProcessCluster, jobID: string, timeoutMs?: number): Promise<string> {
  const state = await until(
    `job ${jobID} to end`,
    async () => {
      const state = await jobState(c, jobID);
      return terminal.has(state) ? state : undefined;
    },
    c,
    timeoutMs,
  ).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}\n${(await c.run(['job', 'describe', jobID])).stdout}`);
  });
  return state;
}

/**
 * Submits a Docker job sleeping `seconds` on compute-0 and waits for its container to run. `containers`
 * lists compute-0's containers (IDs, one per line).
 */
async function runningDockerSleep(c: ProcessCluster, docker: DockerEnv, seconds: number) {
  const submitted = await c.run([
    'docker',
    'run',
    '--id-only',
    '--wait=false',
    docker.image,
    '--',
    'sleep',
    `${seconds}`,
  ]);
  expect(submitted.stderr).toBe('');
  const jobID = submitted.stdout.trim();
  const first = await acceptedExecution(c, jobID);
  const containers = (): string =>
    execFileSync(docker.cli, ['ps', '-aq', '--filter', 'label=bacalhau-executor=compute-0'], {
      encoding: 'utf8',
    }).trim();
  await until('the container to start', () => Promise.resolve(containers() === '' ? undefined : true), c);
  return { jobID, first, containers };
}

describeWithEnv('failures across processes', natsEnv(), () => {
  it('a SIGKILLed compute node is detected and its execution rescheduled on another node', async (ctx) => {
    const sleep = requireWasmModule(ctx, 'sleep');
    cluster = await ProcessCluster.start(2);
    const c = cluster;
    const jobID = await submitSleep(c, sleep, 6000);
    const first = await acceptedExecution(c, jobID);
    await c.compute(first.NodeID).kill('SIGKILL');

    expect(await waitForTerminal(c, jobID)).toBe(JobStateType.Completed);
    const rows = await executions(c, jobID);
    const survivor = first.NodeID === 'compute-0' ? 'compute-1' : 'compute-0';
    expect(
      rows.map((r) => `${r.NodeID} ${Object.values(ExecutionStateType)[r.ComputeState.StateType]}`).sort(),
    ).toEqual([`${first.NodeID} Failed`, `${survivor} Completed`].sort());
    const nodes = await c.run(['node', 'list', '--output', 'json']);
    const lost = (
      JSON.parse(nodes.stdout) as { Info: { NodeID: string }; ConnectionState: { Status: string } }[]
    ).find((n) => n.Info.NodeID === first.NodeID);
    expect(lost?.ConnectionState.Status).toBe('DISCONNECTED');
  }, 150_000);

  it('a compute node restarted mid-run reconnects, reports once, and leaves no container behind', async (ctx) => {
    const docker = requireDocker(ctx);
    cluster = await ProcessCluster.start(1);
    const c = cluster;
    const { jobID, first, containers } = await runningDockerSleep(c, docker, 30);
    const node = c.compute(first.NodeID);
    await node.kill('SIGKILL');
    await node.start();

    // The execution under way when the node died is failed by the node's own reconciliation (Bacalhau:
    // batch work is not resumed after a restart), reported once, and its container removed.
    const failed = await until(
      'the interrupted execution to be reported',
      async () =>
        (await executions(c, jobID)).find(
          (e) => e.ID === first.ID && e.ComputeState.StateType === executionState(ExecutionStateType.Failed),
        ),
      c,
    );
    expect(failed.ComputeState.Message).toMatch(/node restart/);
    await c.run(['job', 'stop', jobID]);
    await waitForTerminal(c, jobID);
    const rows = await executions(c, jobID);
    expect(rows.filter((r) => r.ID === first.ID)).toHaveLength(1);
    const completions = rows.filter(
      (r) => r.ComputeState.StateType === executionState(ExecutionStateType.Completed),
    );
    expect(new Set(completions.map((r) => r.ID)).size).toBe(completions.length);
    const leftovers = await until(
      'containers of the node to be removed',
      () => Promise.resolve(containers() === '' ? '' : undefined),
      c,
    ).catch((err: unknown) => {
      const listing = execFileSync(
        docker.cli,
        ['ps', '-a', '--format', '{{.Names}} {{.Status}} {{.Labels}}'],
        {
          encoding: 'utf8',
        },
      );
      throw new Error(`${(err as Error).message}\n${listing}\n${JSON.stringify(rows)}`);
    });
    expect(leftovers).toBe('');
    const nodes = await c.run(['node', 'list', '--output', 'json']);
    expect(nodes.stdout).toContain('"CONNECTED"');
  }, 150_000);

  it("WASM tasks killed with their node: a daemon's runs again, a batch's file inputs are removed", async (ctx) => {
    const sleep = requireWasmModule(ctx, 'sleep');
    cluster = await ProcessCluster.start(1);
    const c = cluster;
    // a downloaded module is a file input: linked into a folder that the task's WASI preopens
    const server = createServer((_request, response) => response.end(readFileSync(sleep)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ctx.onTestFinished(() => void server.close());
    const module = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sleep.wasm`;
    const dryRun = await c.run(['wasm', 'run', '--dry-run', module, '--', '8000']);
    expect(dryRun.stdout).toMatch(/^Type: batch$/m);
    const daemonSpec = join(c.computes[0]!.dataDir, 'daemon.yaml');
    writeFileSync(daemonSpec, dryRun.stdout.replace(/^Type: batch$/m, 'Type: daemon'));
    const daemon = await c.run(['job', 'run', '--id-only', '--wait=false', daemonSpec]);
    expect(daemon.stderr).toBe('');
    const batchID = await submitSleep(c, module, 60_000);
    const placed = (jobID: string) =>
      until(`job ${jobID} to be placed`, async () => (await executions(c, jobID))[0], c);
    const [daemonRun, batchRun] = await Promise.all([daemon.stdout.trim(), batchID].map(placed));
    const node = c.compute(daemonRun!.NodeID);
    const folder = (executionID: string) =>
      join(node.dataDir, 'compute', 'executions', 'output', executionID);
    /** The folders of file inputs in the execution's folder (none before the folder is made). */
    const fileInputFolders = (executionID: string): string[] =>
      existsSync(folder(executionID))
        ? execFileSync('find', [folder(executionID), '-name', 'wasm-file-inputs-*'], { encoding: 'utf8' })
            .split('\n')
            .filter((line) => line !== '')
        : [];
    await until(
      'both tasks to have their file inputs',
      () =>
        Promise.resolve(
          fileInputFolders(daemonRun!.ID).length * fileInputFolders(batchRun!.ID).length || undefined,
        ),
      c,
    );
    await node.kill('SIGKILL');
    await node.start();

    // The daemon's execution runs again where it was (its folder holds what the killed run left): its
    // module sleeps its 8 s and returns, which a daemon's task is not meant to do (Go's words).
    const rerun = await until(
      "the daemon's execution to end",
      async () =>
        (await executions(c, daemon.stdout.trim())).find(
          (e) =>
            e.ID === daemonRun!.ID &&
            e.ComputeState.StateType >= executionState(ExecutionStateType.Completed),
        ),
      c,
    );
    expect(rerun.ComputeState.Message).toBe('execution completed unexpectedly');
    // the batch's is failed by the restart, and the inputs of its run go at once, with their links
    const failed = await until(
      "the batch's execution to be failed",
      async () =>
        (await executions(c, batchID)).find(
          (e) =>
            e.ID === batchRun!.ID && e.ComputeState.StateType === executionState(ExecutionStateType.Failed),
        ),
      c,
    );
    expect(failed.ComputeState.Message).toMatch(/node restart/);
    await until(
      'its inputs to be removed',
      () => Promise.resolve(fileInputFolders(batchRun!.ID).length === 0 || undefined),
      c,
    );
    expect(fileInputFolders(daemonRun!.ID)).toEqual([]);
  }, 150_000);

  it("a second compute node given a running node's name is refused and takes nothing of the first's", async (ctx) => {
    const docker = requireDocker(ctx);
    cluster = await ProcessCluster.start(1);
    const c = cluster;
    // long enough to outlast the twin's start (a process of its own: several seconds on a busy machine),
    // so that the container is still there to be checked after the twin's sweep and stop
    const { jobID, containers } = await runningDockerSleep(c, docker, 12);

    // the same name on another data dir: its start-up sweep and its stop must leave the container alone
    const twin = await c.addCompute('compute-0', [], 'compute-0-twin');
    await until(
      'the twin to be refused',
      () =>
        Promise.resolve(twin.output.includes('another compute node with this ID is connected') || undefined),
      c,
    );
    await twin.kill('SIGTERM');
    expect(containers()).not.toBe('');

    expect(await waitForTerminal(c, jobID)).toBe(JobStateType.Completed);
    const rows = await executions(c, jobID);
    expect(
      rows.map((r) => `${r.NodeID} ${Object.values(ExecutionStateType)[r.ComputeState.StateType]}`),
    ).toEqual(['compute-0 Completed']);
    const nodes = await c.run(['node', 'list', '--output', 'json']);
    const listed = JSON.parse(nodes.stdout) as {
      Info: { NodeID: string };
      ConnectionState: { Status: string };
    }[];
    expect(listed.find((n) => n.Info.NodeID === 'compute-0')?.ConnectionState.Status).toBe('CONNECTED');
  }, 150_000);

  it('two processes on copies of one data dir do not take the node ID from each other in turns', async (ctx) => {
    const sleep = requireWasmModule(ctx, 'sleep');
    cluster = await ProcessCluster.start(1);
    const c = cluster;
    const original = c.computes[0]!;
    // as copied to another machine: there the lock's pid names no process, so it is stale
    const copyDir = join(dirname(original.dataDir), 'compute-0-copy');
    cpSync(original.dataDir, copyDir, { recursive: true });
    rmSync(join(copyDir, LockFile));
    const copy = await c.addCompute('compute-0', [], 'compute-0-copy');

    // one of the two is refused, and the orchestrator says why
    const refusal = 'another process with this node ID and this data dir is connected';
    await until(
      'one of the two to be refused',
      () => Promise.resolve(original.output.includes(refusal) || copy.output.includes(refusal) || undefined),
      c,
    );
    expect(c.orchestrator.output).toContain('Refused a second process as compute node compute-0');
    // ...and the ID stays where it is: before, it changed hands every one to four seconds
    const reconnections = () => c.orchestrator.output.split('node reconnected').length;
    const seen = reconnections();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(reconnections()).toBe(seen);
    // work still reaches the node that holds the ID (before, 2 of 3 jobs stayed Pending)
    const jobs = await Promise.all([1, 2, 3].map(() => submitSleep(c, sleep, 10)));
    for (const jobID of jobs) expect(await waitForTerminal(c, jobID)).toBe(JobStateType.Completed);
  }, 150_000);

  it.for([
    ['a node that was away while the orchestrator restarted', false] as const,
    ['a node deleted while away, back after the orchestrator restarted', true] as const,
  ])('%s is cancelled what it missed: a daemon runs once', { timeout: 150_000 }, async ([, deleted], ctx) => {
    const docker = requireDocker(ctx);
    cluster = await ProcessCluster.start(1);
    const c = cluster;
    const spec = join(c.orchestrator.dataDir, 'daemon.yaml');
    writeFileSync(
      spec,
      `Name: everywhere\nType: daemon\nTasks:\n  - Name: main\n    Engine:\n      Type: docker\n      Params:\n        Image: ${docker.image}\n        Parameters: [sleep, "1000"]\n`,
    );
    const submitted = await c.run(['job', 'run', '--id-only', '--wait=false', spec]);
    expect(submitted.stderr).toBe('');
    const jobID = submitted.stdout.trim();
    /** The execution IDs compute-0 has containers for. */
    const running = (): string[] =>
      execFileSync(
        docker.cli,
        [
          'ps',
          '--filter',
          'label=bacalhau-executor=compute-0',
          '--format',
          '{{.Label "bacalhau-executionID"}}',
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter((line) => line !== '')
        .map((label) => label.slice('compute-0'.length));
    const [first] = await until(
      'the daemon to run',
      () => Promise.resolve(running().length > 0 ? running() : undefined),
      c,
    );

    // the node falls silent; the orchestrator gives its execution up, then dies (its outbox with it)
    const node = c.compute('compute-0');
    node.signal('SIGSTOP');
    try {
      await until(
        'the execution to be given up',
        async () =>
          (await executions(c, jobID)).find((e) => e.ID === first)?.ComputeState.StateType ===
          executionState(ExecutionStateType.Failed)
            ? true
            : undefined,
        c,
      );
      if (deleted) expect((await c.run(['node', 'delete', 'compute-0'])).code).toBe(0);
      await c.orchestrator.kill('SIGKILL');
      await c.orchestrator.start();
    } finally {
      node.signal('SIGCONT');
    }

    // back, the node gets a new execution of the daemon, and the old one is cancelled
    const replaced = await until(
      'one container, of a new execution',
      () => {
        const now = running();
        return Promise.resolve(now.length === 1 && now[0] !== first ? now : undefined);
      },
      c,
      60_000,
    );
    const live = (await executions(c, jobID)).filter(
      (e) => e.ComputeState.StateType !== executionState(ExecutionStateType.Failed),
    );
    expect(live.map((e) => e.ID)).toEqual(replaced);
    await c.run(['job', 'stop', jobID]);
  });

  it("a compute node heartbeating less often than the orchestrator's DisconnectTimeout stays connected", async (ctx) => {
    const sleep = requireWasmModule(ctx, 'sleep');
    cluster = await ProcessCluster.start(0);
    const c = cluster;
    // the cluster's DisconnectTimeout is 8 s; this node heartbeats every 20 s, and says so
    await c.addCompute('compute-slow', ['-c', 'Compute.Heartbeat.Interval=20s']);
    const jobID = await submitSleep(c, sleep, 25_000);
    expect(await waitForTerminal(c, jobID, 90_000)).toBe(JobStateType.Completed);
    const rows = await executions(c, jobID);
    expect(
      rows.map((r) => `${r.NodeID} ${Object.values(ExecutionStateType)[r.ComputeState.StateType]}`),
    ).toEqual(['compute-slow Completed']);
    expect(c.compute('compute-slow').output).not.toMatch(/handshake required|not connected/);
  }, 150_000);

  /** One compute node running a job that sleeps 3 s, and the PID its orchestrator's nats-server has now. */
  async function jobInFlight(sleep: string) {
    cluster = await ProcessCluster.start(1);
    const c = cluster;
    const jobID = await submitSleep(c, sleep, 3000);
    await acceptedExecution(c, jobID);
    const pidFile = join(c.orchestrator.dataDir, 'orchestrator', 'nats', 'nats-server.pid');
    return { c, jobID, natsPid: () => Number(readFileSync(pidFile, 'utf8')) };
  }

  it('nats-server killed and restarted by the orchestrator: nodes reconnect and jobs in flight finish', async (ctx) => {
    const sleep = requireWasmModule(ctx, 'sleep');
    const { c, jobID, natsPid: pidNow } = await jobInFlight(sleep);
    const natsPid = pidNow();
    process.kill(natsPid, 'SIGKILL');

    expect(await waitForTerminal(c, jobID)).toBe(JobStateType.Completed);
    const rows = await executions(c, jobID);
    expect(rows).toHaveLength(1);
    expect(pidNow()).not.toBe(natsPid);
    // And the cluster still takes new work.
    const next = await submitSleep(c, sleep, 10);
    expect(await waitForTerminal(c, next)).toBe(JobStateType.Completed);
  }, 150_000);

  it('nats-server hung (SIGSTOP) for twice the DisconnectTimeout: no node is declared lost, the job in flight finishes', async (ctx) => {
    const { c, jobID, natsPid: pidNow } = await jobInFlight(requireWasmModule(ctx, 'sleep'));
    const natsPid = pidNow();
    // its connections stay open: the orchestrator's client would notice only minutes later
    process.kill(natsPid, 'SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, 16_000)); // DisconnectTimeout is 8 s here
    } finally {
      process.kill(natsPid, 'SIGCONT');
    }
    expect(await waitForTerminal(c, jobID)).toBe(JobStateType.Completed);
    expect(await executions(c, jobID)).toHaveLength(1);
    expect(c.orchestrator.output).not.toContain('heartbeat timeout');
  }, 150_000);

  it('a compute node answers log requests again after its orchestrator came back with another token, then its own', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    cluster = await ProcessCluster.start(1);
    const c = cluster;
    const compute = c.computes[0]!;
    await c.orchestrator.kill('SIGTERM');
    await c.orchestrator.start(['-c', 'Orchestrator.Auth.Token=another-token']);
    // the node's log connection is refused, and nats.js gives it up for good (within seconds: it
    // stops after two refusals in a row); this node says so once it dials again
    const givenUpBy = Date.now() + 15_000;
    await until(
      'the refused log connection',
      () =>
        Promise.resolve(
          /LogStream.*Authorization/s.test(compute.output) || Date.now() > givenUpBy || undefined,
        ),
      c,
    );
    await c.orchestrator.kill('SIGTERM');
    await c.orchestrator.start();
    await until(
      'the node back',
      async () => {
        const nodes = await c.run(['node', 'list', '--output', 'json']);
        const listed = JSON.parse(nodes.stdout) as {
          Info: { NodeID: string };
          ConnectionState: { Status: string };
        }[];
        const node = listed.find((n) => n.Info.NodeID === compute.name);
        return node?.ConnectionState.Status === 'CONNECTED' || undefined;
      },
      c,
    );

    const run = await c.run(['wasm', 'run', '--id-only', hello]);
    expect(run.code, c.output).toBe(0);
    await until(
      'the logs',
      async () => {
        const logs = await c.run(['job', 'logs', run.stdout.trim()]);
        return logs.code === 0 ? logs.stdout : undefined;
      },
      c,
    ).then((stdout) => expect(stdout).toBe('Hello, world!\n'));
  }, 150_000);

  it('the orchestrator killed with kill -9 mid-run and restarted loses no accepted job', async (ctx) => {
    const sleep = requireWasmModule(ctx, 'sleep');
    cluster = await ProcessCluster.start(2);
    const c = cluster;
    const jobs: string[] = [];
    for (let i = 0; i < 6; i++) jobs.push(await submitSleep(c, sleep, 2000));
    await acceptedExecution(c, jobs[0] ?? '');
    await c.orchestrator.kill('SIGKILL');
    await c.orchestrator.start();

    for (const jobID of jobs) expect(await waitForTerminal(c, jobID, 90_000)).toBe(JobStateType.Completed);
    const listed = await c.run(['job', 'list', '--output', 'json', '--limit', '100']);
    const ids = (JSON.parse(listed.stdout) as { ID: string }[]).map((j) => j.ID);
    expect(ids.sort()).toEqual([...jobs].sort());
    for (const jobID of jobs) {
      const completed = (await executions(c, jobID)).filter(
        (e) => e.ComputeState.StateType === executionState(ExecutionStateType.Completed),
      );
      expect(completed).toHaveLength(1);
    }
  }, 150_000);
});
