/**
 * The executor's containers on the daemon: their creation, and finding them by label: the ones a
 * previous process left (to re-attach after a restart), all of this executor's (to remove orphans),
 * and their removal.
 */
import type Docker from 'dockerode';
import { daemonError, statusCode } from './errors.js';
import {
  Label,
  executionIDFromLabel,
  executionLabelValue,
  type ContainerRole,
  type ExecutorScope,
} from './naming.js';

/**
 * Creates a container. dockerode's own `createContainer` writes the whole config into the query string
 * as well as the body; the daemon reads only `name` there and refuses a request line over 1 MB (431
 * Request Header Fields Too Large), which a job with long Parameters or Env reaches. Here only the name
 * goes in the query.
 */
export function createContainer(
  docker: Docker,
  options: Docker.ContainerCreateOptions,
): Promise<Docker.Container> {
  const { name, abortSignal, ...config } = options;
  // docker-modem's request options: `_query` for the query string and `_body` for the body
  const request = {
    _query: name === undefined ? {} : { name },
    _body: config,
    ...(abortSignal === undefined ? {} : { abortSignal }),
  };
  return docker.createContainer(request);
}

/** One of this executor's containers. */
export interface ExecutorContainer {
  id: string;
  name: string;
  executionID: string;
  role: ContainerRole;
  /** Docker's state: `created`, `running`, `exited`, ... */
  state: string;
}

/**
 * The scope's containers, in any state, that also carry every one of `labels` (`name=value`): the
 * executor's, of this data dir's instance or of none (made before containers were labelled with one).
 */
async function listInScope(
  docker: Docker,
  scope: ExecutorScope,
  labels: string[],
  signal: AbortSignal | undefined,
): Promise<Docker.ContainerInfo[]> {
  const filters = [`${Label.Executor}=${scope.executorID}`, ...labels];
  let found: Docker.ContainerInfo[];
  try {
    found = await docker.listContainers({ all: true, filters: { label: filters }, abortSignal: signal });
  } catch (err) {
    throw daemonError(`listing the containers labelled ${filters.join(', ')}`, err);
  }
  return found.filter((info) => [undefined, scope.instanceID].includes(info.Labels[Label.Instance]));
}

/** Every container of the scope, running or not. */
export async function listExecutorContainers(
  docker: Docker,
  scope: ExecutorScope,
  signal?: AbortSignal,
): Promise<ExecutorContainer[]> {
  const found = await listInScope(docker, scope, [], signal);
  return found.flatMap((info) => {
    const executionID = executionIDFromLabel(scope.executorID, info.Labels[Label.Execution]);
    if (executionID === undefined) return [];
    const role: ContainerRole = info.Labels[Label.Role] === 'sandbox' ? 'sandbox' : 'executor';
    return [
      { id: info.Id, name: (info.Names[0] ?? '').replace(/^\//, ''), executionID, role, state: info.State },
    ];
  });
}

/** The job container of an execution, whatever its state, or undefined when there is none. */
async function findJobContainer(
  docker: Docker,
  scope: ExecutorScope,
  executionID: string,
  signal?: AbortSignal,
): Promise<Docker.ContainerInfo | undefined> {
  const filters = [executionFilter(scope, executionID), `${Label.Role}=executor`];
  return (await listInScope(docker, scope, filters, signal))[0];
}

/** The label filter (`docker ps --filter label=…`) that finds an execution's containers. */
export function executionFilter(scope: ExecutorScope, executionID: string): string {
  return `${Label.Execution}=${executionLabelValue(scope.executorID, executionID)}`;
}

/**
 * The job containers a previous process of this executor left (a restarted node), which only the
 * executions they belong to may re-attach to. Found by one listing, the first time they are asked
 * for: the executor asks before it creates any container, so the listing holds only leftovers, and a
 * fresh execution costs no daemon call.
 */
export class LeftoverContainers {
  readonly #docker: Docker;
  readonly #scope: ExecutorScope;
  #executions: Promise<Set<string>> | undefined;

  constructor(docker: Docker, scope: ExecutorScope) {
    this.#docker = docker;
    this.#scope = scope;
  }

  /** The execution's leftover job container, if any; a later call for the same ID finds none. */
  async take(executionID: string, signal?: AbortSignal): Promise<Docker.ContainerInfo | undefined> {
    this.#executions ??= listExecutorContainers(this.#docker, this.#scope).then(
      (found) => new Set(found.filter((c) => c.role === 'executor').map((c) => c.executionID)),
      (err: unknown) => {
        this.#executions = undefined;
        throw err;
      },
    );
    const executions = await this.#executions;
    if (!executions.has(executionID)) return undefined;
    const container = await findJobContainer(this.#docker, this.#scope, executionID, signal);
    executions.delete(executionID);
    return container;
  }
}

/** Removes every container of one execution (its job container and its sandbox, if any). */
export async function removeExecutionContainers(
  docker: Docker,
  scope: ExecutorScope,
  executionID: string,
): Promise<void> {
  const found = await listInScope(
    docker,
    scope,
    [executionFilter(scope, executionID)],
    AbortSignal.timeout(RemovalTimeoutMs),
  );
  await Promise.all(found.map((info) => removeContainer(docker, info.Id)));
}

/** The host PID of a running container's main process. */
export async function runningPid(docker: Docker, id: string): Promise<number> {
  const info = await docker.getContainer(id).inspect();
  if (!info.State.Running || info.State.Pid <= 0) throw new Error(`container ${id} is not running`);
  return info.State.Pid;
}

/**
 * How long the daemon may take over a removal. A daemon that does not answer (hung, or a link to it
 * that went silent) must not keep a cancelled run, or the node's shutdown, waiting for ever: a container
 * left behind is removed as an orphan at the next start.
 */
const RemovalTimeoutMs = 10_000;

/** Kills and removes a container; one that is gone (or being removed) already is no error. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, abortSignal: AbortSignal.timeout(RemovalTimeoutMs) });
  } catch (err) {
    const status = statusCode(err);
    if (status !== 404 && status !== 409) throw daemonError(`removing container ${id}`, err);
  }
}
