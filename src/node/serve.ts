/**
 * `bacalhau serve`, assembled (Bacalhau's `node.NewNode` + the serve command's run-info file): an
 * orchestrator, a compute node, or both, with the HTTP API in front and SQLite under the data dir. The
 * parts meet in one process over the in-memory hub (the embedded default) or through NATS, where other
 * processes and hosts join (see serve-network.ts).
 *
 * Start: data dir lock (data-dir-lock.ts) → identity (system_metadata.yaml) → network (NATS: the
 * server) → orchestrator → compute → API (listen) → `bacalhau.run`. A failing step stops what started.
 * Stop (idempotent): `bacalhau.run` removed → API closed (no new requests, open streams ended) →
 * compute (running executions stop) → orchestrator → network → lock released.
 */
import { readInstallationID, type BacalhauConfig } from '../config/index.js';
import { createApiServer, type ApiServer } from '../api/server/index.js';
import { abbreviate } from '../lib/abbreviate.js';
import { isBlockedPort } from '../lib/blocked-ports.js';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';
import { isOutOfFileDescriptors, RaiseOpenFilesLimit } from '../lib/error-chain.js';
import { durationToMs } from '../models/duration.js';
import type { Logger } from '../orchestrator/planner/index.js';
import { HeartbeatsTolerated as NodeHeartbeatsTolerated } from '../orchestrator/nodes/index.js';
import type { InMemoryTransportHub } from '../transport/in-memory/index.js';
import type { Executor } from '../executor/types.js';
import { advertisedHost, listenHost } from '../publisher/index.js';
import { Compute, isDisabled } from './compute.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { localLogSource } from './log-source.js';
import type { ApiLogSource } from '../api/server/types.js';
import { Orchestrator } from './orchestrator.js';
import {
  checkApiPortFree,
  resolveApiHost,
  checkOwnPortsDistinct,
  listenError,
  ServeComponent,
  type OwnListener,
} from './serve-listen.js';
import { goDataDirWarnings } from './go-data-dir.js';
import { loadNodeIdentity } from './serve-metadata.js';
import { clientHost, removeRunInfo, runInfoText, writeRunInfo } from './serve-run-info.js';
import { apiTls } from './serve-tls.js';
import { unservedSettings } from './serve-unserved.js';
import {
  createInProcessNetwork,
  startNatsNetwork,
  type ServeNetwork,
  type ServeNetworkKind,
} from './serve-network.js';

export { configuredLogger } from './serve-logger.js';

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
  /**
   * How the parts meet: `in-process` (default; needs the orchestrator role) or `nats` (Bacalhau's
   * `--orchestrator` / `--compute` nodes, which other processes and hosts join).
   */
  network?: ServeNetworkKind;
  /** The compute half fails every execution (`devstack --bad-computes`). */
  badActor?: boolean;
}

export type ServeState = 'running' | 'stopping' | 'stopped';

export class ServeNode {
  readonly nodeID: string;
  /** Absent for a compute-only node. */
  readonly orchestrator: Orchestrator | undefined;
  /** The compute node, absent for `serve --orchestrator`. */
  readonly compute: Compute | undefined;
  /** How the parts meet. */
  readonly network: ServeNetwork;
  /** The address clients on this machine use, e.g. `http://127.0.0.1:1234`. */
  readonly address: string;
  readonly apiHost: string;
  readonly apiPort: number;
  /** `<DataDir>/bacalhau.run`. */
  readonly runInfoPath: string;
  /** What `bacalhau.run` says: the shell exports that point a client on this machine at the API. */
  readonly clientExports: string;
  /** Warnings for the operator (an ignored `--name`, a compute half not available yet). */
  readonly warnings: readonly string[];
  readonly #api: ApiServer;
  readonly #lock: DataDirLock;
  readonly #onError: (error: unknown, component: string) => void;
  #state: ServeState = 'running';
  #stopped: Promise<void> | undefined;

