/**
 * How the parts of a `serve` node reach each other: in one process over the in-memory hub (the
 * embedded default), or through NATS as Bacalhau does (`--orchestrator` runs a supervised nats-server
 * on `Orchestrator.Host:Port` with `Orchestrator.Auth.Token`, or uses the servers of
 * `Orchestrator.NATS.Servers`, a bacalhau-ts extension, when given; `--compute` dials
 * `Compute.Orchestrators` with `Compute.Auth.Token`; a hybrid node's own compute half dials its own
 * server, so other compute nodes can join it too).
 */
import { certificateProblem } from '../lib/certificate-problem.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BacalhauConfig } from '../config/index.js';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';
import { InMemoryTransportHub } from '../transport/in-memory/index.js';
import { NatsComputeTransport, NatsOrchestratorTransport } from '../transport/nats/index.js';
import {
  dialNats,
  natsServerHost,
  type NatsConnectionOptions,
  type TokenSetting,
} from '../transport/nats/connection.js';
import { NatsServerProcess } from '../transport/nats/server-process.js';
import type { NatsServerSettings } from '../transport/nats/server-config.js';
import type { ComputeTransport, OrchestratorTransport } from '../transport/types.js';
import type { HandshakeIdentityOptions } from '../transport/messages.js';
import type { ApiLogSource } from '../api/server/types.js';
import type { LogLineSource } from '../transport/nats/logstream/index.js';
import { LogStreams } from './serve-logstreams.js';
import { hideCredentials } from '../lib/address-credentials.js';

export type ServeNetworkKind = 'in-process' | 'nats';

export interface ServeNetwork {
  readonly kind: ServeNetworkKind;
  /** Where compute nodes join this orchestrator (`nats://host:port`); absent in-process or compute-only. */
  readonly orchestratorURL: string | undefined;
  /** The in-memory hub (in-process only): fake compute nodes in tests join here. */
  readonly hub: InMemoryTransportHub | undefined;
  /** The orchestrator's end; created once, stopped with the network. */
  orchestratorTransport(): Promise<OrchestratorTransport>;
  /**
   * The end of this process's compute node, whose handshakes carry its data dir's InstanceID and its
   * heartbeat interval; the compute node stops it.
   */
  computeTransport(nodeID: string, identity: ComputeIdentity): Promise<ComputeTransport>;
  /**
   * Where the orchestrator reads logs of executions on other nodes (NATS: Bacalhau's log stream
   * requests); undefined in-process, where the API reads the local compute node directly.
   */
  logSource(): Promise<ApiLogSource | undefined>;
  /** Serves this process's compute node's logs to orchestrators (NATS only); stopped with the network. */
  serveLogs(nodeID: string, streamLogs: LogLineSource): void;
  /** Stops the orchestrator's end, the log streams, then the NATS server. Idempotent; never rejects. */
  stop(): Promise<void>;
}

/** What a compute node's handshakes say about it besides its node info. */
export type ComputeIdentity = Required<Pick<HandshakeIdentityOptions, 'instanceID' | 'heartbeatIntervalMs'>>;

export interface ServeNetworkOptions {
  config: BacalhauConfig;
  nodeID: string;
  onError?: ((error: unknown, component: string) => void) | undefined;
  /** Problems worth a log line (a restarted nats-server, an orchestrator not reachable yet). */
  onWarning: (message: string) => void;
}

export async function createInProcessNetwork(options: ServeNetworkOptions): Promise<ServeNetwork> {
  const onError = options.onError;
  const hub = await InMemoryTransportHub.create(
    onError === undefined ? {} : { onHandlerError: (error) => onError(error, 'Transport') },
  );
  return {
    kind: 'in-process',
    orchestratorURL: undefined,
    hub,
    orchestratorTransport: () => Promise.resolve(hub.orchestrator),
    computeTransport: (nodeID, identity) =>
      hub.createComputeTransport({ nodeId: nodeID, startTime: new Date(), ...identity }),
    logSource: () => Promise.resolve(undefined),
    serveLogs: () => undefined,
    stop: () => hub.stop().catch(() => undefined),
  };
}

/**
 * Starts the NATS side of a node: the server when the orchestrator role is on. A compute-only node
 * checks its orchestrator once: a refused token fails the start (the fix is in its config), an absent
 * orchestrator is only a warning (the node keeps trying, as Bacalhau's does).
 * @throws BacalhauError: ConfigurationError (nats-server missing, bad TLS files), ResourceInUse
 *   (`Orchestrator.Port` taken), Unauthorized (a compute node's token refused)
 */
