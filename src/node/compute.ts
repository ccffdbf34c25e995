/**
 * A compute node assembled from the config (Bacalhau's `NewComputeNode`): capacity, the input storages,
 * the engines, the publishers, the bidder, the execution store under `<DataDir>/compute`, and the node
 * itself on the given transport, and what forgets its ended executions (retention.ts). One lifecycle:
 * `create` starts everything or nothing; `stop` (idempotent, never rejects) stops the node and the
 * retention sweeps, then the local publisher's server, then closes the store.
 */
import { join } from 'node:path';
import type { BacalhauConfig } from '../config/index.js';
import { raceSignals } from '../lib/abort.js';
import { NetworkType } from '../models/network.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { connectionNotices } from './retry-warnings.js';
import type { Executor } from '../executor/types.js';
import { DeniedFix, type DaemonProblem } from '../executor/docker/errors.js';
import { DockerExecutor } from '../executor/docker/executor.js';
import { WasmExecutor } from '../executor/wasm/executor.js';
import { createBidder } from '../compute/bidding/index.js';
import { allocatedCapacity, detectSystemCapacity, nodeLabels } from '../compute/capacity/index.js';
import { EngineRegistry } from '../compute/engines.js';
import { hostEnvResolver } from '../compute/env.js';
import { ComputeNode } from '../compute/node.js';
import { messageForUpsert } from '../compute/outbox.js';
import { ExecutionPaths } from '../compute/paths.js';
import { ExecutionRetention } from '../compute/retention.js';
import { PortAllocator, portRangeProblems } from '../compute/ports/allocator.js';
import { withPortCheck } from '../compute/ports/bidding.js';
import { ExecutionRunner } from '../compute/runner.js';
import { SqliteExecutionStore } from '../compute/store/sqlite-store.js';
import { LocalPublisher, NoopPublisher, PublisherRegistry, publishExecution } from '../publisher/index.js';
import type { Publisher, PublisherType } from '../publisher/index.js';
import { InlineStorage, LocalStorage, StorageRegistry, UrlDownloadStorage } from '../storage/index.js';
import type { Storage, StorageType } from '../storage/index.js';
import type { ComputeTransport } from '../transport/types.js';
import { badActorExecutor } from './bad-actor.js';
import { ConfigReader } from './config-values.js';

export const ComputeComponent = 'Compute';

/** How long `stop` waits for an engine to release what it holds (see ComputeOptions.engineReleaseMs). */
const DefaultEngineReleaseMs = 10_000;
/** How long an execution's folders (its log) and record are kept after it ended (Go: 1 hour, the record for good). */
const RetainOutputMs = 3_600_000;

export interface ComputeOptions {
  /**
   * Read: `DataDir`, `Labels`, `Compute.*` (`Compute.Network.PortRange*` for job ports), `InputSources.*`,
   * `Publishers.*`, `Engines.*`, `JobAdmissionControl`.
   */
  config: BacalhauConfig;
  nodeID: string;
  /** The data dir's InstanceID: marks this node's containers apart from another node's of the same name. */
  instanceID: string;
  /** The node's end of the transport; stopped with the node. */
  transport: ComputeTransport;
  /** Engines by wire type replacing or adding to the standard ones (WASM, and Docker when its daemon answers). */
  engines?: Readonly<Record<string, Executor>>;
  clock?: Clock;
  /** Fail every execution at start (`devstack --bad-computes`). */
  badActor?: boolean;
  onError?: (error: unknown, component: string) => void;
  onWarning?: (message: string) => void;
  /** News worth a line in the node's log (connected to the orchestrator again). */
  onInfo?: (message: string) => void;
  /**
   * How long `stop` waits for an engine to release its executions (stop and remove its containers)
   * before it stops without them. Default 10 s.
   */
  engineReleaseMs?: number;
}

/** What the node says of its connection to the orchestrator: nothing without a place to say it. */
function connectionLog(
  options: ComputeOptions,
  clock: Clock,
): { onConnectionRetry?: (error: unknown, retryInMs: number) => void; onConnected?: () => void } {
  const { onWarning, onInfo } = options;
  if (onWarning === undefined) return {};
  const notices = connectionNotices({ warn: onWarning, info: onInfo ?? (() => undefined), clock });
  return { onConnectionRetry: notices.retry, onConnected: notices.connected };
}

/** What a started compute node is made of, besides the node itself, for `stop` to end. */
interface ComputeParts {
  node: ComputeNode;
  store: SqliteExecutionStore;
  publisher: LocalPublisher | undefined;
  engines: EngineRegistry;
  retention: ExecutionRetention;
  /** Its execution folders, with the spares it keeps. */
  paths: ExecutionPaths;
}

export class Compute {
  readonly node: ComputeNode;
  readonly #parts: ComputeParts;
  readonly #onWarning: ((message: string) => void) | undefined;
  readonly #engineReleaseMs: number;
  #stopped: Promise<void> | undefined;

