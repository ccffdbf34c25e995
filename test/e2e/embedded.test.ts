/**
 * The embedded default, end to end: `serve` runs an orchestrator and a compute node in one process, and
 * real WASM jobs go through the CLI from submission to results, logs and downloads.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireDocker, requireWasmModule } from '../helpers/test-env.js';
import { startLiveNode, type LiveNode } from './live-node.js';

let live: LiveNode;

beforeAll(async () => {
  live = await startLiveNode([
    'Compute.Enabled=true',
    'Publishers.Types.Local.Port=0',
    'Compute.Network.AdvertisedAddress=node-a.test',
  ]);
});
afterAll(() => live.stop());

/** The job ID `--id-only` printed. */
function jobID(stdout: string): string {
  return stdout.trim().split('\n').at(-1) ?? '';
}

async function describeJob(id: string) {
  const run = await live.run(['job', 'describe', id, '--output', 'json']);
  return JSON.parse(run.stdout) as {
    Job: { State: { StateType: string } };
    Executions: {
      Items: {
        ComputeState: { StateType: string; Message: string };
        RunOutput?: { ExitCode: number; Stdout: string };
      }[];
    };
  };
}

/** Waits until the job is in `state` (asking the node every 200 ms; it may not exist yet). */
async function waitForState(idOrName: string, state: string): Promise<void> {
  await vi.waitFor(async () => expect((await describeJob(idOrName)).Job.State.StateType).toBe(state), {
    timeout: 30_000,
    interval: 200,
  });
}

describe('embedded serve', () => {
  it('advertises Compute.Network.AdvertisedAddress as its address, as Go does', async () => {
    const run = await live.run(['node', 'describe', live.node.nodeID, '--output', 'json']);
    const node = JSON.parse(run.stdout) as { Info: { ComputeNodeInfo: { address: string } } };
    expect(node.Info.ComputeNodeInfo.address).toBe('node-a.test');
  });
});

