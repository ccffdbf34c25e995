/**
 * Keeps a container's local inputs from being swapped for links while the daemon mounts them.
 *
 * A local input is checked against the allow list as its real path, but the daemon mounts it by name
 * when the container starts, and follows whatever link it meets on the way then. A task that may
 * write to a folder on that way (a running job with a writable local input above it) can swap the
 * input's folder for a link to `/` between the check and the mount, and the new container then gets
 * the host's root (read-write, for a writable input): a race that a task won 2 times in 25 by
 * swapping every 35 ms. So a container with local inputs starts in turn: the running job containers
 * able to write to a folder on its inputs' way are paused (the cgroup freezer: none of their
 * processes runs), its inputs are checked again, it is started, and they go on. They are frozen for as
 * long as the start takes (~100 ms), and only when such a writer runs; other starts do not wait.
 *
 * The writers looked for are every Bacalhau job container on the daemon (a devstack's other nodes
 * share it), wherever their mounts lead now (one this process did not start is paused whatever its
 * mounts), and this process's WASM tasks, whose calls that change names wait meanwhile
 * (local-write-gate.ts). Other node processes' WASM tasks cannot be held from here: a container whose
 * inputs one of them uses is refused (../local-inputs-on-host.ts).
 */
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import { isInsideFolder } from '../../lib/path-inside.js';
import { ChangedInputHint, changedSinceCheck } from '../input-check.js';
import type { LocalInputUse } from '../local-inputs-in-use.js';
import {
  hostInputConflict,
  HostRecordUnavailable,
  recordPauses,
  undoWhatEndedProcessesLeft,
  withHostRecordLocked,
  type ContainerControl,
} from '../local-inputs-on-host.js';
import { withLocalWritesHeld } from '../local-write-gate.js';
import { daemonError, inputError, statusCode } from './errors.js';
import { followedSources } from './followed-mounts.js';
import { Label } from './naming.js';

/**
 * The guarded start under way in this process, if any; the next waits for it. One for every executor
 * of the process: a devstack's nodes share a daemon, and one's guard would otherwise resume a writer
 * in the middle of another's start.
 */
let turn: Promise<unknown> = Promise.resolve();

/** The daemon's answers the host's record needs (../local-inputs-on-host.ts). */
export function containerControl(docker: Docker): ContainerControl {
  return {
    resume: (id) => docker.getContainer(id).unpause(),
    running: (id) =>
      docker
        .getContainer(id)
        .inspect()
        .then(
          (info) => info.State.Running,
          (err: unknown) => {
            if (statusCode(err) === 404) return false;
            throw err;
          },
        ),
  };
}

/** How long a start waits for a writer that something else paused to be resumed, to pause it itself. */
const ForeignPauseWaitMs = 5_000;

export class BindSourceGuard {
  readonly #docker: Docker;

  constructor(docker: Docker) {
    this.#docker = docker;
  }

  /**
   * Runs `start` (the container `containerID`, whose local inputs are `inputs`, real paths checked
   * against the allow list) with nothing able to swap the folders on their way meanwhile.
   * @throws BacalhauError (InputConfigError) when a source no longer leads where it was checked to,
   *   a writer cannot be paused, or another node process's WASM task uses one (see
   *   ../local-inputs-on-host.ts); `start` is then not run
   */
  run<T>(containerID: string, inputs: readonly LocalInputUse[], start: () => Promise<T>): Promise<T> {
    if (inputs.length === 0) return start();
    const sources = inputs.map((input) => input.path);
    // WASM tasks' name changes held (local-write-gate.ts) while Docker writers are paused; the host's
    // other processes' WASM tasks, whose name changes this process cannot hold, must not use the inputs
    const guarded = turn.then(() =>
      withLocalWritesHeld(() =>
        withHostRecordLocked(async () => {
          const foreign = await hostInputConflict('docker', inputs);
          if (foreign !== undefined) throw inputError(foreign.conflict, foreign.hint);
          return this.#withWritersPaused(containerID, sources, start);
        }).catch((err: unknown) => {
          if (err instanceof HostRecordUnavailable) throw inputError(err.message);
          throw err;
        }),
      ),
    );
    turn = guarded.catch(() => undefined);
    return guarded;
  }

