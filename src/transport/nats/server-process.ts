/**
 * Runs and supervises the orchestrator's `nats-server` child process: Bacalhau embeds the server in its
 * binary; we start the real one next to us, so compute nodes on other hosts meet exactly the server
 * they would meet with Bacalhau.
 *
 * - Start: a server left running by an orchestrator that was killed with `kill -9` on a host without
 *   setpriv (found through its pid file under the work dir) is killed first, so the port is ours again;
 *   then the config is written (0600: it holds the token), the server started, and its ports file
 *   awaited, which it writes once it accepts clients. Port 0 asks for any free port; restarts keep the port it got, so the URLs
 *   compute nodes hold stay valid.
 * - Supervision: an unexpected exit is reported and the server restarted with backoff (1 s doubling to
 *   5 s: every second without it, no node can report, and a local process is cheap to try again);
 *   clients reconnect by themselves.
 * - Stop: SIGTERM, SIGKILL after 5 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { endingWithThisProcess, findExecutable } from '../../lib/executables.js';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import { TransportComponent } from '../errors.js';
import { renderNatsServerConfig, type NatsServerSettings } from './server-config.js';

export interface NatsServerProcessOptions {
  settings: NatsServerSettings;
  /** Where the config, pid, ports and log files live (`<DataDir>/orchestrator/nats`). */
  workDir: string;
  /** The executable; default `nats-server` found on PATH or in /usr/sbin, /usr/local/sbin. */
  binary?: string;
  /** How long to wait for the server to accept clients (ms); default 10 s. */
  readyTimeoutMs?: number;
  /** An unexpected exit (it is being restarted) and failed restarts. */
  onProblem?: (message: string) => void;
}

const RestartBackoffMs = { first: 1000, max: 5000 };
const StopGraceMs = 5000;
const StderrTailChars = 2000;

export class NatsServerProcess {
  /** The port clients connect to (the one the server picked when 0 was asked). */
  readonly port: number;
  readonly #options: NatsServerProcessOptions & { binary: string };
  #child: ChildProcess;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #restartTimer: NodeJS.Timeout | undefined;

  private constructor(
    options: NatsServerProcessOptions & { binary: string },
    child: ChildProcess,
    port: number,
  ) {
    this.#options = options;
    this.#child = child;
    this.port = port;
    this.#supervise(child, RestartBackoffMs.first);
  }

  /**
   * Starts the server and resolves once it accepts clients.
   * @throws BacalhauError: ConfigurationError when nats-server is missing or refuses its config,
   *   ResourceInUse when the port is taken
   */
  static async start(options: NatsServerProcessOptions): Promise<NatsServerProcess> {
    const binary = options.binary ?? findNatsServer();
    mkdirSync(options.workDir, { recursive: true, mode: 0o700 });
    await killLeftover(options.workDir);
    writeFileSync(configPath(options.workDir), renderNatsServerConfig(options.settings), { mode: 0o600 });
    const full = { ...options, binary };
    const { child, port } = await launch(full, options.settings.port);
    return new NatsServerProcess(full, child, port);
  }

