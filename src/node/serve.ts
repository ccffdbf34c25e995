/**
 * `bacalhau serve`, assembled (Bacalhau's `node.NewNode` + the serve command's run-info file): the
 * orchestrator and (by default) a compute node in one process over the in-memory transport, the HTTP
 * API in front, SQLite under the data dir. A compute-only node needs NATS and is refused for now.
 *
 * Start: identity (system_metadata.yaml) → hub → orchestrator → compute → API (listen) → `bacalhau.run`.
 * A failing step stops what started. Stop (idempotent): `bacalhau.run` removed → API closed (no new
 * requests, open streams ended) → compute (running executions stop) → orchestrator → hub.
 */
import type { BacalhauConfig } from '../config/index.js';
import { createApiServer, type ApiServer } from '../api/server/index.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import type { Logger } from '../orchestrator/planner/index.js';
import { InMemoryTransportHub } from '../transport/in-memory/index.js';
import type { Executor } from '../executor/types.js';
import { Compute } from './compute.js';
import { localLogSource } from './log-source.js';
import { Orchestrator } from './orchestrator.js';
import { loadNodeIdentity } from './serve-metadata.js';
import { clientHost, removeRunInfo, writeRunInfo } from './serve-run-info.js';

export { parseLogLevel, textLogger } from './serve-logger.js';

export const ServeComponent = 'Serve';

export interface ServeOptions {
  /** The loaded config: `API.Host`/`API.Port` (0 = any free port), `DataDir`, `Orchestrator.*`, … */
  config: BacalhauConfig;
  /** `--name`: the node name on first start (later ones keep the stored name). */
  name?: string;
  logger?: Logger;
  /** Engines besides WASM for the embedded compute node (`docker` when its daemon answers). */
  engines?: Readonly<Record<string, Executor>>;
  /** Background failures of any component. Default: the logger. */
  onError?: (error: unknown, component: string) => void;
}

export type ServeState = 'running' | 'stopping' | 'stopped';

export class ServeNode {
  readonly nodeID: string;
  readonly orchestrator: Orchestrator;
  /** The embedded compute node (the default), absent for `serve --orchestrator`. */
  readonly compute: Compute | undefined;
  /** Where compute nodes in this process connect (the embedded compute node; fake nodes in tests). */
  readonly hub: InMemoryTransportHub;
  /** The address clients on this machine use, e.g. `http://127.0.0.1:1234`. */
  readonly address: string;
  readonly apiHost: string;
  readonly apiPort: number;
  /** `<DataDir>/bacalhau.run`. */
  readonly runInfoPath: string;
  /** Warnings for the operator (an ignored `--name`, a compute half not available yet). */
  readonly warnings: readonly string[];
  readonly #api: ApiServer;
  #state: ServeState = 'running';
  #stopped: Promise<void> | undefined;

  private constructor(parts: {
    nodeID: string;
    orchestrator: Orchestrator;
    compute: Compute | undefined;
    hub: InMemoryTransportHub;
    api: ApiServer;
    apiHost: string;
    apiPort: number;
    runInfoPath: string;
    warnings: string[];
  }) {
    this.nodeID = parts.nodeID;
    this.orchestrator = parts.orchestrator;
    this.compute = parts.compute;
    this.hub = parts.hub;
    this.#api = parts.api;
    this.apiHost = parts.apiHost;
    this.apiPort = parts.apiPort;
    const host = clientHost(parts.apiHost);
    this.address = `http://${host.includes(':') ? `[${host}]` : host}:${parts.apiPort}`;
    this.runInfoPath = parts.runInfoPath;
    this.warnings = Object.freeze(parts.warnings);
  }