  /**
   * `start`, with the writers above `sources` paused and the sources checked again first; what a
   * process killed in the middle of such a start left paused is resumed first. Holding the host lock.
   */
  async #withWritersPaused<T>(
    containerID: string,
    sources: readonly string[],
    start: () => Promise<T>,
  ): Promise<T> {
    await undoWhatEndedProcessesLeft(containerControl(this.#docker));
    const writers = await this.#writers(containerID, sources);
    // recorded before they are paused: another process resumes them should this one be killed meanwhile
    const forgetPauses = await recordPauses(writers);
    const paused: string[] = [];
    try {
      await Promise.all(
        writers.map(async (id) => {
          if (await this.#pause(id)) paused.push(id);
        }),
      );
      for (const source of sources) {
        const changed = await changedSinceCheck(source);
        if (changed !== undefined) throw inputError(changed, ChangedInputHint);
      }
      return await start();
    } finally {
      await Promise.allSettled(paused.map((id) => this.#docker.getContainer(id).unpause()));
      forgetPauses();
    }
  }

  /**
   * The running job containers, but `containerID`, with a writable bind mount above a source's folder:
   * where the daemon says it was made, or where it leads now (a mount follows its folder when another
   * task renames that: followed-mounts.ts). One this process did not start cannot be traced, and is
   * taken for such a writer if it has any writable bind mount.
   */
  async #writers(containerID: string, sources: readonly string[]): Promise<string[]> {
    let running: Docker.ContainerInfo[];
    try {
      // paused ones too: another process's guard resumes the ones it paused, maybe during this start
      running = await this.#docker.listContainers({
        filters: { label: [Label.Execution], status: ['running', 'paused'] },
      });
    } catch (err) {
      throw daemonError('listing the running job containers before mounting local inputs', err);
    }
    const folders = sources.map((source) => dirname(source));
    const above = (path: string): boolean => folders.some((folder) => isInsideFolder(folder, path));
    return running
      .filter((info) => info.Id !== containerID)
      .filter((info) => {
        const binds = info.Mounts.filter((mount) => mount.Type === 'bind' && mount.RW);
        if (binds.length === 0) return false;
        const now = followedSources(info.Id);
        return now === undefined || now.some(above) || binds.some((mount) => above(mount.Source));
      })
      .map((info) => info.Id);
  }

  /**
   * True once paused by this guard; false when it is no longer running (nothing to pause). One paused
   * by someone else (another node's guard, on the same daemon) is waited for, for
   * {@link ForeignPauseWaitMs} at most: its resume is not this guard's to time.
   */
  async #pause(id: string): Promise<boolean> {
    const container = this.#docker.getContainer(id);
    const refused = (why: string): Error =>
      inputError(
        `a local input is below a folder that the running container ${id.slice(0, 12)} may write, ` +
          `and it could not be paused while the input is mounted: ${why}`,
        `Submit the job again; if no node of this host is starting a container with local inputs, ` +
          `resume that one (docker unpause ${id.slice(0, 12)})`,
      );
    for (const waitUntil = Date.now() + ForeignPauseWaitMs; ;) {
      try {
        await container.pause();
        return true;
      } catch (err) {
        const status = statusCode(err);
        if (status === 404) return false; // gone: it writes nothing now
        if (status !== 409) throw refused((err as Error).message);
        const state = await container.inspect().then(
          (info) => info.State,
          () => undefined,
        );
        if (state === undefined || !state.Running) return false; // stopped since it was listed
        if (Date.now() >= waitUntil) throw refused('something else holds it paused');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
}