  /** `nats://127.0.0.1:<port>` (or the configured host when it is not a wildcard), for local clients. */
  get clientURL(): string {
    return `nats://${localHost(this.#options.settings.host)}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Stops the server (and any pending restart). Idempotent; never rejects. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping = true;
      clearTimeout(this.#restartTimer);
      await terminate(this.#child);
      rmSync(pidPath(this.#options.workDir), { force: true });
    })();
    return this.#stopped;
  }

  #supervise(child: ChildProcess, backoffMs: number): void {
    // In its own process group, the server outlives a node that ends without stopping it (a second
    // Ctrl+C, a crash): ending with the node is asked for here, and of the kernel for kill -9
    // (endingWithThisProcess). Where that is not to be had, the next start finds it by its pid file.
    const endWithNode = (): void => void child.kill('SIGTERM');
    process.once('exit', endWithNode);
    child.once('exit', (code, signal) => {
      process.off('exit', endWithNode);
      if (this.#stopping) return;
      this.#options.onProblem?.(
        `nats-server exited unexpectedly (${signal ?? `exit code ${code}`}); restarting in ${backoffMs / 1000}s`,
      );
      this.#restartTimer = setTimeout(() => void this.#restart(backoffMs), backoffMs);
    });
  }

  async #restart(backoffMs: number): Promise<void> {
    const next = Math.min(backoffMs * 2, RestartBackoffMs.max);
    try {
      const { child } = await launch(this.#options, this.port);
      if (this.#stopping) {
        await terminate(child);
        return;
      }
      this.#child = child;
      this.#supervise(child, RestartBackoffMs.first);
    } catch (err) {
      if (this.#stopping) return;
      this.#options.onProblem?.(
        `nats-server restart failed: ${(err as Error).message}; retrying in ${next / 1000}s`,
      );
      this.#restartTimer = setTimeout(() => void this.#restart(next), next);
    }
  }
}

async function launch(
  options: NatsServerProcessOptions & { binary: string },
  port: number,
): Promise<{ child: ChildProcess; port: number }> {
  const { workDir } = options;
  for (const name of readdirSync(workDir))
    if (name.endsWith('.ports')) rmSync(join(workDir, name), { force: true });
  const { command, args } = endingWithThisProcess(options.binary, [
    '-c',
    configPath(workDir),
    '-p',
    String(port === 0 ? -1 : port),
    '-P',
    pidPath(workDir),
    '--ports_file_dir',
    workDir,
  ]);
  // its own process group: Ctrl+C in the terminal reaches the orchestrator, which stops the server
  // after the rest of the node, not the server first
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-StderrTailChars);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  for (;;) {
    const bound = readPortsFile(workDir, child.pid);
    if (bound !== undefined) return { child, port: bound };
    const outcome = await Promise.race([
      sleep(20).then(() => 'waiting' as const),
      exited.then(() => 'exited' as const),
      spawnError,
    ]);
    if (outcome instanceof Error)
      throw startError(`cannot run ${options.binary}: ${outcome.message}`, options, port);
    if (outcome === 'exited') throw startError(lastLine(stderr), options, port, stderr);
    if (Date.now() > deadline) {
      await terminate(child);
      throw startError(
        `nats-server did not accept clients within ${(options.readyTimeoutMs ?? 10_000) / 1000}s`,
        options,
        port,
      );
    }
  }
}

/** The client port from `<binary>_<pid>.ports` (`{"nats":["nats://127.0.0.1:4222"],…}`). */
function readPortsFile(workDir: string, pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const file = readdirSync(workDir).find((name) => name.endsWith(`_${pid}.ports`));
  if (file === undefined) return undefined;
  try {
    const ports = JSON.parse(readFileSync(join(workDir, file), 'utf8')) as { nats?: string[] };
    const url = ports.nats?.[0];
    return url === undefined ? undefined : Number(new URL(url.replace(/^tls:/, 'nats:')).port);
  } catch {
    return undefined; // written but not complete yet
  }
}

function startError(
  message: string,
  options: NatsServerProcessOptions,
  port: number,
  stderr = '',
): BacalhauError {
  if (/address already in use/i.test(stderr)) {
    return new BacalhauError(`orchestrator port ${port} is already in use`, {
      code: ErrorCode.ResourceInUse,
      component: TransportComponent,
      hint: 'stop the other process using this port, or choose another one with -c Orchestrator.Port=<port>',
    });
  }
  return new BacalhauError(`cannot start the orchestrator's NATS server: ${message}`, {
    code: ErrorCode.ConfigurationError,
    component: TransportComponent,
    hint: `check the Orchestrator settings (config written to ${configPath(options.workDir)})`,
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  // nats-server prefixes lines with "[pid] date time [LEVEL] ".
  return (lines.at(-1) ?? 'exited at start').replace(/^\[\d+\] \S+ \S+ \[\w+\] /, '');
}

/** `nats-server` on PATH, or where Debian and manual installs put it (sbin is not on every PATH). */
export function findNatsServer(): string {
  const found = findExecutable('nats-server', {
    extraDirs: ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'],
  });
  if (found !== undefined) return found;
  throw new BacalhauError('cannot start the orchestrator: nats-server is not installed', {
    code: ErrorCode.ConfigurationError,
    component: TransportComponent,
    hint: 'install it (Debian/Ubuntu: apt install nats-server; or https://github.com/nats-io/nats-server/releases), or run `bacalhau serve` without --orchestrator for a single-process node',
  });
}

/** Kills the server a previous (killed) orchestrator left behind, identified by its pid file. */
async function killLeftover(workDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidPath(workDir), 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  // Not Linux, or gone: a stale server then fails with "port in use", which says what to do.
  const cmdline = commandLine(pid);
  // Only a nats-server started on this work dir's config: the pid may have been reused since.
  if (!cmdline.includes('nats-server') || !cmdline.includes(configPath(workDir))) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && commandLine(pid) !== ''; i++) await sleep(20);
}

/** A process's command line; '' once it is gone or a zombie (whose port is free again). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), StopGraceMs);
  await exited;
  clearTimeout(killer);
}

function localHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function configPath(workDir: string): string {
  return join(workDir, 'nats-server.conf');
}

function pidPath(workDir: string): string {
  return join(workDir, 'nats-server.pid');
}
