/**
 * Two node processes on one host (two plain `serve`, each its own orchestrator and compute node) with
 * the same allow-listed folder: a WASM job of one may not read by name where a Docker job of the
 * other writes, whichever starts first (src/executor/local-inputs-on-host.ts), though the first has
 * no Docker daemon to ask. Both processes inherit
 * this test file's record of local inputs in use (test/helpers/own-host-record.ts), as two nodes of
 * a host share the default one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';
import { dockerEnv, requireDocker, requireWasmModule } from '../helpers/test-env.js';
import { RegistryEnv } from '../../src/executor/local-inputs-on-host.js';
import { commonArgs, ServeProcess } from './process-cluster.js';

let root: string;
let shared: string;
const nodes: ServeProcess[] = [];

beforeAll(async () => {
  if (!dockerEnv().available) return; // each test skips (or fails) with the reason
  root = mkdtempSync(join(tmpdir(), 'two-nodes-'));
  shared = join(root, 'shared');
  mkdirSync(join(shared, 'p', 'q'), { recursive: true });
  writeFileSync(join(shared, 'p', 'q', 'f'), 'data\n');
  for (const name of ['a', 'b']) {
    const dataDir = join(root, name);
    mkdirSync(dataDir);
    const node = new ServeProcess(name, dataDir, [
      'serve',
      ...commonArgs(),
      '-c',
      // the other node's data dir too, as an allow list of a whole home folder would have it
      `Compute.AllowListedLocalPaths=${shared}/**:rw,${root}/**:ro`,
    ]);
    nodes.push(node);
    // a has no Docker daemon (a WASM-only node): it cannot ask the daemon about b's containers
    const daemon = process.env['DOCKER_HOST'];
    if (name === 'a') process.env['DOCKER_HOST'] = `unix://${join(root, 'no-daemon.sock')}`;
    try {
      await node.start();
    } finally {
      if (daemon === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = daemon;
    }
  }
}, 120_000);
afterAll(async () => {
  for (const node of nodes) await node.kill('SIGTERM');
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

/** `bacalhau <args>` against node `index` (0: a, 1: b). */
function run(index: number, args: string[]) {
  const node = nodes[index]!;
  return cli(args, {
    env: { HOME: node.dataDir, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: node.apiPort },
    cwd: node.dataDir,
  });
}

async function submit(index: number, args: string[]): Promise<string> {
  const submitted = await run(index, [...args.slice(0, 2), '--id-only', '--wait=false', ...args.slice(2)]);
  expect(submitted.stderr).toBe('');
  return submitted.stdout.trim();
}

interface Described {
  Job: { State: { StateType: string } };
  Executions: { Items: { ComputeState: { StateType: string; Message: string } }[] };
}

async function describeJob(index: number, id: string): Promise<Described> {
  return JSON.parse((await run(index, ['job', 'describe', id, '--output', 'json'])).stdout) as Described;
}

async function waitForState(index: number, id: string, states: string[]): Promise<Described> {
  let described: Described | undefined;
  await vi.waitFor(
    async () => {
      described = await describeJob(index, id);
      expect(states).toContain(described.Job.State.StateType);
    },
    { timeout: 30_000, interval: 200 },
  );
  return described!;
}

/** A Docker job on node `index` writing to `$shared/p` until stopped. */
const dockerWriter = (index: number, image: string): Promise<string> =>
  submit(index, ['docker', 'run', '-i', `file://${shared}/p,dst=/w,opt=rw=true`, image, 'sleep', '60']);

