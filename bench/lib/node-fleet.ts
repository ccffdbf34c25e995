/**
 * Many simulated compute nodes in a child process (node-fleet-child.ts), so that the CPU time they take
 * is not counted in this process's `process.cpuUsage()`, which covers every thread of a process but no
 * child. The fleet connects its nodes to the orchestrator over NATS (a few shared connections), then
 * heartbeats each one every interval, the beats spread evenly over the interval (heartbeat-phase.ts).
 * It exits when told to stop, when its parent goes away, or on Ctrl+C (the terminal signals it too).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.js';

export interface FleetSpec {
  /** The nats-server's client URL. */
  url: string;
  nodes: number;
  /** NATS connections the nodes share. */
  connections: number;
  heartbeatIntervalMs: number;
}

export interface FleetReport {
  /** Heartbeats answered by the orchestrator. */
  heartbeats: number;
  /** Heartbeats that failed (timeouts, HandshakeRequired, …). */
  failedHeartbeats: number;
  /** Handshakes again after the node found itself disconnected. */
  reconnects: number;
  /** The first few failures' messages. */
  errors: string[];
}

/** Parent → child. */
export type FleetCommand = { type: 'stop' };

/** Child → parent. */
export type FleetEvent =
  | { type: 'connected'; connectMs: number }
  | { type: 'stopped'; report: FleetReport }
  | { type: 'failed'; message: string };

const childPath = fileURLToPath(new URL('./node-fleet-child.ts', import.meta.url));

export class NodeFleet {
  /** How long the handshakes of all nodes took. */
  readonly connectMs: number;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, connectMs: number) {
    this.#child = child;
    this.connectMs = connectMs;
  }

  /** Forks the fleet and resolves once every node has handshaken. Killed by `cleanup` in any case. */
  static async start(cleanup: Cleanup, spec: FleetSpec): Promise<NodeFleet> {
    // execArgv: the same loader (tsx) as this process, so the child runs TypeScript too
    const child = fork(childPath, [JSON.stringify(spec)], { execArgv: process.execArgv, stdio: 'inherit' });
    cleanup.add(() => kill(child));
    const event = await nextEvent(child);
    if (event.type !== 'connected') throw new Error(`node fleet: unexpected ${event.type}`);
    return new NodeFleet(child, event.connectMs);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Stops the heartbeats and the fleet; resolves with what it counted. */
  async stop(): Promise<FleetReport> {
    const stopped = nextEvent(this.#child);
    this.#child.send({ type: 'stop' } satisfies FleetCommand);
    const event = await stopped;
    if (event.type !== 'stopped') throw new Error(`node fleet: unexpected ${event.type}`);
    return event.report;
  }
}

/** The child's next message; rejects when it reports a failure or exits first. */
function nextEvent(child: ChildProcess): Promise<FleetEvent> {
  return new Promise((resolve, reject) => {
    const onMessage = (event: FleetEvent): void => {
      child.off('exit', onExit);
      if (event.type === 'failed') reject(new Error(`node fleet: ${event.message}`));
      else resolve(event);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      child.off('message', onMessage);
      reject(new Error(`node fleet exited (${signal ?? `exit code ${code}`})`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
