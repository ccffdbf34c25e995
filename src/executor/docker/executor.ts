/**
 * The Docker executor (Go `pkg/executor/docker`, reference §4.4): one container per execution, on the
 * daemon DOCKER_HOST names (default /var/run/docker.sock).
 *
 * `start` checks the params, inputs, outputs, network and image before anything runs and refuses a bad
 * task with an error naming the field; it re-attaches to the execution's container when one exists
 * already (a restarted node), continuing the output its previous process recorded. The container then
 * runs bounded by the timeout; its output is recorded live; it is removed once its result is written.
 * Besides the Executor seam, the compute node uses `resolveNetwork` (to record the network a task
 * gets), `listContainers` and `removeOrphans` (to clean up after a restart), and `stop`.
 */
import { realpath } from 'node:fs/promises';
import type Docker from 'dockerode';
import { systemClock } from '../../lib/clock.js';
import { InFlight } from '../../lib/in-flight.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { Engine } from '../../models/constants.js';
import { NetworkType, domainSet, type NetworkConfig } from '../../models/network.js';
import { isSpecType } from '../../models/spec-config.js';
import { BaseExecutor, recorderFor, type BaseExecutorOptions } from '../base-executor.js';
import { executorStopped } from '../errors.js';
import type { LaunchedExecution } from '../registry.js';
import type { OutputRecorder } from '../results.js';
import type { BidRequest, BidResponse, RunCommandRequest, SignalOption } from '../types.js';
import { containerCreateOptions } from './container-config.js';
import {
  executionFilter,
  LeftoverContainers,
  listExecutorContainers,
  removeContainer,
  removeExecutionContainers,
  type ExecutorContainer,
} from './containers.js';
import { connectDaemon } from './daemon.js';
import { gpuDevices } from './devices.js';
import {
  containerLeftBehind,
  daemonError,
  daemonProblem,
  inputError,
  statusCode,
  throwIfAborted,
  type DaemonProblem,
} from './errors.js';
import type { EgressProxyOptions } from './egress-proxy.js';
import { HttpGateway, httpModeUnavailable } from './http-gateway.js';
import { createPullingImage, daemonPlatform, imagePlatform, inspectImage } from './images.js';
import { containerMounts, localInputUses, writableLocalSources } from './mounts.js';
import { claimLocalInputs, InputInUseHint, type LocalInputClaim } from '../local-inputs-in-use.js';
import { followMounts, forgetMounts } from './followed-mounts.js';
import { BindSourceGuard, containerControl } from './bind-guard.js';
import {
  recordDockerWriter,
  undoWhatEndedProcessesLeft,
  withHostRecordLocked,
  type DockerWriterRecord,
} from '../local-inputs-on-host.js';
import type { ExecutionRef, ExecutorScope } from './naming.js';
import { networkSettings, resolveNetwork, type NetworkResolution } from './network.js';
import { RecentAnswers } from './recent-answers.js';
import { DockerComponent, decodeDockerSpec, type DockerEngineSpec } from '../../models/engines/docker.js';
import { recordDaemonLog, runContainer } from './supervise.js';
import { anySignal } from '../../lib/any-signal.js';

export interface DockerExecutorOptions extends BaseExecutorOptions {
  /**
   * Names and labels this executor's containers, so several executors can share a daemon and a
   * restarted one finds its own (Bacalhau uses the node ID).
   */
  id: string;
  /**
   * The data dir's InstanceID, also on every container: a restarted node (same data dir) finds its
   * own, and never removes those of another node given the same ID.
   */
  instanceID: string;
  /** Most processes and threads one container may have; default 2048. */
  pidsLimit?: number;
  /**
   * Lets HTTP-mode tasks reach this host's loopback and link-local addresses through an allowed name
   * (../egress-destination.ts says why not by default). For tests, whose servers listen on loopback only.
   */
  allowNodeLocalEgress?: boolean;
}

