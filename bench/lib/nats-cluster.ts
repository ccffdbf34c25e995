/**
 * The benchmarks' orchestrator over NATS: the orchestrator of cluster.ts (SQLite file store, wall
 * clock, the test cluster's config and logger) on NatsOrchestratorTransport with a connection of its
 * own, a real nats-server on a free loopback port started by the benchmark, and fake compute nodes on
 * NatsComputeTransport. The nodes share a few NATS connections (each node is two subscriptions on one,
 * not a socket of its own): a thousand sockets would measure the kernel and the server's per-client
 * work more than the transport.
 */
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { load } from '../../src/config/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { Orchestrator } from '../../src/node/orchestrator.js';
import { TestOrchestratorID, type ComponentError, type TestNodeOptions } from '../../src/node/testing.js';
import { RecordingLogger } from '../../src/orchestrator/planner/testing.js';
import { dialNats } from '../../src/transport/nats/connection.js';
import { NatsComputeTransport, NatsOrchestratorTransport } from '../../src/transport/nats/index.js';
import { NatsServerProcess } from '../../src/transport/nats/server-process.js';
import { FakeComputeNode } from '../../src/transport/testing/index.js';
import type { OrchestratorTransport } from '../../src/transport/types.js';
import type { Cleanup } from './cleanup.js';
import { intercept } from '../../src/lib/intercept.js';
import { forEachConcurrently } from './throughput.js';

/** Handshakes in flight while nodes connect: the orchestrator writes each in a transaction of its own. */
const HandshakeConcurrency = 64;

/** A nats-server on a free loopback port, its files under `dir`; stopped by `cleanup`. */
export async function startNatsServer(cleanup: Cleanup, dir: string): Promise<NatsServerProcess> {
  const server = await NatsServerProcess.start({
    workDir: join(dir, 'nats-server'),
    settings: { serverName: 'bacalhau-ts-bench', host: '127.0.0.1', port: 0 },
    onProblem: (message) => console.error(`nats-server: ${message}`),
  });
  cleanup.add(() => server.stop());
  return server;
}

/** `count` connections to `url` for simulated nodes to share; the caller closes them. */
export async function dialShared(url: string, count: number, name: string): Promise<NatsConnection[]> {
  const dialled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      dialNats({ servers: url, name: `${name}-${i + 1}` }, 'Compute.Auth.Token'),
    ),
  );
  const connections = dialled.flatMap((d) => (d.status === 'fulfilled' ? [d.value] : []));
  const failed = dialled.find((d) => d.status === 'rejected');
  if (failed !== undefined) {
    await closeAll(connections);
    throw failed.reason;
  }
  return connections;
}

export async function closeAll(connections: readonly NatsConnection[]): Promise<void> {
  await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
}

export interface FakeNodesOptions {
  /** Node `n-<i + 1>` talks over connection `i mod connections.length`. */
  connections: readonly NatsConnection[];
  count: number;
  nodeOptions?: TestNodeOptions;
  /** Called as each node's handshake is accepted. */
  onConnected?: (node: FakeComputeNode, index: number) => void;
  /** Failures of a node's transport handlers. */
  onError: (error: unknown) => void;
}

/**
 * Creates the fake nodes `n-1` … `n-<count>` and handshakes each with the orchestrator, a few at a time.
 * If one fails, those created are stopped again.
 */
export async function connectFakeNodes(options: FakeNodesOptions): Promise<FakeComputeNode[]> {
  const { connections, onError } = options;
  const nodes: FakeComputeNode[] = [];
  try {
    await forEachConcurrently(options.count, HandshakeConcurrency, async (i) => {
      const transport = await NatsComputeTransport.create({
        connection: connections[i % connections.length],
        nodeId: `n-${i + 1}`,
        onHandlerError: onError,
        onProtocolError: onError,
      });
      const node = await FakeComputeNode.create({ ...options.nodeOptions, transport });
      nodes.push(node);
      options.onConnected?.(node, i);
    });
    return nodes;
  } catch (err) {
    await Promise.all(nodes.map((node) => node.stop().catch(() => undefined)));
    throw err;
  }
}