  private constructor(parts: {
    nodeID: string;
    orchestrator: Orchestrator | undefined;
    compute: Compute | undefined;
    network: ServeNetwork;
    api: ApiServer;
    apiHost: string;
    apiPort: number;
    apiTls: boolean;
    runInfoPath: string;
    clientExports: string;
    warnings: string[];
    lock: DataDirLock;
    onError: (error: unknown, component: string) => void;
  }) {
    this.nodeID = parts.nodeID;
    this.orchestrator = parts.orchestrator;
    this.compute = parts.compute;
    this.network = parts.network;
    this.#api = parts.api;
    this.apiHost = parts.apiHost;
    this.apiPort = parts.apiPort;
    const host = clientHost(parts.apiHost);
    const scheme = parts.apiTls ? 'https' : 'http';
    this.address = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${parts.apiPort}`;
    this.runInfoPath = parts.runInfoPath;
    this.clientExports = parts.clientExports;
    this.warnings = Object.freeze(parts.warnings);
    this.#lock = parts.lock;
    this.#onError = parts.onError;
  }

  /**
   * Starts the node and returns once the API answers.
   * @throws BacalhauError: ConfigurationError for bad config values, an unusable data dir or a missing
   *   nats-server (or a compute-only node without NATS); ResourceInUse when the data dir is another
   *   node's or the API or orchestrator port is taken; Unauthorized when the orchestrator refuses a
   *   compute node's token
   */
  static async start(options: ServeOptions): Promise<ServeNode> {
    // resolved once, as Go's serve does, so the listen, bacalhau.run and /agent/config agree
    const config = {
      ...options.config,
      API: { ...options.config.API, Host: resolveApiHost(options.config.API.Host) },
    };
    const kind = options.network ?? 'in-process';
    if (!config.Orchestrator.Enabled && (kind === 'in-process' || !config.Compute.Enabled)) {
      throw new BacalhauError(
        config.Compute.Enabled
          ? 'a compute-only node needs an orchestrator to connect to over NATS'
          : 'a node needs the orchestrator role, the compute role, or both',
        {
          code: ErrorCode.ConfigurationError,
          component: ServeComponent,
          hint: 'run `serve` (both in one process), `serve --orchestrator`, or `serve --compute -c Compute.Orchestrators=nats://<host>:4222`',
        },
      );
    }
    const lock = lockDataDir(config.DataDir, ServeComponent);
    try {
      return await ServeNode.#start({ ...options, config }, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** The steps after the lock (see the file comment); the lock passes to the node. */
  static async #start(options: ServeOptions, lock: DataDirLock): Promise<ServeNode> {
    const { config } = options;
    const kind = options.network ?? 'in-process';
    const warnings: string[] = [];
    const identity = loadNodeIdentity(config, options.name);
    if (identity.ignoredName !== undefined) {
      warnings.push(
        `--name flag with value ${identity.ignoredName} ignored. Name ${identity.nodeName} already exists`,
      );
    }
    const { onError, logger } = options;
    const networkOptions = {
      config,
      nodeID: identity.nodeName,
      onError,
      onWarning: (message: string) => (logger === undefined ? warnings.push(message) : logger.warn(message)),
    };
    warnings.push(
      ...unreachablePorts(config),
      ...unservedSettings(config),
      ...movingPublisherPort(config),
      ...slowerNodeLoss(config),
      ...goDataDirWarnings(config),
    );
    const tls = await apiTls(config);
    if (tls?.selfSignedFile !== undefined) {
      warnings.push(
        `API.TLS.SelfSigned: serving a self-signed certificate, written to ${tls.selfSignedFile}; ` +
          `clients trust it with -c API.TLS.CAFile=${tls.selfSignedFile}`,
      );
    }
    checkOwnPortsDistinct(ownListeners(config, kind));
    await checkApiPortFree(config.API.Host, config.API.Port);
    const network =
      kind === 'nats' ? await startNatsNetwork(networkOptions) : await createInProcessNetwork(networkOptions);
    let orchestrator: Orchestrator | undefined;
    let compute: Compute | undefined;
    let api: ApiServer | undefined;
    try {
      if (config.Orchestrator.Enabled) {
        orchestrator = await Orchestrator.create({
          config,
          transport: await network.orchestratorTransport(),
          nodeID: identity.nodeName,
          instanceID: identity.instanceID,
          installationID: readInstallationID(process.env),
          ...(logger === undefined ? {} : { logger }),
          ...(onError === undefined ? {} : { onError }),
        });
      }
      if (config.Compute.Enabled) {
        compute = await Compute.create({
          config,
          nodeID: identity.nodeName,
          instanceID: identity.instanceID,
          transport: await network.computeTransport(identity.nodeName, {
            instanceID: identity.instanceID,
            heartbeatIntervalMs: durationToMs(config.Compute.Heartbeat.Interval),
          }),
          engines: options.engines ?? {},
          badActor: options.badActor === true,
          ...(onError === undefined ? {} : { onError }),
          ...(logger === undefined
            ? {}
            : { onWarning: (m: string) => logger.warn(m), onInfo: (m: string) => logger.info(m) }),
        });
      }
      if (compute !== undefined) {
        const node = compute.node;
        void node
          .whenAccepted()
          .then(() => network.serveLogs(node.nodeID, (request, o) => node.streamLogs(request, o)));
      }
      const remoteLogs = orchestrator === undefined ? undefined : await network.logSource();
      const logs = remoteLogs ?? (compute === undefined ? undefined : localLogSource(compute.node));
      api = await createApiServer(apiDeps(config, orchestrator, compute, logs), {
        host: config.API.Host,
        port: config.API.Port,
        ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
        // the request the failure answered, so that its log line says which (a URL may be long)
        ...(onError === undefined
          ? {}
          : {
              onUnexpectedError: (error, { method, url, requestId }) => {
                onError(error, `APIServer (${method} ${abbreviate(url)}, request ${requestId})`);
              },
            }),
        onAcceptError: (error) =>
          logger?.warn(
            `The API could not accept a connection: ${errorMessage(error)}. ` +
              `${isOutOfFileDescriptors(error) ? 'To end it' : 'If the node has no file descriptor left'}, ` +
              RaiseOpenFilesLimit,
          ),
      });
      const port = await listen(api, config.API.Host, config.API.Port);
      const clientExports = runInfoText(config.API.Host, port, tls);
      const runInfoPath = writeRunInfo(config.DataDir, clientExports);
      return new ServeNode({
        nodeID: identity.nodeName,
        orchestrator,
        compute,
        network,
        api,
        apiHost: config.API.Host,
        apiPort: port,
        apiTls: tls !== undefined,
        runInfoPath,
        clientExports,
        warnings,
        lock,
        onError:
          onError ?? ((error, component) => logger?.error(`${component}: background failure`, { error })),
      });
    } catch (err) {
      await api?.close();
      await compute?.stop();
      await orchestrator?.stop();
      await network.stop();
      throw err;
    }
  }

  /** The in-memory hub of an in-process node, where fake compute nodes in tests join. */
  get hub(): InMemoryTransportHub {
    if (this.network.hub === undefined) throw new Error('this node meets its compute nodes through NATS');
    return this.network.hub;
  }

  get state(): ServeState {
    return this.#state;
  }

  /**
   * Stops everything in reverse start order, each part whatever happened to the one before: a part
   * that fails to stop (its store on a full disk) is reported to `onError`, and must not leave the
   * others running or the data dir locked. Idempotent; never rejects.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#state = 'stopping';
      removeRunInfo(this.runInfoPath);
      const parts: [string, () => Promise<void> | undefined][] = [
        ['API', () => this.#api.close()],
        ['Compute', () => this.compute?.stop()],
        ['Orchestrator', () => this.orchestrator?.stop()],
        ['Network', () => this.network.stop()],
      ];
      for (const [component, stop] of parts) {
        try {
          await stop();
        } catch (err) {
          this.#onError(err, component);
        }
      }
      this.#lock.release();
      this.#state = 'stopped';
    })();
    return this.#stopped;
  }
}

/** The API's parts: the agent's always, the orchestrator's when this node is one. */
function apiDeps(
  config: BacalhauConfig,
  orchestrator: Orchestrator | undefined,
  compute: Compute | undefined,
  logs: ApiLogSource | undefined,
): Parameters<typeof createApiServer>[0] {
  // Go's node gathers both roles' providers for GET /agent/debug
  const debugInfoProviders = [
    ...(orchestrator?.debugInfoProviders ?? []),
    ...(compute?.node.debugInfoProviders ?? []),
  ];
  if (orchestrator === undefined) {
    // start() refuses a node without either role, so a node without an orchestrator has a compute node.
    const node = (compute as Compute).node;
    return { agent: { nodeInfo: () => node.nodeInfo(), config, debugInfoProviders } };
  }
  const o = orchestrator;
  // With both roles, Go's compute half decorates the shared node info: the node says it is a Compute
  // node, with its engines and capacity.
  const node = compute?.node;
  const nodeInfo = node === undefined ? () => o.info : () => node.nodeInfo();
  return {
    agent: { nodeInfo, config, debugInfoProviders },
    orchestrator: {
      jobs: o.jobs,
      endpoint: o.endpoint,
      nodes: o.nodes,
      ...(logs === undefined ? {} : { logs }),
    },
  };
}