  private constructor(parts: ComputeParts, options: ComputeOptions) {
    this.node = parts.node;
    this.#parts = parts;
    this.#onWarning = options.onWarning;
    this.#engineReleaseMs = options.engineReleaseMs ?? DefaultEngineReleaseMs;
  }

  /**
   * @throws BacalhauError ConfigurationError for bad compute settings (each naming its key),
   *   ResourceInUse when the local publisher's port is taken, DatastoreFailure for an unusable store.
   */
  static async create(options: ComputeOptions): Promise<Compute> {
    const { config, nodeID } = options;
    const clock = options.clock ?? systemClock;
    const onError = (error: unknown): void => options.onError?.(error, ComputeComponent);
    const read = new ConfigReader();
    const heartbeatIntervalMs = read.duration(
      'Compute.Heartbeat.Interval',
      config.Compute.Heartbeat.Interval,
      'positive',
    );
    const infoUpdateIntervalMs = read.duration(
      'Compute.Heartbeat.InfoUpdateInterval',
      config.Compute.Heartbeat.InfoUpdateInterval,
      'positive',
    );
    const readTimeoutMs = read.duration(
      'InputSources.ReadTimeout',
      config.InputSources.ReadTimeout,
      'positive',
    );
    const { PortRangeStart, PortRangeEnd } = config.Compute.Network;
    read.problems.push(...portRangeProblems(PortRangeStart, PortRangeEnd));
    read.throwIfInvalid('compute', ComputeComponent);

    const computeDir = join(config.DataDir, 'compute');
    const system = await detectSystemCapacity({
      dataDir: config.DataDir,
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    });
    const capacity = allocatedCapacity(system, config.Compute.AllocatedCapacity);
    const storages = new StorageRegistry(
      enabled<StorageType, Storage>(
        {
          inline: new InlineStorage(),
          urlDownload: new UrlDownloadStorage({
            timeoutMs: readTimeoutMs,
            // a file larger than the disk jobs may use cannot fit (0: capacity unknown, the default holds)
            ...(capacity.Disk > 0 ? { maxBytes: capacity.Disk } : {}),
            // retries after the first attempt, as Go's client takes it (its description says attempts)
            maxRetries: Math.max(0, config.InputSources.MaxRetryCount),
          }),
          local: await LocalStorage.create({ allowListedLocalPaths: config.Compute.AllowListedLocalPaths }),
        },
        config.InputSources.Disabled,
      ),
    );
    const docker = await DockerExecutor.create({ id: nodeID, instanceID: options.instanceID });
    const standard: Record<string, Executor> = { wasm: new WasmExecutor(), docker, ...options.engines };
    const engines = new EngineRegistry(
      options.badActor === true
        ? Object.fromEntries(
            Object.entries(standard).map(([type, engine]) => [type, badActorExecutor(engine)]),
          )
        : standard,
      config.Engines.Disabled,
    );

    if (standard['docker'] === docker) await warnWithoutDaemon(engines, docker, options.onWarning);

    let localPublisher: LocalPublisher | undefined;
    let startedPaths: ExecutionPaths | undefined;
    let store: SqliteExecutionStore | undefined;
    try {
      if (!isDisabled('local', config.Publishers.Disabled)) {
        localPublisher = await LocalPublisher.create({
          directory: join(computeDir, 'results', 'local-publisher'),
          address: config.Publishers.Types.Local.Address,
          port: config.Publishers.Types.Local.Port,
        });
      }
      const publishers = new PublisherRegistry(
        enabled<PublisherType, Publisher>(
          { noop: new NoopPublisher(), ...(localPublisher === undefined ? {} : { local: localPublisher }) },
          config.Publishers.Disabled,
        ),
      );
      store = SqliteExecutionStore.open({
        path: join(computeDir, 'executions.db'),
        outbox: messageForUpsert,
      });
      const ports = new PortAllocator({ rangeStart: PortRangeStart, rangeEnd: PortRangeEnd });
      // spare folders: a starting execution's folders are one rename away (spare-folders.ts)
      const paths = new ExecutionPaths(join(computeDir, 'executions'), { spares: {} });
      await paths.start();
      startedPaths = paths;
      const runner = new ExecutionRunner({
        store,
        engines,
        storages,
        publisher: {
          publish: (execution, resultsDir, { signal }) =>
            publishExecution(
              publishers,
              { executionID: execution.ID, jobID: execution.JobID, nodeID, job: execution.Job!, resultsDir },
              { signal },
            ),
        },
        paths,
        env: hostEnvResolver(config.Compute.Env.AllowList),
        ports,
        clock,
        retainOutputMs: RetainOutputMs,
        onError,
        // the bidder takes Default tasks on such a node because they get no network here
        defaultNetwork: config.JobAdmissionControl.RejectNetworkedJobs
          ? NetworkType.None
          : NetworkType.Default,
      });
      const bidder = withPortCheck(
        createBidder({
          nodeID,
          admission: config.JobAdmissionControl,
          maxJobRequirements: () => capacity,
          engines,
          publisherInstalled: (type) => publishers.has(type),
          storages,
          envAllowList: config.Compute.Env.AllowList,
        }),
        ports,
      );
      const node = await ComputeNode.create({
        nodeID,
        transport: options.transport,
        store,
        engines,
        runner,
        bidder,
        publisherTypes: () => publishers.installedTypes(),
        storageTypes: () => storages.installedTypes(),
        maxCapacity: capacity,
        maxJobRequirements: capacity,
        labels: nodeLabels(config.Labels, capacity, { nodeName: nodeID }),
        // Go's NodeInfo address: what the operator says others reach this node at
        address: config.Compute.Network.AdvertisedAddress,
        clock,
        heartbeatIntervalMs,
        infoUpdateIntervalMs,
        onError,
        ...connectionLog(options, clock),
      });
      const retention = new ExecutionRetention({
        store,
        removeFolders: (executionID) => paths.remove(executionID),
        clock,
        retainMs: RetainOutputMs,
        onError,
      });
      retention.start();
      return new Compute({ node, store, publisher: localPublisher, engines, retention, paths }, options);
    } catch (err) {
      await startedPaths?.stop();
      await localPublisher?.stop();
      store?.close();
      await options.transport.stop().catch(() => undefined);
      throw err;
    }
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.node.stop();
      await this.#parts.retention.stop();
      // Engines that hold outside resources (Docker containers) release them, as Bacalhau's shutdown
      // does; but not for ever: a daemon that stopped answering would keep the node from stopping
      for (const [type, executor] of this.#parts.engines.all()) {
        if (hasStop(executor)) await this.#releaseEngine(type, executor);
      }
      await this.#parts.publisher?.stop().catch(() => undefined);
      await this.#parts.paths.stop().catch(() => undefined);
      this.#parts.store.close();
    })();
    return this.#stopped;
  }

  async #releaseEngine(type: string, executor: Executor & { stop(): Promise<void> }): Promise<void> {
    const released = executor.stop().catch(() => undefined);
    const late = AbortSignal.timeout(this.#engineReleaseMs);
    await raceSignals(released, [late], () => new Error('late')).catch(() =>
      this.#onWarning?.(
        `The ${type} engine did not release its executions within ${this.#engineReleaseMs / 1000} s (is its daemon answering?): ` +
          'the node stops without waiting; the containers it could not stop are taken up again, or removed, when it starts again',
      ),
    );
  }
}