export interface NatsBenchClusterOptions {
  /** Holds the store file. */
  dir: string;
  /** The nats-server's client URL. */
  url: string;
  /** Fake nodes in this process; default none. */
  nodes?: number;
  /** NATS connections the nodes share. */
  connections?: number;
  nodeOptions?: TestNodeOptions;
}

export class NatsBenchCluster {
  readonly orchestrator: Orchestrator;
  readonly nodes: readonly FakeComputeNode[];
  /** Failures of the orchestrator's components, of either transport end's handlers, of the nodes. */
  readonly errors: ComponentError[];
  readonly #transport: NatsOrchestratorTransport;
  readonly #connections: readonly NatsConnection[];
  readonly #heartbeats: { count: number };
  #stopped: Promise<void> | undefined;

  private constructor(parts: {
    orchestrator: Orchestrator;
    nodes: FakeComputeNode[];
    errors: ComponentError[];
    transport: NatsOrchestratorTransport;
    connections: NatsConnection[];
    heartbeats: { count: number };
  }) {
    this.orchestrator = parts.orchestrator;
    this.nodes = parts.nodes;
    this.errors = parts.errors;
    this.#transport = parts.transport;
    this.#connections = parts.connections;
    this.#heartbeats = parts.heartbeats;
  }

  /** Starts the orchestrator and connects the nodes. Stops what started if a step fails. */
  static async create(options: NatsBenchClusterOptions): Promise<NatsBenchCluster> {
    const errors: ComponentError[] = [];
    const failed = (component: string) => (error: unknown) => errors.push({ component, error });
    const heartbeats = { count: 0 };
    const transport = await NatsOrchestratorTransport.create({
      servers: options.url,
      name: 'bench-orchestrator',
      onHandlerError: failed('transport:orchestrator'),
      onProtocolError: failed('transport:orchestrator'),
    });
    let orchestrator: Orchestrator | undefined;
    let connections: NatsConnection[] = [];
    try {
      orchestrator = await Orchestrator.create({
        // as TestCluster's, so that both transports run the same orchestrator
        config: load({ env: {}, home: options.dir, numCpu: 2, dataDir: options.dir }),
        transport: countingHeartbeats(transport, () => heartbeats.count++),
        nodeID: TestOrchestratorID,
        clock: systemClock,
        storePath: join(options.dir, 'orchestrator.db'),
        logger: new RecordingLogger((level) => level !== 'trace' && level !== 'debug'),
        onError: (error, component) => errors.push({ component, error }),
      });
      const count = options.nodes ?? 0;
      connections = count === 0 ? [] : await dialShared(options.url, options.connections ?? 1, 'bench-nodes');
      const nodes = await connectFakeNodes({
        connections,
        count,
        ...(options.nodeOptions === undefined ? {} : { nodeOptions: options.nodeOptions }),
        onError: failed('transport:compute'),
      });
      return new NatsBenchCluster({ orchestrator, nodes, errors, transport, connections, heartbeats });
    } catch (err) {
      await orchestrator?.stop();
      await transport.stop();
      await closeAll(connections);
      throw err;
    }
  }

  /** Heartbeats the orchestrator's control plane has handled so far. */
  get heartbeats(): number {
    return this.#heartbeats.count;
  }

  /** Background failures of the nodes (heartbeats, sends) and of everything else, counted. */
  errorCount(): number {
    return this.errors.length + this.nodes.reduce((sum, node) => sum + node.errors.length, 0);
  }

  /** Stops the nodes, the orchestrator, its transport and the shared connections. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await Promise.all(this.nodes.map((node) => node.stop().catch(() => undefined)));
      await this.orchestrator.stop();
      await this.#transport.stop();
      await closeAll(this.#connections);
    })();
    return this.#stopped;
  }
}

/** `transport`, counting the heartbeats its control plane hands to the orchestrator. */
function countingHeartbeats(transport: OrchestratorTransport, count: () => void): OrchestratorTransport {
  return intercept(transport, {
    serveControlPlane: (handler) =>
      transport.serveControlPlane({
        handshake: (request, context) => handler.handshake(request, context),
        heartbeat: (request, context) => {
          count();
          return handler.heartbeat(request, context);
        },
        updateNodeInfo: (request, context) => handler.updateNodeInfo(request, context),
        shutdownNotice: (request, context) => handler.shutdownNotice(request, context),
      }),
  });
}