/** Binds the API and returns the port; a taken port is one clear error, not a stack. */
async function listen(api: ApiServer, host: string, port: number): Promise<number> {
  try {
    return Number(new URL(await api.listen()).port);
  } catch (err) {
    throw listenError(err, host, port);
  }
}

/** What this node will listen on: its API, its NATS server (an orchestrator's own), its local publisher. */
function ownListeners(config: BacalhauConfig, kind: ServeNetworkKind): OwnListener[] {
  const listeners: OwnListener[] = [{ setting: 'API.Port', host: config.API.Host, port: config.API.Port }];
  const orchestrator = config.Orchestrator;
  if (kind === 'nats' && orchestrator.Enabled && orchestrator.NATS.Servers.length === 0) {
    listeners.push({ setting: 'Orchestrator.Port', host: orchestrator.Host, port: orchestrator.Port });
    if (orchestrator.Cluster.Peers.length > 0) {
      const { Host: host, Port: port } = orchestrator.Cluster;
      listeners.push({ setting: 'Orchestrator.Cluster.Port', host, port });
    }
  }
  if (config.Compute.Enabled && !isDisabled('local', config.Publishers.Disabled)) {
    // Address is what download URLs name; the server listens on every address unless it is loopback
    const host = listenHost(advertisedHost(config.Publishers.Types.Local.Address)) ?? '';
    listeners.push({
      setting: 'Publishers.Types.Local.Port',
      host,
      port: config.Publishers.Types.Local.Port,
    });
  }
  return listeners;
}

