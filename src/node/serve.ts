/**
 * `bacalhau serve`, assembled (Bacalhau's `node.NewNode` + the serve command's run-info file): the
 * orchestrator on the in-memory transport, the HTTP API in front of it, SQLite under the data dir.
 * The in-memory hub is where the embedded compute node will attach; until it exists, `compute` alone
 * is refused and a hybrid node serves its orchestrator half.
 *
 * Start: identity (system_metadata.yaml) → hub → orchestrator → API (listen) → `bacalhau.run`. A failing
 * step stops what started. Stop (idempotent): `bacalhau.run` removed → API closed (no new requests,
 * open streams ended) → orchestrator → hub.
 */
import type { BacalhauConfig } from '../config/index.js';
import { createApiServer, type ApiServer } from '../api/server/index.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import type { Logger } from '../orchestrator/planner/index.js';
import { InMemoryTransportHub } from '../transport/in-memory/index.js';
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
  /** Background failures of any component. Default: the logger. */
  onError?: (error: unknown, component: string) => void;
}

export type ServeState = 'running' | 'stopping' | 'stopped';

export class ServeNode {
  readonly nodeID: string;
  readonly orchestrator: Orchestrator;
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
    hub: InMemoryTransportHub;
    api: ApiServer;
    apiHost: string;
    apiPort: number;
    runInfoPath: string;
    warnings: string[];
  }) {
    this.nodeID = parts.nodeID;
    this.orchestrator = parts.orchestrator;
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
        'compute nodes are not available yet: this build can only run an orchestrator',
        {
          code: ErrorCode.NotImplemented,
          component: ServeComponent,
          hint: 'run `serve --orchestrator` (the default) and submit jobs to it',
        },
      );
    }
    if (config.Compute.Enabled) {
      warnings.push('compute nodes are not available yet: this node runs only its orchestrator half');
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
      const o = orchestrator;
      api = await createApiServer(
        {
          agent: { nodeInfo: () => o.info, config, debugInfoProviders: o.debugInfoProviders },
          orchestrator: { jobs: o.jobs, endpoint: o.endpoint, nodes: o.nodes },
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
        hub,
        api,
        apiHost: config.API.Host,
        apiPort: port,
        runInfoPath,
        warnings,
      });
    } catch (err) {
      await api?.close();
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