/**
 * Tells the operator when the Docker engine is enabled but no daemon answers: the node then runs no
 * Docker job until it is restarted (engines are asked once, as in Go), and users' jobs would otherwise
 * only say the node "does not support docker".
 */
async function warnWithoutDaemon(
  engines: EngineRegistry,
  docker: DockerExecutor,
  onWarning: ((message: string) => void) | undefined,
): Promise<void> {
  const enabled = engines.all().some(([, executor]) => executor === docker);
  if (onWarning === undefined || !enabled || (await engines.installed()).includes(docker)) return;
  // the reason the registry's ping met: a socket refusing the node's user needs another fix than a stopped daemon
  onWarning(withoutDaemonWarning(docker.daemonAddress, docker.unavailable ?? 'no answer'));
}

export function withoutDaemonWarning(address: string, problem: DaemonProblem): string {
  const otherwise = 'and restart the node, or add docker to Engines.Disabled to say so';
  return problem === 'permission denied'
    ? `The Docker daemon at ${address} refuses this node's user (permission denied): this node runs no ` +
        `Docker jobs. ${DeniedFix}, ${otherwise}`
    : `No Docker daemon answers at ${address}: this node runs no Docker jobs. Start the daemon ` +
        `(or point DOCKER_HOST at it) ${otherwise}`;
}

function hasStop(executor: Executor): executor is Executor & { stop(): Promise<void> } {
  return typeof (executor as { stop?: unknown }).stop === 'function';
}

/** Whether a `*.Disabled` list names `type` (case-insensitively, as Go matches provider types). */
export function isDisabled(type: string, disabled: readonly string[]): boolean {
  return disabled.some((entry) => entry.trim().toLowerCase() === type.toLowerCase());
}

/** The providers whose type `Disabled` does not list. */
function enabled<K extends string, V>(
  providers: Partial<Record<K, V>>,
  disabled: readonly string[],
): Partial<Record<K, V>> {
  return Object.fromEntries(
    Object.entries(providers).filter(([type]) => !isDisabled(type, disabled)),
  ) as Partial<Record<K, V>>;
}
