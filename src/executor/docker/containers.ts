/**
 * The executor's containers on the daemon, found by label: the ones a previous process left (to
 * re-attach after a restart), all of this executor's (to remove orphans), and their removal.
 */
import type Docker from 'dockerode';
import { daemonError, statusCode } from './errors.js';
import { Label, executionIDFromLabel, executionLabelValue, type ContainerRole } from './naming.js';

/** One of this executor's containers. */
export interface ExecutorContainer {
  id: string;
  name: string;
  executionID: string;
  role: ContainerRole;
  /** Docker's state: `created`, `running`, `exited`, ... */
  state: string;
}

/** The containers, in any state, that carry every one of `labels` (`name=value`). */
async function listByLabels(
  docker: Docker,
  labels: string[],
  signal: AbortSignal | undefined,
): Promise<Docker.ContainerInfo[]> {
  try {
    return await docker.listContainers({ all: true, filters: { label: labels }, abortSignal: signal });
  } catch (err) {
    throw daemonError(`listing the containers labelled ${labels.join(', ')}`, err);
  }
}

/** Every container labelled with `executorID`, running or not. */
export async function listExecutorContainers(
  docker: Docker,
  executorID: string,
  signal?: AbortSignal,
): Promise<ExecutorContainer[]> {
  const found = await listByLabels(docker, [`${Label.Executor}=${executorID}`], signal);
  return found.flatMap((info) => {
    const executionID = executionIDFromLabel(executorID, info.Labels[Label.Execution]);
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
  executorID: string,
  executionID: string,
  signal?: AbortSignal,
): Promise<Docker.ContainerInfo | undefined> {
  const execution = `${Label.Execution}=${executionLabelValue(executorID, executionID)}`;
  return (await listByLabels(docker, [execution, `${Label.Role}=executor`], signal))[0];
}

/**
 * The job containers a previous process of this executor left (a restarted node), which only the
 * executions they belong to may re-attach to. Found by one listing, the first time they are asked
 * for: the executor asks before it creates any container, so the listing holds only leftovers, and a
 * fresh execution costs no daemon call.
 */
export class LeftoverContainers {
  readonly #docker: Docker;
  readonly #executorID: string;
  #executions: Promise<Set<string>> | undefined;

  constructor(docker: Docker, executorID: string) {
    this.#docker = docker;
    this.#executorID = executorID;
  }

  /** The execution's leftover job container, if any; a later call for the same ID finds none. */
  async take(executionID: string, signal?: AbortSignal): Promise<Docker.ContainerInfo | undefined> {
    this.#executions ??= listExecutorContainers(this.#docker, this.#executorID).then(
      (found) => new Set(found.filter((c) => c.role === 'executor').map((c) => c.executionID)),
      (err: unknown) => {
        this.#executions = undefined;
        throw err;
      },
    );
    const executions = await this.#executions;
    if (!executions.has(executionID)) return undefined;
    const container = await findJobContainer(this.#docker, this.#executorID, executionID, signal);
    executions.delete(executionID);
    return container;
  }
}

/** Removes every container of one execution (its job container and its sandbox, if any). */
export async function removeExecutionContainers(
  docker: Docker,
  executorID: string,
  executionID: string,
): Promise<void> {
  const execution = `${Label.Execution}=${executionLabelValue(executorID, executionID)}`;
  const found = await listByLabels(docker, [execution], undefined);
  await Promise.all(found.map((info) => removeContainer(docker, info.Id)));
}

/** The host PID of a running container's main process. */
export async function runningPid(docker: Docker, id: string): Promise<number> {
  const info = await docker.getContainer(id).inspect();
  if (!info.State.Running || info.State.Pid <= 0) throw new Error(`container ${id} is not running`);
  return info.State.Pid;
}

/** Kills and removes a container; one that is gone (or being removed) already is no error. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true });
  } catch (err) {
    const status = statusCode(err);
    if (status !== 404 && status !== 409) throw daemonError(`removing container ${id}`, err);
  }
}