/**
 * Warnings for the ports clients fetch from that the Fetch standard blocks (fetch in browsers and in
 * Node refuses them; curl, Go and this CLI's API requests do not), by who cannot reach them: the node
 * still starts.
 */
function unreachablePorts(config: BacalhauConfig): string[] {
  const ports: [string, number, string][] = [
    ['API.Port', config.API.Port, 'web browsers cannot reach it (a web UI included)'],
  ];
  if (config.Compute.Enabled) {
    const port = config.Publishers.Types.Local.Port;
    ports.push(['Publishers.Types.Local.Port', port, "'job get' cannot download results from it"]);
  }
  return ports
    .filter(([, port]) => isBlockedPort(port))
    .map(
      ([key, port, who]) =>
        `${key}: port ${port} is one fetch refuses to connect to (the Fetch standard blocks it), so ${who}; ` +
        `choose another port with -c ${key}=<port>`,
    );
}

/**
 * A DisconnectTimeout shorter than three heartbeat intervals does not apply as set: a node is declared
 * lost only after three of its intervals without a heartbeat (nodes/manager.ts), so that one late
 * heartbeat does not fail its work. Said at start, with the interval that would make it apply (this
 * node's own setting stands for its compute nodes').
 */
function slowerNodeLoss(config: BacalhauConfig): string[] {
  if (!config.Orchestrator.Enabled) return [];
  const timeout = config.Orchestrator.NodeManager.DisconnectTimeout;
  const interval = config.Compute.Heartbeat.Interval;
  if (durationToMs(timeout) >= NodeHeartbeatsTolerated * durationToMs(interval)) return [];
  return [
    `Orchestrator.NodeManager.DisconnectTimeout (${timeout}) is shorter than ${NodeHeartbeatsTolerated} ` +
      `heartbeat intervals of a compute node (Compute.Heartbeat.Interval, ${interval}): a node is declared ` +
      `lost after ${NodeHeartbeatsTolerated} of its intervals without a heartbeat at the soonest; lower the ` +
      "compute nodes' Compute.Heartbeat.Interval for the timeout to apply as set",
  ];
}

/**
 * A local publisher on port 0 listens on a port chosen at each start, and a result's URL names the
 * port it was published on: after a restart, `job get` cannot download what was published before.
 */
function movingPublisherPort(config: BacalhauConfig): string[] {
  const local = !isDisabled('local', config.Publishers.Disabled);
  if (!config.Compute.Enabled || !local || config.Publishers.Types.Local.Port !== 0) return [];
  return [
    'Publishers.Types.Local.Port: 0 picks a new port at every start, so results this node publishes ' +
      "locally cannot be downloaded with 'job get' once it restarts; set a fixed port to keep them reachable",
  ];
}