describe('two node processes sharing an allow-listed folder', () => {
  it("refuses a WASM job reading where the other node's Docker job writes, and runs it once that ends", async (ctx) => {
    const { image } = requireDocker(ctx);
    const cat = requireWasmModule(ctx, 'cat');
    const writer = await dockerWriter(1, image);
    await waitForState(1, writer, ['Running']);

    const reader = await submit(0, ['wasm', 'run', '-i', `file://${shared}/p/q:/data`, cat, '/data/f']);
    const refused = await waitForState(0, reader, ['Failed', 'Completed']);
    expect(refused.Job.State.StateType).toBe('Failed');
    expect(refused.Executions.Items[0]?.ComputeState.Message).toContain(
      `of a Docker task with a writable local input of another node process of this host (pid ${nodes[1]!.pid}) runs`,
    );

    // the writer's container ends some seconds after its job is stopped (busybox's sleep, its first
    // process, ignores SIGTERM, so the daemon kills it after the grace period)
    expect((await run(1, ['job', 'stop', writer])).stderr).toBe('');
    let last: Described | undefined;
    for (const deadline = Date.now() + 40_000; Date.now() < deadline;) {
      const again = await submit(0, ['wasm', 'run', '-i', `file://${shared}/p/q:/data`, cat, '/data/f']);
      last = await waitForState(0, again, ['Failed', 'Completed']);
      if (last.Job.State.StateType === 'Completed') break;
    }
    expect(last?.Job.State.StateType, JSON.stringify(last?.Executions.Items)).toBe('Completed');
  });

  it("refuses a Docker job writing where the other node's WASM job reads", async (ctx) => {
    const { image } = requireDocker(ctx);
    const sleep = requireWasmModule(ctx, 'sleep');
    const reader = await submit(0, ['wasm', 'run', '-i', `file://${shared}/p/q:/data`, sleep, '60000']);
    await inputRecorded(`${shared}/p/q`);

    const writer = await dockerWriter(1, image);
    const refused = await waitForState(1, writer, ['Failed', 'Completed']);
    expect(refused.Job.State.StateType, JSON.stringify(refused.Executions.Items)).toBe('Failed');
    expect(refused.Executions.Items[0]?.ComputeState.Message).toContain(
      `the writable local input "${shared}/p" of a Docker task and the local input "${shared}/p/q" of a WASM task of another node process of this host`,
    );
    await run(0, ['job', 'stop', reader]);
  });

  it("refuses a WASM job reading in the other node's data dir, where its jobs' results are written", async (ctx) => {
    const cat = requireWasmModule(ctx, 'cat');
    const reader = await submit(0, ['wasm', 'run', '-i', `file://${root}/b:/data`, cat, '/data/x']);
    const refused = await waitForState(0, reader, ['Failed', 'Completed']);
    expect(refused.Job.State.StateType).toBe('Failed');
    expect(refused.Executions.Items[0]?.ComputeState.Message).toContain(
      `the local input "${root}/b" of a WASM task overlaps "${root}/b/compute/executions", where a node of another process of this host (pid ${nodes[1]!.pid}) keeps its executions' folders`,
    );
  });

  it('keeps refusing WASM jobs while the Docker job of a node killed with it running goes on', async (ctx) => {
    const { image, cli: docker } = requireDocker(ctx);
    const cat = requireWasmModule(ctx, 'cat');
    const writer = await dockerWriter(1, image);
    await waitForState(1, writer, ['Running']);
    const container = await writerContainer(docker);
    await nodes[1]!.kill('SIGKILL'); // its container runs on

    const reader = await submit(0, ['wasm', 'run', '-i', `file://${shared}/p/q:/data`, cat, '/data/f']);
    const refused = await waitForState(0, reader, ['Failed', 'Completed']);
    expect(refused.Job.State.StateType).toBe('Failed');
    expect(refused.Executions.Items[0]?.ComputeState.Message).toContain(
      `the container ${container.slice(0, 12)} of a Docker task with a writable local input of another node process of this host`,
    );

    execFileSync(docker, ['rm', '-f', container]);
    const again = await submit(0, ['wasm', 'run', '-i', `file://${shared}/p/q:/data`, cat, '/data/f']);
    expect((await waitForState(0, again, ['Failed', 'Completed'])).Job.State.StateType).toBe('Completed');
  });
});

/** Waits until a node process has recorded a WASM task's local input `path` in the host's record. */
async function inputRecorded(path: string): Promise<void> {
  const folder = process.env[RegistryEnv]!;
  await vi.waitFor(
    () => {
      const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
      expect(files.map((name) => readFileSync(join(folder, name), 'utf8')).join()).toContain(
        JSON.stringify(path),
      );
    },
    { timeout: 30_000, interval: 50 },
  );
}

/** The running container that mounts the shared folder writable (node b's writer). */
async function writerContainer(docker: string): Promise<string> {
  let found = '';
  await vi.waitFor(
    () => {
      const ids = execFileSync(docker, ['ps', '-q', '--no-trunc'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      found =
        ids.find((id) =>
          execFileSync(docker, ['inspect', '--format', '{{range .Mounts}}{{.Source}} {{end}}', id], {
            encoding: 'utf8',
          }).includes(`${shared}/p `),
        ) ?? '';
      expect(found).not.toBe('');
    },
    { timeout: 30_000, interval: 200 },
  );
  return found;
}