  /**
   * Starts the node and returns once the API answers.
   * @throws BacalhauError: NotImplemented for a compute-only node; ResourceInUse when the API port is
   *   taken; ConfigurationError for bad config values or an unusable data dir
   */
  static async start(options: ServeOptions): Promise<ServeNode> {
    const { config } = options;
    const warnings: string[] = [];
    if (config.Compute.Enabled && !config.Orchestrator.Enabled) {
      throw new BacalhauError(
        'a compute-only node needs an orchestrator to connect to over NATS, which this build cannot do yet',
        {
          code: ErrorCode.NotImplemented,
          component: ServeComponent,
          hint: 'run `serve` (orchestrator and compute in one process) and submit jobs to it',
        },
      );
    }
    const identity = loadNodeIdentity(config, options.name);
    if (identity.ignoredName !== undefined) {
      warnings.push(
        `--name flag with value ${identity.ignoredName} ignored. Name ${identity.nodeName} already exists`,
      );
    }
    const onError = options.onError;
    const hub = await InMemoryTransportHub.create(
      onError === undefined ? {} : { onHandlerError: (error) => onError(error, 'Transport') },
    );
    let orchestrator: Orchestrator | undefined;
    let compute: Compute | undefined;
    let api: ApiServer | undefined;
    try {
      orchestrator = await Orchestrator.create({
        config,
        transport: hub.orchestrator,
        nodeID: identity.nodeName,
        instanceID: identity.instanceID,
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        ...(onError === undefined ? {} : { onError }),
      });
      if (config.Compute.Enabled) {
        compute = await Compute.create({
          config,
          nodeID: identity.nodeName,
          transport: await hub.createComputeTransport({ nodeId: identity.nodeName, startTime: new Date() }),
          engines: options.engines ?? {},
          ...(onError === undefined ? {} : { onError }),
          ...(options.logger === undefined ? {} : { onWarning: (m: string) => options.logger?.warn(m) }),
        });
      }
      const o = orchestrator;
      const local = compute;
      api = await createApiServer(
        {
          agent: { nodeInfo: () => o.info, config, debugInfoProviders: o.debugInfoProviders },
          orchestrator: {
            jobs: o.jobs,
            endpoint: o.endpoint,
            nodes: o.nodes,
            ...(local === undefined ? {} : { logs: localLogSource(local.node) }),
          },
        },
        {
          host: config.API.Host,
          port: config.API.Port,
          ...(onError === undefined ? {} : { onUnexpectedError: (error) => onError(error, 'APIServer') }),
        },
      );
      const port = await listen(api, config.API.Host, config.API.Port);
      const runInfoPath = writeRunInfo(config.DataDir, config.API.Host, port);
      return new ServeNode({
        nodeID: identity.nodeName,
        orchestrator,
        compute,
        hub,
        api,
        apiHost: config.API.Host,
        apiPort: port,
        runInfoPath,
        warnings,
      });
    } catch (err) {
      await api?.close();
      await compute?.stop();
      await orchestrator?.stop();
      await hub.stop();
      throw err;
    }
  }

  get state(): ServeState {
    return this.#state;
  }

  /** Stops everything in reverse start order. Idempotent; never rejects. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#state = 'stopping';
      removeRunInfo(this.runInfoPath);
      await this.#api.close().catch(() => undefined);
      await this.compute?.stop();
      await this.orchestrator.stop();
      await this.hub.stop().catch(() => undefined);
      this.#state = 'stopped';
    })();
    return this.#stopped;
  }
}

/** Binds the API and returns the port; a taken port is one clear error, not a stack. */
async function listen(api: ApiServer, host: string, port: number): Promise<number> {
  let bound: string;
  try {
    bound = await api.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new BacalhauError(`cannot listen on ${host}:${port}: the port is already in use`, {
        code: ErrorCode.ResourceInUse,
        component: ServeComponent,
        hint: 'stop the process using it, or choose another port with --api-port (or -c API.Port=<port>)',
        cause: err,
      });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new BacalhauError(`cannot listen on ${host}:${port}: ${(err as Error).message}`, {
        code: ErrorCode.ConfigurationError,
        component: ServeComponent,
        hint: 'check API.Host and API.Port (--api-host, --api-port)',
        cause: err,
      });
    }
    throw err;
  }
  return Number(new URL(bound).port);
}
