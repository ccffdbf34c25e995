/**
 * A cluster of real `bacalhau serve` processes for failure tests: one orchestrator (running its
 * supervised nats-server on a fixed loopback port, so a restarted orchestrator is found at the same
 * address) and compute nodes in processes of their own, each with its data dir, all killable with any
 * signal and restartable on the same data. Short heartbeat and disconnect timings keep tests quick.
 * `stop()` leaves no process behind (the orchestrator's nats-server included).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, type CliRun } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/test-env.js';
import { freePort } from '../helpers/ports.js';

export const ClusterToken = 'failure-test-token';

/**
 * Timings: a silent node is DISCONNECTED 8 to 11 s after its last heartbeat. Shorter than the defaults
 * (5 s / 20 s) to keep tests quick, yet longer than a NATS outage takes to heal (a server restart
 * after 1 s, clients retrying every 2 s), as the defaults are.
 */
const timings = ['Compute.Heartbeat.Interval=500ms', 'Orchestrator.NodeManager.DisconnectTimeout=8s'];

export class ServeProcess {
  readonly name: string;
  readonly dataDir: string;
  readonly #args: string[];
  #child: ChildProcess | undefined;
  #output = '';

  constructor(name: string, dataDir: string, args: string[]) {
    this.name = name;
    this.dataDir = dataDir;
    this.#args = args;
  }

  /**
   * Starts the process and resolves once its API serves (its `bacalhau.run` appeared). `overrides`
   * are added to its arguments for this start only (a later `-c` wins over an earlier one).
   */
  async start(overrides: readonly string[] = []): Promise<void> {
    const runInfo = join(this.dataDir, 'bacalhau.run');
    rmSync(runInfo, { force: true }); // a SIGKILLed node leaves its file behind
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'src/main.ts'), ...this.#args, ...overrides],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, HOME: this.dataDir, BACALHAU_DIR: this.dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.#child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    }
    const deadline = Date.now() + 60_000;
    while (!existsSync(runInfo)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${this.name} did not start (exit ${child.exitCode}):\n${this.#output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  get apiPort(): string {
    return (
      /BACALHAU_API_PORT=(\d+)/.exec(readFileSync(join(this.dataDir, 'bacalhau.run'), 'utf8'))?.[1] ?? ''
    );
  }

  /** The process's ID while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** What the process printed (stdout and stderr), for failure messages. */
  get output(): string {
    return this.#output;
  }

  /** Sends `signal` (SIGSTOP, SIGCONT, ...) without waiting for anything. */
  signal(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  /** Sends `signal` and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

export class ProcessCluster {
  readonly orchestrator: ServeProcess;
  readonly computes: ServeProcess[] = [];
  readonly natsPort: number;
  readonly #root: string;

  private constructor(root: string, natsPort: number, orchestratorArgs: readonly string[]) {
    this.#root = root;
    this.natsPort = natsPort;
    this.orchestrator = new ServeProcess('orchestrator', this.#dir('orchestrator'), [
      'serve',
      '--orchestrator',
      ...commonArgs(),
      '-c',
      'Orchestrator.Host=127.0.0.1',
      '-c',
      `Orchestrator.Port=${natsPort}`,
      '-c',
      `Orchestrator.Auth.Token=${ClusterToken}`,
      ...timings.flatMap((t) => ['-c', t]),
      ...orchestratorArgs,
    ]);
  }

  /** Starts the orchestrator, then `computes` compute nodes named `compute-<i>`. */
  static async start(
    computes: number,
    args: { compute?: string[]; orchestrator?: string[]; natsPort?: number } = {},
  ): Promise<ProcessCluster> {
    const computeArgs = args.compute ?? [];
    const root = mkdtempSync(join(tmpdir(), 'bacalhau-cluster-'));
    const cluster = new ProcessCluster(root, args.natsPort ?? (await freePort()), args.orchestrator ?? []);
    try {
      await cluster.orchestrator.start();
      for (let i = 0; i < computes; i++) await cluster.addCompute(`compute-${i}`, computeArgs);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts a compute node named `name`, on the data dir `dirName` (default: its name). */
  async addCompute(name: string, extraArgs: string[] = [], dirName = name): Promise<ServeProcess> {
    const node = new ServeProcess(name, this.#dir(dirName), [
      'serve',
      '--compute',
      '--name',
      name,
      ...commonArgs(),
      '-c',
      `Compute.Orchestrators=nats://127.0.0.1:${this.natsPort}`,
      '-c',
      `Compute.Auth.Token=${ClusterToken}`,
      ...timings.flatMap((t) => ['-c', t]),
      ...extraArgs,
    ]);
    await node.start();
    this.computes.push(node);
    return node;
  }

  compute(name: string): ServeProcess {
    const node = this.computes.find((c) => c.name === name);
    if (node === undefined) throw new Error(`no compute node ${name}`);
    return node;
  }

  /** Runs `bacalhau <args>` against the orchestrator's API. */
  run(args: string[]): Promise<CliRun> {
    return cli(args, {
      env: { HOME: this.#root, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: this.orchestrator.apiPort },
      cwd: this.#root,
    });
  }

  /** Everything every process printed, for a failing test's message. */
  get output(): string {
    return [this.orchestrator, ...this.computes].map((p) => `--- ${p.name}\n${p.output}`).join('\n');
  }

  /** Stops every process (compute nodes first, gracefully) and removes the data. */
  async stop(): Promise<void> {
    for (const node of this.computes) await node.kill('SIGTERM');
    await this.orchestrator.kill('SIGTERM');
    killLeftoverNatsServer(this.orchestrator.dataDir);
    if (process.env['KEEP_CLUSTER'] === undefined) rmSync(this.#root, { recursive: true, force: true });
    else console.log(`cluster data kept in ${this.#root}`);
  }

  #dir(name: string): string {
    const dir = join(this.#root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}

/** The flags every node of these tests gets: loopback API on a free port, a free local publisher port. */
export function commonArgs(): string[] {
  return ['--api-port', '0', '-c', 'API.Host=127.0.0.1', '-c', 'Publishers.Types.Local.Port=0'];
}

/** The nats-server of an orchestrator that was SIGKILLed and not restarted. */
function killLeftoverNatsServer(orchestratorDir: string): void {
  try {
    const pid = Number(
      readFileSync(join(orchestratorDir, 'orchestrator', 'nats', 'nats-server.pid'), 'utf8'),
    );
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // none left
  }
}