export async function startNatsNetwork(options: ServeNetworkOptions): Promise<ServeNetwork> {
  const { config, nodeID } = options;
  const natsErrors = transportErrorHandlers(options.onError);
  const external = config.Orchestrator.NATS.Servers;
  let server: NatsServerProcess | undefined;
  /** How the orchestrator half reaches NATS; undefined on a compute-only node. */
  let orchestratorDial: NatsConnectionOptions | undefined;
  let computeDial: NatsConnectionOptions;
  if (config.Orchestrator.Enabled) {
    external.forEach((address) =>
      checkNatsAddress('Orchestrator.NATS.Servers', "the NATS server's", address),
    );
    checkCaFile('Orchestrator.TLS.CACert', config.Orchestrator.TLS.CACert);
    if (external.length === 0) {
      server = await NatsServerProcess.start({
        settings: serverSettings(config, nodeID),
        workDir: join(config.DataDir, 'orchestrator', 'nats'),
        onProblem: options.onWarning,
      });
    }
    orchestratorDial = ownDial(config, server?.clientURL ?? external);
    computeDial = orchestratorDial;
  } else {
    config.Compute.Orchestrators.forEach((address) =>
      checkNatsAddress('Compute.Orchestrators', "the orchestrator's", address),
    );
    checkCaFile('Compute.TLS.CACert', config.Compute.TLS.CACert);
    computeDial = {
      servers: config.Compute.Orchestrators,
      token: config.Compute.Auth.Token,
      ...(config.Compute.TLS.CACert !== '' || config.Compute.TLS.RequireTLS
        ? { tls: config.Compute.TLS.CACert === '' ? {} : { caFile: config.Compute.TLS.CACert } }
        : {}),
    };
    await probeOrchestrator(computeDial, options.onWarning);
  }
  // A hybrid node's compute half presents the orchestrator's own token.
  const computeTokenSetting: TokenSetting = config.Orchestrator.Enabled
    ? 'Orchestrator.Auth.Token'
    : 'Compute.Auth.Token';
  let orchestrator: Promise<NatsOrchestratorTransport> | undefined;
  const logs = new LogStreams(options.onError);
  let stopped: Promise<void> | undefined;
  return {
    kind: 'nats',
    orchestratorURL:
      server?.clientURL ?? (external[0] === undefined ? undefined : hideCredentials(external[0])),
    hub: undefined,
    orchestratorTransport() {
      if (orchestratorDial === undefined)
        throw new Error('a compute-only node has no orchestrator transport');
      const dial = orchestratorDial;
      orchestrator ??= NatsOrchestratorTransport.create({ ...dial, name: nodeID, ...natsErrors }).then(
        (transport) => {
          // nodes cannot be heard from meanwhile (the node manager holds off declaring them lost): said
          transport.onNetworkChange((up) =>
            options.onWarning(
              up
                ? 'the orchestrator is connected to NATS again: compute nodes reconnect'
                : 'the orchestrator lost its connection to NATS: compute nodes cannot reach it until it is back',
            ),
          );
          return transport;
        },
      );
      return orchestrator;
    },
    logSource: () => logs.client(orchestratorDial ?? computeDial),
    serveLogs: (id, streamLogs) => logs.serve(computeDial, computeTokenSetting, id, streamLogs),
    computeTransport: (id, identity) =>
      NatsComputeTransport.create({
        ...computeDial,
        name: id,
        nodeId: id,
        startTime: new Date(),
        ...identity,
        ...natsErrors,
      }),
    stop() {
      stopped ??= (async () => {
        const transport = await orchestrator?.catch(() => undefined);
        await transport?.stop().catch(() => undefined);
        await logs.stop();
        await server?.stop();
      })();
      return stopped;
    },
  };
}

/**
 * How the orchestrator half reaches NATS (Go: the embedded server's client URL with the server's
 * token): its own nats-server, or the `Orchestrator.NATS.Servers` it was told to use.
 */
function ownDial(config: BacalhauConfig, servers: string | readonly string[]): NatsConnectionOptions {
  const tls = config.Orchestrator.TLS;
  const external = config.Orchestrator.NATS.Servers.length > 0;
  return {
    servers,
    token: config.Orchestrator.Auth.Token,
    ...(tls.CACert !== '' || (!external && tls.ServerCert !== '')
      ? { tls: tls.CACert === '' ? {} : { caFile: tls.CACert } }
      : {}),
  };
}