/** How long `isInstalled` waits for the daemon to answer. */
const InstalledTimeoutMs = 2000;
/**
 * How long the daemon's answers on its bridge network and on an image's platform are reused: long
 * enough to span a job's bid and start, short enough to notice a reconfigured daemon soon.
 */
const RecentAnswerMs = 30_000;

/** How long `stop` waits for the daemon to list what is left to remove (it may not be answering). */
const StopListingTimeoutMs = 10_000;

/** An execution's job container, new or left by a previous run of the node. */
interface TakenContainer {
  container: Docker.Container;
  gateway: HttpGateway | undefined;
  /** Whether the daemon keeps a log of the container's output (container-config.ts). */
  daemonLog: boolean;
}

export class DockerExecutor extends BaseExecutor {
  readonly id: string;
  /** Where the daemon is (DOCKER_HOST, or the default socket), for messages. */
  readonly daemonAddress: string;
  readonly #scope: ExecutorScope;
  readonly #docker: Docker;
  readonly #socketPath: string | undefined;
  /** The socket's real path, looked up once: no input may be the socket, under any name. */
  #socketRealPath: Promise<string | undefined> | undefined;
  readonly #pidsLimit: number;
  readonly #proxyOptions: EgressProxyOptions;
  /** Executions this instance is starting or running: never orphans, whatever the caller says. */
  readonly #active = new Set<string>();
  /** Containers being removed (see supervise.ts: a finished run's outcome does not wait for it). */
  readonly #removing = new InFlight();
  readonly #bridge: RecentAnswers<'bridge', boolean>;
  readonly #images: RecentAnswers<string, Docker.ImageInspectInfo | undefined>;
  readonly #leftovers: LeftoverContainers;
  readonly #bindGuard: BindSourceGuard;
  #unavailable: DaemonProblem | undefined;
  #version: Promise<Docker.DockerVersion> | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(options: DockerExecutorOptions) {
    super(options);
    this.id = options.id;
    this.#scope = { executorID: options.id, instanceID: options.instanceID };
    this.#pidsLimit = options.pidsLimit ?? 2048;
    this.#proxyOptions = { allowNodeLocal: options.allowNodeLocalEgress === true };
    const clock = options.clock ?? systemClock;
    this.#bridge = new RecentAnswers(RecentAnswerMs, clock);
    this.#images = new RecentAnswers(RecentAnswerMs, clock);
    const daemon = connectDaemon();
    this.#docker = daemon.docker;
    this.#socketPath = daemon.socketPath;
    this.daemonAddress = daemon.address;
    this.#leftovers = new LeftoverContainers(this.#docker, this.#scope);
    this.#bindGuard = new BindSourceGuard(this.#docker);
  }

  /**
   * Connects lazily: a node without a daemon gets an executor that reports not being installed.
   * @throws BacalhauError (ConfigurationError) when DOCKER_HOST cannot be understood
   */
  static create(options: DockerExecutorOptions): Promise<DockerExecutor> {
    return new Promise((resolve) => resolve(new DockerExecutor(options)));
  }

  /**
   * True when the daemon answers a ping within two seconds; otherwise {@link unavailable} says why.
   * Never throws.
   */
  async isInstalled(options: SignalOption = {}): Promise<boolean> {
    const timeout = AbortSignal.timeout(InstalledTimeoutMs);
    const signal = options.signal === undefined ? timeout : anySignal([options.signal, timeout]);
    try {
      // dockerode takes the signal at run time; its type declarations do not say so
      await (this.#docker.ping as (options: { abortSignal: AbortSignal }) => Promise<unknown>).call(
        this.#docker,
        {
          abortSignal: signal,
        },
      );
      this.#unavailable = undefined;
      return true;
    } catch (err) {
      this.#unavailable = daemonProblem(err);
      return false;
    }
  }

  /** Why the last {@link isInstalled} found no daemon (undefined when it found one, or none was asked). */
  get unavailable(): DaemonProblem | undefined {
    return this.#unavailable;
  }

  /**
   * Go's image-platform check, on the images the node has: an image present locally must be built for
   * the daemon's OS and architecture. An absent one is accepted (asking a registry for its manifest
   * would make every bid wait on the network); a pull for the wrong platform fails `start` clearly.
   * What the daemon said about an image is reused for a short while (Go caches manifests too).
   * Also refuses a network mode the node cannot provide (Bridge without a bridge, HTTP without root).
   * Rejects with the params' error for a task whose Engine.Params are invalid, as Go's strategy does.
   */
  async shouldBid(request: BidRequest): Promise<BidResponse> {
    const task = request.job.Tasks[0];
    if (task?.Engine === undefined || !isSpecType(task.Engine, Engine.Docker)) {
      return { shouldBid: true, reason: 'this node does examine images for non-Docker jobs' };
    }
    const spec = decodeDockerSpec(task.Engine);
    try {
      await this.resolveNetwork(task.Network ?? { Type: NetworkType.Default });
    } catch (err) {
      if (!(err instanceof BacalhauError) || err.code !== ErrorCode.ConfigurationError) throw err;
      return { shouldBid: false, reason: `this node does not support the task's network: ${err.message}` };
    }
    const [image, version] = await Promise.all([
      this.#images.get(spec.Image, () => inspectImage(this.#docker, spec.Image)),
      this.#daemonVersion(),
    ]);
    if (image === undefined) {
      return {
        shouldBid: true,
        reason: `this node does pull image ${JSON.stringify(spec.Image)} when the job runs, for its own platform`,
      };
    }
    const [has, can] = [imagePlatform(image), daemonPlatform(version)];
    return {
      shouldBid: has === can,
      reason: `this node does ${has === can ? '' : 'not '}support the available image platforms [${has}] (supports [${can}])`,
    };
  }

  shouldBidBasedOnUsage(): Promise<BidResponse> {
    return Promise.resolve({
      shouldBid: true,
      reason: 'this node does not place additional requirements on Docker jobs',
    });
  }

  /**
   * The network a task with `config` gets on this node, and a sentence saying so (the compute node
   * records it in the job's history). Default is the bridge, or no network when the daemon has none.
   * @throws BacalhauError (ConfigurationError) when the mode cannot be provided here
   */
  async resolveNetwork(config: NetworkConfig): Promise<NetworkResolution> {
    return (await this.#network(config)).resolution;
  }

  start(request: RunCommandRequest, options: SignalOption = {}): Promise<void> {
    if (this.#stopping !== undefined) return Promise.reject(executorStopped(DockerComponent));
    return this.registry.start(request.executionID, request.timeoutMs, async (stop) => {
      const signal = options.signal === undefined ? stop : anySignal([stop, options.signal]);
      this.#active.add(request.executionID);
      try {
        return await this.#launch(request, stop, signal);
      } catch (err) {
        this.#active.delete(request.executionID);
        throw err;
      }
    });
  }

  /** This executor's containers on the daemon (job containers and HTTP sandboxes), any state. */
  listContainers(options: SignalOption = {}): Promise<ExecutorContainer[]> {
    return listExecutorContainers(this.#docker, this.#scope, options.signal);
  }

  /**
   * Removes the containers of executions that `isKnown` says are not known (left behind by a node
   * that stopped abruptly), except those this instance runs. Resolves with what was removed.
   */
  async removeOrphans(
    isKnown: (executionID: string) => boolean,
    options: SignalOption = {},
  ): Promise<ExecutorContainer[]> {
    const orphans = (await this.listContainers(options)).filter(
      (c) => !this.#active.has(c.executionID) && !isKnown(c.executionID),
    );
    await Promise.all(orphans.map((c) => removeContainer(this.#docker, c.id)));
    // what this node (or another of the host) left in the host's record when it was killed
    await withHostRecordLocked(() => undoWhatEndedProcessesLeft(containerControl(this.#docker))).catch(
      () => undefined,
    );
    return orphans;
  }

  /**
   * Cancels what runs and removes every container of this executor, as Bacalhau's shutdown does.
   * Idempotent; `start` is refused afterwards.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.allSettled([...this.#active].map((id) => this.cancel(id)));
      await this.#removing.settled();
      const left = await this.listContainers({ signal: AbortSignal.timeout(StopListingTimeoutMs) }).catch(
        () => [],
      );
      await Promise.allSettled(left.map((c) => removeContainer(this.#docker, c.id)));
    })();
    return this.#stopping;
  }

  async #launch(
    request: RunCommandRequest,
    stop: AbortSignal,
    signal: AbortSignal,
  ): Promise<LaunchedExecution> {
    const spec = decodeDockerSpec(request.engine);
    const socket = this.#socketPath;
    this.#socketRealPath ??=
      socket === undefined ? Promise.resolve(undefined) : realpath(socket).catch(() => socket);
    const mounts = await containerMounts({
      inputs: request.inputs,
      outputs: request.outputs,
      resultsDir: request.resultsDir,
      daemonSocket: await this.#socketRealPath,
    });
    // a WASM task must not read by name where this container may write, nor the reverse
    const claimed = claimLocalInputs(
      'docker',
      writableLocalSources(request.inputs, mounts).map((path) => ({ path, writable: true })),
    );
    if ('conflict' in claimed) throw inputError(claimed.conflict, InputInUseHint);
    return this.#run(request, spec, mounts, { stop, signal, claimed }).catch((err: unknown) => {
      claimed.release();
      throw err;
    });
  }

  /** The container of a request whose mounts are checked: made (or taken up again) and run. */
  async #run(
    request: RunCommandRequest,
    spec: DockerEngineSpec,
    mounts: Docker.MountSettings[],
    { stop, signal, claimed }: { stop: AbortSignal; signal: AbortSignal; claimed: LocalInputClaim },
  ): Promise<LaunchedExecution> {
    const existing = await this.#leftovers.take(request.executionID, signal);
    // the output files open while the daemon creates the container: a short job waits for both
    // (a re-attached execution continues what its previous process recorded; a fresh one starts empty)
    const recording = recorderFor(request, { resume: existing !== undefined });
    recording.catch(() => undefined); // awaited below, after the create: not an unhandled rejection
    let made: TakenContainer;
    try {
      made =
        existing === undefined
          ? await this.#createContainer(request, spec, mounts, signal)
          : await this.#reuseContainer(existing, request, signal);
    } catch (err) {
      // a new container that could not be made ran nothing: no log
      if (existing === undefined) {
        await recording.then(
          (r) => r.discard(),
          () => undefined,
        );
        throw err;
      }
      // One that cannot be taken up again would run on unsupervised, and no orphan sweep takes it (its
      // execution is known): its containers go now, and with them what the task wrote while no node
      // was attached, unless it is copied from the daemon's log first.
      await recording.then(
        (r) =>
          recordDaemonLog(this.#docker.getContainer(existing.Id), r)
            .finally(() => r.close())
            .catch(() => undefined), // the containers go whatever became of the copy
        () => undefined,
      );
      const removal = await this.#removal(() =>
        removeExecutionContainers(this.#docker, this.#scope, request.executionID),
      ).then(
        () => undefined,
        (removalError: unknown) => removalError,
      );
      if (removal !== undefined) {
        throw containerLeftBehind(err, executionFilter(this.#scope, request.executionID), removal);
      }
      throw err;
    }
    const { container, gateway, daemonLog } = made;
    const start = existing === undefined || existing.State === 'created';
    const writable = mounts.flatMap((mount) =>
      mount.Type === 'bind' && mount.ReadOnly !== true && mount.Source !== undefined ? [mount.Source] : [],
    );
    // in the host's record for its other node processes, from before it can write until it is gone
    const writesLocal = writableLocalSources(request.inputs, mounts).length > 0;
    let hostRecord: DockerWriterRecord | undefined;
    let removed = false;
    const cleanup = (): Promise<void> =>
      this.#removal(async () => {
        removed = true;
        await Promise.allSettled([
          gateway?.close(),
          existing === undefined
            ? removeContainer(this.#docker, container.id)
            : // by label: a sandbox a re-attached run did not reopen goes too (Go's RemoveObjectsWithLabel)
              removeExecutionContainers(this.#docker, this.#scope, request.executionID),
        ]);
        this.#active.delete(request.executionID);
        forgetMounts(container.id);
        claimed.release();
        hostRecord?.release();
      });
    let recorder: OutputRecorder | undefined;
    try {
      recorder = await recording;
      throwIfAborted(signal);
      const { done } = await runContainer({
        container,
        recorder,
        start,
        // followed from its start, while the writers that could move its inputs are still paused
        guardStart: (run) =>
          this.#bindGuard.run(container.id, localInputUses(request.inputs, mounts), async () => {
            if (writesLocal) hostRecord = await recordDockerWriter(container.id);
            const failure = await run();
            this.#follow(container.id, writable, claimed);
            await this.#recordRunning(container, hostRecord);
            return failure;
          }),
        // what the task wrote while no node was attached is in the daemon's log, after what was recorded
        fromDaemonLog: !start && daemonLog,
        signal: stop,
        cleanup,
      });
      if (!start) {
        // started by an earlier process: where its mounts lead now cannot be told
        claimed.follow(() => 'unknown');
        if (writesLocal) {
          // not had: the entry its previous process made holds while the container's first process lives
          hostRecord = await withHostRecordLocked(() => recordDockerWriter(container.id)).catch(
            () => undefined,
          );
          await this.#recordRunning(container, hostRecord);
          if (removed) hostRecord?.release(); // it ended meanwhile
        }
      }
      return { log: recorder.log, done };
    } catch (err) {
      await recorder?.close();
      await cleanup();
      throw err;
    }
  }

  /**
   * Ties the container's entry in the host's record to its first process, which lives as long as the
   * container does: the entry then holds whatever becomes of this node. One that is not running has no
   * such process (its entry holds while this process runs, until its removal).
   */
  async #recordRunning(
    container: Docker.Container,
    hostRecord: DockerWriterRecord | undefined,
  ): Promise<void> {
    if (hostRecord === undefined) return;
    const pid = await container.inspect().then(
      (info) => info.State.Pid,
      () => 0,
    );
    if (pid > 0) await hostRecord.running(pid);
  }

  /**
   * Follows the container's writable bind mounts wherever they are moved (followed-mounts.ts), for the
   * bind guard and the record of inputs in use; one whose folders cannot be held (gone already) is
   * taken for a task that could be writing anywhere.
   */
  #follow(containerID: string, writable: readonly string[], claimed: LocalInputClaim): void {
    try {
      const now = followMounts(containerID, writable);
      claimed.follow(() => now() ?? 'unknown');
    } catch {
      claimed.follow(() => 'unknown');
    }
  }

  /** Runs `remove`, known to `stop` until it is done (a finished run's removal outlives its outcome). */
  #removal(remove: () => Promise<void>): Promise<void> {
    const removing = remove();
    // its caller hears of a failure; the stop only waits
    this.#removing.add(removing.catch(() => undefined));
    return removing;
  }

  /** A new container for the request, with its HTTP gateway when it needs one. */
  async #createContainer(
    request: RunCommandRequest,
    spec: DockerEngineSpec,
    mounts: Docker.MountSettings[],
    signal: AbortSignal,
  ): Promise<TakenContainer> {
    const devices = await gpuDevices(request.resources);
    const { resolution, bridge } = await this.#network(request.network);
    const ref: ExecutionRef = { ...this.#scope, jobID: request.jobID, executionID: request.executionID };
    const keepLog = request.longRunning === true;
    const gateway =
      resolution.mode === 'http' ? await this.#openGateway(ref, request.network, signal) : undefined;
    const options = containerCreateOptions({
      ref,
      spec,
      env: request.env,
      networkEnv: gateway?.env ?? {},
      mounts,
      resources: request.resources,
      devices,
      network: networkSettings(resolution.mode, request.network, {
        bridge,
        ...(gateway && { sandboxID: gateway.sandboxID }),
      }),
      pidsLimit: this.#pidsLimit,
      keepLog,
    });
    try {
      return {
        container: await createPullingImage(this.#docker, { ...options, Image: spec.Image }, signal),
        gateway,
        daemonLog: keepLog,
      };
    } catch (err) {
      await gateway?.close();
      throwIfAborted(signal);
      throw daemonError(`creating the container for image ${JSON.stringify(spec.Image)}`, err);
    }
  }

  /** The container a previous run of the node left, with its HTTP proxy served again if it had one. */
  async #reuseContainer(
    existing: Docker.ContainerInfo,
    request: RunCommandRequest,
    signal: AbortSignal,
  ): Promise<TakenContainer> {
    const container = this.#docker.getContainer(existing.Id);
    // the listing does not tell the log driver: containers made before long-running tasks kept one have none
    const logType = await container.inspect({ abortSignal: signal }).then(
      (info) => info.HostConfig.LogConfig?.Type,
      (err: unknown) => {
        throwIfAborted(signal);
        // gone since it was listed: taking it up finds that out and says so, as without a log
        if (statusCode(err) === 404) return undefined;
        throw daemonError('inspecting the container left by the previous run', err);
      },
    );
    const daemonLog = logType !== undefined && logType !== 'none';
    const sandboxID = /^container:(.+)$/.exec(existing.HostConfig.NetworkMode)?.[1];
    // an ended container needs no network any more: its result is all that is left to collect
    if (sandboxID === undefined || existing.State === 'exited' || existing.State === 'dead') {
      return { container, gateway: undefined, daemonLog };
    }
    const gateway = await HttpGateway.reopen({
      docker: this.#docker,
      sandboxID,
      task: { domains: domainSet(request.network), jobID: request.jobID },
      proxy: this.#proxyOptions,
      signal,
    }).catch((err: unknown) => {
      throwIfAborted(signal);
      throw daemonError('reopening the HTTP network of the container left by the previous run', err);
    });
    return { container, gateway, daemonLog };
  }

  async #network(config: NetworkConfig): Promise<{ resolution: NetworkResolution; bridge: boolean }> {
    // None and HTTP are the same with or without a bridge: no need to ask
    const bridge =
      config.Type !== NetworkType.None &&
      config.Type !== NetworkType.HTTP &&
      (await this.#bridge.get('bridge', () => this.#hasBridge()));
    const httpUnavailable =
      config.Type === NetworkType.HTTP
        ? httpModeUnavailable({
            socketPath: this.#socketPath,
            arch: (await this.#daemonVersion()).Arch,
          })
        : undefined;
    return { resolution: resolveNetwork(config, { bridge, httpUnavailable }), bridge };
  }

  async #openGateway(ref: ExecutionRef, config: NetworkConfig, signal: AbortSignal): Promise<HttpGateway> {
    const arch = (await this.#daemonVersion()).Arch;
    return HttpGateway.open({
      docker: this.#docker,
      ref,
      arch,
      domains: domainSet(config),
      proxy: this.#proxyOptions,
      signal,
    });
  }

  /** Not bounded by a caller's signal: the answer is shared (see {@link RecentAnswers}). */
  async #hasBridge(): Promise<boolean> {
    try {
      await this.#docker.getNetwork('bridge').inspect();
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw daemonError('looking for the bridge network', err);
    }
  }

  /** The daemon's version (OS, architecture), asked once. */
  #daemonVersion(): Promise<Docker.DockerVersion> {
    this.#version ??= this.#docker.version().catch((err: unknown) => {
      this.#version = undefined;
      throw daemonError('asking the Docker daemon for its version', err);
    });
    return this.#version;
  }
}
