/**
 * `bacalhau devstack`: a cluster of nodes in one process for development and tests (Bacalhau's
 * `pkg/devstack`). Every node is a full `serve` node meeting the others through NATS, exactly as nodes
 * on separate hosts do: orchestrators first (each running its nats-server), then compute nodes that
 * join every orchestrator started before them. Node `i` is `node-<i>` with its data under
 * `<stack repo>/node-<i>` and labels `id`, `name`, `env=devstack`.
 *
 * Ports: standard ones (`API.Port + i`, `Orchestrator.Port + i`), or with `randomPorts` any free ones.
 * Local publishers always take any free port.
 */
import { join } from 'node:path';
import type { BacalhauConfig } from '../config/index.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import type { Logger } from '../orchestrator/planner/index.js';
import { ServeNode } from './serve.js';

export interface DevStackOptions {
  /** The loaded config every node starts from (`-c`, config file, env). */
  config: BacalhauConfig;
  orchestrators: number;
  computes: number;
  hybrids: number;
  /** How many of the compute nodes fail every execution. */
  badComputes: number;
  /** The stack repo: one data dir per node under it. */
  basePath: string;
  randomPorts: boolean;
  logger?: Logger;
  onError?: (error: unknown, component: string) => void;
}

interface NodeRole {
  orchestrator: boolean;
  compute: boolean;
  badActor: boolean;
}

export const DevStackComponent = 'Devstack';

export class DevStack {
  readonly nodes: readonly ServeNode[];
  #stopped: Promise<void> | undefined;

  private constructor(nodes: ServeNode[]) {
    this.nodes = nodes;
  }

  /**
   * Starts every node, or none: a node that fails to start stops those before it.
   * @throws BacalhauError: BadRequest for impossible counts; whatever a node's start throws
   */
  static async start(options: DevStackOptions): Promise<DevStack> {
    const roles = stackRoles(options);
    const nodes: ServeNode[] = [];
    const orchestratorURLs: string[] = [];
    try {
      for (const [index, role] of roles.entries()) {
        const name = `node-${index}`;
        const node = await ServeNode.start({
          config: nodeConfig(options, { index, name, role, orchestratorURLs }),
          name,
          network: 'nats',
          badActor: role.badActor,
          ...(options.logger === undefined ? {} : { logger: options.logger }),
          ...(options.onError === undefined ? {} : { onError: options.onError }),
        });
        nodes.push(node);
        if (node.network.orchestratorURL !== undefined) orchestratorURLs.push(node.network.orchestratorURL);
      }
    } catch (err) {
      for (const node of nodes.reverse()) await node.stop();
      throw err;
    }
    return new DevStack(nodes);
  }

  /**
   * Bacalhau's summary: node counts and the exports that point a client at the first node, which also
   * switch the client to TLS and trust a self-signed certificate when that node serves one (Bacalhau
   * prints host and port only).
   */
  info(): string {
    const count = (predicate: (node: ServeNode) => boolean): number => this.nodes.filter(predicate).length;
    return [
      '',
      'Devstack is ready!',
      `No. of requester only nodes: ${count((n) => n.orchestrator !== undefined && n.compute === undefined)}`,
      `No. of compute only nodes: ${count((n) => n.orchestrator === undefined && n.compute !== undefined)}`,
      `No. of hybrid nodes: ${count((n) => n.orchestrator !== undefined && n.compute !== undefined)}`,
      'To use the devstack, run the following commands in your shell:',
      '',
      this.nodes[0]?.clientExports ?? '',
      '',
    ].join('\n');
  }

  /** Stops compute nodes first (their executions end and are reported), then orchestrators. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      for (const node of [...this.nodes].reverse()) await node.stop();
    })();
    return this.#stopped;
  }
}

/**
 * Which node is what, in Bacalhau's order: orchestrator-only nodes, then hybrids, then compute-only
 * nodes; the last `badComputes` compute nodes are bad actors.
 */
function stackRoles(options: DevStackOptions): NodeRole[] {
  const { orchestrators, computes, hybrids, badComputes } = options;
  for (const [flag, value] of Object.entries({
    orchestrators,
    computes,
    hybrids,
    'bad-computes': badComputes,
  })) {
    if (!Number.isInteger(value) || value < 0) throw badCount(`--${flag} must be a whole number, 0 or more`);
  }
  if (orchestrators + hybrids + computes === 0)
    throw badCount('you cannot create a devstack with zero nodes');
  if (orchestrators + hybrids === 0) {
    throw badCount('cannot add compute node: no orchestrators found in the existing devstack');
  }
  if (badComputes > computes + hybrids) {
    throw badCount(
      `you cannot have more bad compute actors (${badComputes}) than there are nodes (${computes + hybrids})`,
    );
  }
  const roles: NodeRole[] = [
    ...Array.from({ length: orchestrators }, () => ({ orchestrator: true, compute: false, badActor: false })),
    ...Array.from({ length: hybrids }, () => ({ orchestrator: true, compute: true, badActor: false })),
    ...Array.from({ length: computes }, () => ({ orchestrator: false, compute: true, badActor: false })),
  ];
  for (let i = roles.length - 1, left = badComputes; i >= 0 && left > 0; i--) {
    const role = roles[i];
    if (role?.compute === true) {
      role.badActor = true;
      left--;
    }
  }
  return roles;
}

function nodeConfig(
  options: DevStackOptions,
  node: { index: number; name: string; role: NodeRole; orchestratorURLs: readonly string[] },
): BacalhauConfig {
  const base = options.config;
  const port = (standard: number): number => (options.randomPorts ? 0 : standard + node.index);
  return {
    ...base,
    DataDir: join(options.basePath, node.name),
    Labels: { ...base.Labels, id: node.name, name: node.name, env: 'devstack' },
    API: { ...base.API, Port: port(base.API.Port) },
    Orchestrator: {
      ...base.Orchestrator,
      Enabled: node.role.orchestrator,
      Port: port(base.Orchestrator.Port),
    },
    Compute: {
      ...base.Compute,
      Enabled: node.role.compute,
      Orchestrators: node.role.orchestrator ? base.Compute.Orchestrators : [...node.orchestratorURLs],
      // One stack, one secret: compute nodes present the orchestrators' token unless told otherwise.
      Auth: { ...base.Compute.Auth, Token: base.Compute.Auth.Token || base.Orchestrator.Auth.Token },
    },
    Publishers: {
      ...base.Publishers,
      Types: { ...base.Publishers.Types, Local: { ...base.Publishers.Types.Local, Port: 0 } },
    },
  };
}

function badCount(message: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.BadRequest,
    component: DevStackComponent,
    hint: 'see bacalhau devstack --help',
  });
}