function serverSettings(config: BacalhauConfig, nodeID: string): NatsServerSettings {
  const o = config.Orchestrator;
  return {
    serverName: nodeID,
    host: o.Host,
    port: o.Port,
    clientAdvertise: o.Advertise,
    token: o.Auth.Token,
    ...(o.TLS.ServerCert === '' && o.TLS.ServerKey === ''
      ? {}
      : {
          tls: {
            certFile: o.TLS.ServerCert,
            keyFile: o.TLS.ServerKey,
            ...(o.TLS.ServerTimeout > 0 ? { timeoutSeconds: o.TLS.ServerTimeout } : {}),
          },
        }),
    ...(o.Cluster.Peers.length === 0
      ? {}
      : {
          cluster: {
            name: o.Cluster.Name,
            host: o.Cluster.Host,
            port: o.Cluster.Port,
            advertise: o.Cluster.Advertise,
            peers: o.Cluster.Peers,
          },
        }),
  };
}

/**
 * An address the NATS client cannot parse (`nats://host:99999`) is a setting to fix, not an
 * orchestrator to wait for: the client would retry it for ever, saying only "Invalid URL". So is one
 * of another scheme (`http://`, most often the orchestrator's API URL), which the client dials as NATS.
 * `whose`: whose address the key holds, for the hint.
 */
function checkNatsAddress(key: string, whose: string, address: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address)?.[1]?.toLowerCase();
  const known = scheme === undefined || scheme === 'nats' || scheme === 'tls';
  if (known && natsServerHost(address) !== '') return;
  const problem = known ? '' : `: the scheme must be nats:// or tls://, not ${scheme}://`;
  throw new BacalhauError(`${key}: "${address}" is not a NATS address${problem}`, {
    code: ErrorCode.ConfigurationError,
    component: 'config',
    hint: `Give ${whose} NATS address as nats://<host>:<port> (a port from 1 to 65535; not its API URL), e.g. nats://127.0.0.1:4222`,
  });
}

/**
 * A CA certificate file is read only when a TLS connection starts: one that cannot be read, or holds no
 * certificate (the connection would then say the server's certificate is not trusted), is said now.
 */
function checkCaFile(key: string, path: string): void {
  if (path === '') return;
  let problem: string | undefined;
  try {
    if (!readFileSync(path, 'latin1').includes('-----BEGIN CERTIFICATE-----')) {
      problem = `the CA certificate file ${path} holds no PEM certificate`;
    }
  } catch (err) {
    problem = `cannot read the CA certificate ${path}: ${errorMessage(err)}`;
  }
  if (problem === undefined) return;
  throw new BacalhauError(`${key}: ${problem}`, {
    code: ErrorCode.ConfigurationError,
    component: 'config',
    hint: `Give ${key} the path of a PEM file with the certificate of the CA that signed the NATS server's certificate`,
  });
}

async function probeOrchestrator(
  dial: NatsConnectionOptions,
  onWarning: (message: string) => void,
): Promise<void> {
  try {
    // dialNats gives up after its connect timeout (5 s) with an error saying so
    const nc = await dialNats({ ...dial, servers: dial.servers ?? [] }, 'Compute.Auth.Token');
    await nc.close();
  } catch (err) {
    // refused, not unreachable: waiting would not change the token, the trust or TLS, so say it at once
    if (err instanceof BacalhauError && err.code === ErrorCode.Unauthorized) throw err;
    if (err instanceof BacalhauError && err.code === ErrorCode.ConfigurationError) throw err;
    if (certificateProblem(err) !== undefined) throw err;
    const hint = err instanceof BacalhauError && err.hint !== '' ? `; ${err.hint}` : '';
    onWarning(
      `the orchestrator is not reachable yet (${(err as Error).message}${hint}); this node keeps trying to connect`,
    );
  }
}

function transportErrorHandlers(onError: ServeNetworkOptions['onError']): {
  onHandlerError?: (error: unknown) => void;
  onProtocolError?: (error: unknown) => void;
} {
  if (onError === undefined) return {};
  return {
    onHandlerError: (error) => onError(error, 'Transport'),
    onProtocolError: (error) => onError(error, 'Transport'),
  };
}