describe('embedded serve runs real WASM jobs', () => {
  it('runs a module to Completed, shows its output, and serves its logs', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const run = await live.run(['wasm', 'run', hello]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Completed successfully');
    const id = /Job ID: (j-[0-9a-f-]+)/.exec(run.stdout)?.[1] ?? '';
    const described = await describeJob(id);
    expect(described.Job.State.StateType).toBe('Completed');
    expect(described.Executions.Items[0]?.RunOutput?.Stdout).toBe('Hello, world!\n');
    const logs = await live.run(['job', 'logs', id]);
    expect(logs.stdout).toBe('Hello, world!\n');
  });

  it('publishes results locally and `job get` downloads them', async (ctx) => {
    const lines = requireWasmModule(ctx, 'stderr');
    const run = await live.run(['wasm', 'run', '-p', 'local', '--id-only', '--wait', lines, '--', '3']);
    expect(run.code).toBe(0);
    const out = join(live.dataDir, 'results');
    mkdirSync(out);
    const get = await live.run(['job', 'get', jobID(run.stdout), '--output-dir', out]);
    expect(get.code).toBe(0);
    const stdout = readFileSync(join(out, 'stdout'), 'utf8');
    const stderr = readFileSync(join(out, 'stderr'), 'utf8');
    expect(stdout.length).toBeGreaterThan(0);
    expect(stderr.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'exitCode'), 'utf8')).toBe('0');
  });

  it('follows the output of a job as it runs with --follow', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const run = await live.run(['wasm', 'run', '--follow', hello]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Job successfully submitted\. Job ID: j-[0-9a-f-]+\nWaiting for logs\.\.\./);
    expect(run.stdout.endsWith('\n\nHello, world!\n')).toBe(true);
  });

  it('exits 1 with --follow when the job fails after its logs ended', async (ctx) => {
    const sleep = requireWasmModule(ctx, 'sleep');
    // the task runs (its log stream opens), then its timeout fails the job
    const timedOut = await live.run(['wasm', 'run', '--follow', '--timeout', '1', sleep, '--', '5000']);
    expect(timedOut.stderr).toContain('Error: job failed');
    expect(timedOut.code).toBe(1);
    const exit = requireWasmModule(ctx, 'exit_code');
    const completed = await live.run(['wasm', 'run', '--follow', exit, '--', '7']);
    expect(completed.code).toBe(0);
  });

  it('says with --follow that the job was stopped, when it was', async (ctx) => {
    const sleep = requireWasmModule(ctx, 'sleep');
    const run = live.run([
      'wasm',
      'run',
      '--follow',
      '--name',
      'stopped-while-followed',
      sleep,
      '--',
      '60000',
    ]);
    await waitForState('stopped-while-followed', 'Running');
    expect((await live.run(['job', 'stop', 'stopped-while-followed'])).code).toBe(0);
    const followed = await run;
    expect(followed.stderr).toContain('Warning: job stopped: ');
    expect(followed.code).toBe(0);
  });

  it('says why with --follow when no node can take the job, while it waits and when it fails', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const run = await live.run(['wasm', 'run', '--follow', '--cpu', '1000', '--queue-timeout', '2', hello]);
    expect(run.code).toBe(1);
    const why = 'not enough nodes to run job. requested: 1, available: 1, suitable: 0.';
    expect(run.stderr).toContain(`Warning: Job queued. ${why}`);
    expect(run.stderr).toContain(`Error: job failed: ${why}`);
    // before: "no executions found for job …", from asking a job that never ran for its logs
    expect(run.stderr).not.toContain('no executions found');
  });

  it('groups events by execution with --group-events', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const run = await live.run(['wasm', 'run', '--group-events', hello]);
    expect(run.code).toBe(0);
    const table = run.stdout.split('\n').filter((line) => /^ (TIME|\d\d:)/.test(line));
    // Header, the execution's latest event, then the job's latest event.
    expect(table).toHaveLength(3);
    expect(table[1]).toMatch(/e-[0-9a-f]{8} +Execution +Completed successfully/);
    expect(table[2]).not.toMatch(/e-[0-9a-f]{8}/);
  });

  it('records a non-zero exit code as a result, not a failure', async (ctx) => {
    const exit = requireWasmModule(ctx, 'exit_code');
    const run = await live.run(['wasm', 'run', '--id-only', '--wait', exit, '--', '7']);
    const described = await describeJob(jobID(run.stdout));
    expect(described.Job.State.StateType).toBe('Completed');
    expect(described.Executions.Items[0]?.RunOutput?.ExitCode).toBe(7);
  });

  it('refuses a module that is not WASM at submission, saying why', async () => {
    const bogus = join(live.dataDir, 'bogus.wasm');
    writeFileSync(bogus, 'this is not a module');
    const run = await live.run(['wasm', 'run', '--id-only', '--wait', bogus]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'Tasks[0].Engine.Params.EntryModule: "/main.wasm" is the inline data of InputSources[0], which is not a WebAssembly module (it starts with "this", not "\\0asm")',
    );
  });

  it('fails a job whose input cannot be downloaded, and keeps accepting work', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    // Nothing listens on port 1: the download fails at once, without leaving the machine.
    const run = await live.run([
      'wasm',
      'run',
      '--id-only',
      '--wait',
      '-i',
      'src=http://127.0.0.1:1/data.txt,dst=/inputs/data.txt',
      hello,
    ]);
    const described = await describeJob(jobID(run.stdout));
    expect(described.Job.State.StateType).toBe('Failed');
    expect(described.Executions.Items[0]?.ComputeState.Message).toMatch(
      /cannot download http:\/\/127\.0\.0\.1:1\/data\.txt/,
    );
    const again = await live.run(['wasm', 'run', '--id-only', '--wait', hello]);
    expect((await describeJob(jobID(again.stdout))).Job.State.StateType).toBe('Completed');
  });

  it('says that a job failed before its task ran has no logs, not that they expired', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const server = createServer((_request, response) => response.writeHead(500).end('boom'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // fails while the node sizes its inputs (bidding), and with an entry point the module lacks
      const input = `src=http://127.0.0.1:${port}/data.txt,dst=/inputs/data.txt`;
      for (const args of [
        ['-i', input, hello],
        ['--entry-point', 'nosuch', hello],
      ]) {
        const run = await live.run(['wasm', 'run', '--id-only', '--wait', ...args]);
        const id = jobID(run.stdout);
        const logs = await live.run(['job', 'logs', id]);
        expect(logs.code).toBe(1);
        const [, error = '', hint = ''] = logs.stderr.split('\n');
        expect(error).toMatch(
          /^Error: .*execution e-[0-9a-f-]+ has no logs: it ended \(Failed: .+\) before its task started$/,
        );
        expect(error).toMatch(args[0] === '-i' ? /HTTP 500/ : /nosuch/);
        expect(hint).toBe(`Hint:  its history says what happened: bacalhau job history ${id}`);
      }
    } finally {
      server.close();
    }
  });

  it('refuses a local input when the node allows no local paths, naming why', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const run = await live.run(['wasm', 'run', '--id-only', '--wait', '-i', 'file:///etc:/inputs', hello]);
    const id = jobID(run.stdout);
    const history = await live.run(['job', 'history', id, '--output', 'json']);
    expect(history.stdout).toMatch(/does not support local, only inline, urlDownload/);
  });

  it('runs a Docker container and tells which network Default became', async (ctx) => {
    requireDocker(ctx);
    const run = await live.run(['docker', 'run', '--id-only', '--wait', 'local/busybox', 'echo', 'hello']);
    expect(run.code).toBe(0);
    const id = jobID(run.stdout);
    expect((await describeJob(id)).Job.State.StateType).toBe('Completed');
    expect((await live.run(['job', 'logs', id])).stdout).toBe('hello\n');
    const history = await live.run(['job', 'history', id, '--output', 'json']);
    expect(history.stdout).toMatch(/network/i);
  });

  it('mounts a downloaded script writable, as Go does: the task can make it executable and run it', async (ctx) => {
    requireDocker(ctx);
    const server = createServer((_req, res) => res.end('#!/bin/sh\necho ran from a download\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const run = await live.run([
        'docker',
        'run',
        '--id-only',
        '--wait',
        '-i',
        `src=http://127.0.0.1:${port}/run.sh,dst=/inputs`,
        'local/busybox',
        '--',
        'sh',
        '-c',
        'chmod +x /inputs/run.sh && /inputs/run.sh',
      ]);
      const id = jobID(run.stdout);
      expect((await describeJob(id)).Job.State.StateType).toBe('Completed');
      expect((await live.run(['job', 'logs', id])).stdout).toBe('ran from a download\n');
    } finally {
      server.close();
    }
  });

  it('fails a Docker job whose image is missing, naming the image, and says why it has no logs', async (ctx) => {
    requireDocker(ctx);
    // A registry on a closed loopback port: the pull fails at once and nothing leaves the machine.
    const image = '127.0.0.1:9/bacalhau-ts/no-such-image:1';
    const run = await live.run(['docker', 'run', '--id-only', '--wait', image, 'true']);
    const id = jobID(run.stdout);
    const described = await describeJob(id);
    expect(described.Job.State.StateType).toBe('Failed');
    expect(described.Executions.Items[0]?.ComputeState.Message).toMatch(/no-such-image/);
    // its container was never made: no log, and `job logs` says why rather than printing nothing
    const logs = await live.run(['job', 'logs', id]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(
      /^Error: .*execution e-[0-9a-f-]+ has no logs: it ended \(Failed: .*no-such-image.*\) before its task started$/m,
    );
  });
});
