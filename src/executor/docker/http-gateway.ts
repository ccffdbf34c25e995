/**
 * HTTP network mode (Bacalhau's per-job HTTP gateway), without a bridge and without a registry:
 *
 *   job container ──joins the network namespace of──► sandbox container (network none: loopback only)
 *        │ HTTP_PROXY=http://127.0.0.1:8080                   │ 127.0.0.1:8080 is a socket of this process,
 *        └────────────────────────────────────────────────────┘ created in the sandbox's namespace
 *                                   ▼
 *                       EgressProxy (this process, host network) ──► only Network.Domains
 *
 * The task has no route anywhere: its only way out is the proxy, which it cannot bypass or
 * reconfigure. Needs root on the Docker host (see netns-listener.ts).
 */
import type Docker from 'dockerode';
import { findExecutable } from '../../lib/executables.js';
import { removeContainer, runningPid } from './containers.js';
import { EgressProxy, type EgressProxyOptions, type ProxiedTask } from './egress-proxy.js';
import { listenInNetworkNamespace } from './netns-listener.js';
import type { ExecutionRef } from './naming.js';
import { proxyEnv } from './network.js';
import { pauseArchitectures } from './pause-binary.js';
import { ensureSandboxImage, startSandbox } from './sandbox.js';

/** The proxy's port inside the namespace, Bacalhau's gateway port. */
export const ProxyPort = 8080;

export class HttpGateway {
  readonly sandboxID: string;
  /** What the job's environment gets: the proxy, in every spelling tools read. */
  readonly env: Readonly<Record<string, string>>;
  readonly #docker: Docker;
  readonly #proxy: EgressProxy;
  #closed = false;

  private constructor(docker: Docker, sandboxID: string, proxy: EgressProxy) {
    this.#docker = docker;
    this.sandboxID = sandboxID;
    this.#proxy = proxy;
    this.env = proxyEnv(`http://127.0.0.1:${ProxyPort}`);
  }

  /** Starts the execution's sandbox and its proxy. */
  static async open(options: {
    docker: Docker;
    ref: ExecutionRef;
    arch: string;
    domains: readonly string[];
    proxy: EgressProxyOptions;
    signal: AbortSignal;
  }): Promise<HttpGateway> {
    const { docker, signal } = options;
    const image = await ensureSandboxImage(docker, options.arch, signal);
    const sandbox = await startSandbox(docker, options.ref, image, signal);
    const task = { domains: options.domains, jobID: options.ref.jobID };
    try {
      return await HttpGateway.#serve(docker, sandbox.id, sandbox.pid, task, options.proxy, signal);
    } catch (err) {
      await removeContainer(docker, sandbox.id);
      throw err;
    }
  }

  /** Serves the proxy again in a sandbox that outlived the process that started it (a restart). */
  static async reopen(options: {
    docker: Docker;
    sandboxID: string;
    task: ProxiedTask;
    proxy: EgressProxyOptions;
    signal: AbortSignal;
  }): Promise<HttpGateway> {
    const { docker, sandboxID, signal } = options;
    const pid = await runningPid(docker, sandboxID);
    return HttpGateway.#serve(docker, sandboxID, pid, options.task, options.proxy, signal);
  }

  static async #serve(
    docker: Docker,
    sandboxID: string,
    pid: number,
    task: ProxiedTask,
    proxy: EgressProxyOptions,
    signal: AbortSignal,
  ): Promise<HttpGateway> {
    const listener = await listenInNetworkNamespace(pid, ProxyPort, signal);
    return new HttpGateway(docker, sandboxID, new EgressProxy(listener, task, proxy));
  }

  /** Stops the proxy and removes the sandbox. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#proxy.stop();
    await removeContainer(this.#docker, this.sandboxID);
  }
}

/**
 * Why HTTP mode cannot run on this node, or undefined when it can: it needs Linux, root, `nsenter`,
 * a daemon on this host (the sandbox's PID must be one of ours) and a pause program for its
 * architecture.
 */
export function httpModeUnavailable(daemon: {
  socketPath: string | undefined;
  arch: string;
}): string | undefined {
  if (process.platform !== 'linux') return 'it needs Linux';
  if (process.getuid?.() !== 0) {
    return "the compute node does not run as root, which entering a container's network namespace needs";
  }
  if (daemon.socketPath === undefined)
    return 'the Docker daemon is not on this host (DOCKER_HOST is not a unix socket)';
  if (!pauseArchitectures.includes(daemon.arch))
    return `there is no sandbox program for architecture ${daemon.arch}`;
  if (findExecutable('nsenter') === undefined) return 'nsenter (util-linux) is not installed';
  return undefined;
}
