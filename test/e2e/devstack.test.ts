/**
 * `bacalhau devstack`: an orchestrator and compute nodes in one process meeting through real
 * nats-servers on loopback, driven by the CLI as a user would. WASM jobs, so no Docker is needed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ExecutionStateType, JobStateType } from '../../src/models/index.js';
import { cli, type CliRun } from '../helpers/cli.js';
import { describeWithEnv, natsEnv, requireWasmModule } from '../helpers/test-env.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-devstack-e2e-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface RunningStack {
  /** The first node's `bacalhau.run`: the exports that point a client at it. */
  exports: string;
  /** Runs `bacalhau <args>` against the stack's first node, with the variables `exports` sets. */
  run(args: string[]): Promise<CliRun>;
  /** Stops the stack (Ctrl+C) and returns its own output. */
  stop(): Promise<CliRun>;
}

/** Starts `devstack` on random loopback ports and waits until its last node serves. */
async function startDevstack(args: string[], lastNode: number): Promise<RunningStack> {
  const stop = new AbortController();
  const env = { HOME: dir, IGNORE_PID_AND_PORT_FILES: '1' };
  const stackRepo = join(dir, 'stack');
  const running = cli(
    [
      'devstack',
      '--random-ports',
      '--stack-repo',
      stackRepo,
      '-c',
      'API.Host=127.0.0.1',
      '-c',
      'Orchestrator.Host=127.0.0.1',
      ...args,
    ],
    { env, signal: stop.signal },
  );
  const deadline = Date.now() + 60_000;
  const runInfo = (node: number): string => join(stackRepo, `node-${node}`, 'bacalhau.run');
  while (!existsSync(runInfo(lastNode))) {
    if (Date.now() > deadline) {
      stop.abort();
      throw new Error(`devstack did not start: ${JSON.stringify(await running)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exports = readFileSync(runInfo(0), 'utf8');
  const client: Record<string, string> = { HOME: dir };
  for (const [, name = '', value = ''] of exports.matchAll(/^export (\w+)=(.*)$/gm)) client[name] = value;
  return {
    exports,
    run: (cliArgs) => cli(cliArgs, { env: client, cwd: dir }),
    stop: async () => {
      stop.abort();
      return running;
    },
  };
}

/** State enums travel as their index, as in Go's JSON. */
const completed = Object.values(ExecutionStateType).indexOf(ExecutionStateType.Completed);
const failed = Object.values(ExecutionStateType).indexOf(ExecutionStateType.Failed);

interface ExecutionRow {
  NodeID: string;
  ComputeState: { StateType: number; Message?: string };
}

async function executions(stack: RunningStack, jobID: string): Promise<ExecutionRow[]> {
  const listed = await stack.run(['job', 'executions', jobID, '--output', 'json']);
  expect(listed.code).toBe(0);
  return JSON.parse(listed.stdout) as ExecutionRow[];
}

describeWithEnv('devstack', natsEnv(), () => {
  it('runs a job on each of its 3 compute nodes from the CLI', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const stack = await startDevstack([], 3);
    try {
      const nodes = await stack.run(['node', 'list', '--output', 'json']);
      const listed = JSON.parse(nodes.stdout) as { Info: { NodeID: string; NodeType: string } }[];
      expect(listed.map((n) => `${n.Info.NodeID}:${n.Info.NodeType}`).sort()).toEqual([
        'node-0:Requester',
        'node-1:Compute',
        'node-2:Compute',
        'node-3:Compute',
      ]);
      const submitted = await stack.run(['wasm', 'run', '--count', '3', '--id-only', '--wait', hello]);
      const jobID = submitted.stdout.trim();
      if (submitted.stderr !== '') {
        throw new Error(`${submitted.stderr}\n${(await stack.run(['job', 'describe', jobID])).stdout}`);
      }
      const rows = await executions(stack, jobID);
      expect(rows.map((r) => r.ComputeState.StateType)).toEqual([completed, completed, completed]);
      expect(new Set(rows.map((r) => r.NodeID))).toEqual(new Set(['node-1', 'node-2', 'node-3']));
      // Logs come from the compute node through NATS.
      const single = await stack.run(['wasm', 'run', '--id-only', '--wait', hello]);
      const logs = await stack.run(['job', 'logs', single.stdout.trim()]);
      expect(logs.stderr).toBe('');
      expect(logs.stdout).toBe('Hello, world!\n');
      const described = await stack.run(['job', 'describe', jobID, '--output', 'json']);
      expect(
        (JSON.parse(described.stdout) as { Job: { State: { StateType: string } } }).Job.State.StateType,
      ).toBe(JobStateType.Completed);
    } finally {
      const own = await stack.stop();
      expect(own.code).toBe(0);
      expect(own.stdout).toContain(
        'Devstack is ready!\nNo. of requester only nodes: 1\nNo. of compute only nodes: 3',
      );
    }
  });

  it('a bad compute node fails what it runs with Bacalhau message, on a hybrid stack', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const stack = await startDevstack(
      ['--orchestrators', '0', '--hybrids', '1', '--computes', '1', '--bad-computes', '1'],
      1,
    );
    try {
      const submitted = await stack.run(['wasm', 'run', '--count', '2', '--id-only', '--wait', hello]);
      const jobID = submitted.stdout.trim();
      const rows = await executions(stack, jobID);
      const bad = rows.filter((r) => r.NodeID === 'node-1');
      expect(bad.length).toBeGreaterThan(0);
      expect(bad.every((r) => r.ComputeState.StateType === failed)).toBe(true);
      expect(bad[0]?.ComputeState.Message).toMatch(/i am a bad node\. i failed execution e-/);
      // Both nodes were needed (count 2), so the job fails, as Bacalhau's does.
      expect(submitted.stderr).toBe('Error: job failed\n');
    } finally {
      await stack.stop();
    }
  });

  it('tells a client to trust its self-signed API certificate', async () => {
    const stack = await startDevstack(['--computes', '1', '-c', 'API.TLS.SelfSigned=true'], 1);
    let alive: CliRun;
    try {
      alive = await stack.run(['agent', 'alive']);
    } finally {
      const own = await stack.stop();
      expect(own.stdout).toContain(
        `To use the devstack, run the following commands in your shell:\n\n${stack.exports}`,
      );
    }
    expect(stack.exports).toBe(
      'export BACALHAU_API_HOST=127.0.0.1\n' +
        `export BACALHAU_API_PORT=${/PORT=(\d+)/.exec(stack.exports)?.[1]}\n` +
        'export BACALHAU_API_TLS_USETLS=true\n' +
        `export BACALHAU_API_TLS_CAFILE=${join(dir, 'stack', 'node-0', 'api-self-signed.crt')}\n`,
    );
    expect(alive.stdout).toBe('Status: OK\n');
  });

  it("says Go's profiling flags are ignored, rather than leave the user waiting for a file", async () => {
    const profile = join(dir, 'cpu.prof');
    const run = await cli(
      ['devstack', '--orchestrators', '0', '--computes', '0', '--cpu-profiling-file', profile],
      { env: { HOME: dir, IGNORE_PID_AND_PORT_FILES: '1' } },
    );
    expect(run.stderr).toContain(
      `Warning: --cpu-profiling-file is ignored: bacalhau-ts writes no Go profile (${profile} is not written)`,
    );
  });

  it.each([
    [['--computes', '2'], 'cannot add compute node: no orchestrators found in the existing devstack'],
    [['--computes', '0'], 'you cannot create a devstack with zero nodes'],
    [
      ['--hybrids', '1', '--computes', '0', '--bad-computes', '2'],
      'you cannot have more bad compute actors (2) than there are nodes (1)',
    ],
  ])('refuses --orchestrators 0 %j in Go words', async (counts, error) => {
    const run = await cli(['devstack', '--orchestrators', '0', ...counts], {
      env: { HOME: dir, IGNORE_PID_AND_PORT_FILES: '1' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[1]).toBe(`Error: ${error}`);
  });
});
