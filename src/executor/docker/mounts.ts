/**
 * What the container sees of the node's files (Go `makeContainerMounts`): each prepared input as a bind
 * mount at its Target, read-only unless the input is writable; each ResultPath as a writable bind of
 * `resultsDir/<Name>` at its Path (the folder is created: Docker refuses to bind a missing one).
 * Checked before anything runs, so a bad task fails `start` with the field at fault rather than with
 * the daemon's message. The daemon's own socket is never mounted, nor a folder that holds it: a task
 * holding it would control every container on the node.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type Docker from 'dockerode';
import { isInsideFolder } from '../../lib/path-inside.js';
import type { ResultPath } from '../../models/result-path.js';
import { ChangedInputHint, changedAfterCheck } from '../input-check.js';
import { resultPathProblem } from '../results.js';
import type { LocalInputUse } from '../local-inputs-in-use.js';
import type { PreparedVolume } from '../types.js';
import { inputError, outputError } from './errors.js';

export async function containerMounts(options: {
  inputs: readonly PreparedVolume[];
  outputs: readonly ResultPath[];
  resultsDir: string;
  /** The real path (symlinks resolved) of the daemon's unix socket when it runs on this host. */
  daemonSocket: string | undefined;
}): Promise<Docker.MountSettings[]> {
  const socket = options.daemonSocket;
  const mounts: Docker.MountSettings[] = [];
  const targets = new Set<string>();
  const claim = (target: string, conflict: () => Error): void => {
    if (targets.has(target)) throw conflict();
    targets.add(target);
  };

  for (const input of options.inputs) {
    if (!input.target.startsWith('/')) {
      throw inputError(`input target ${JSON.stringify(input.target)} must be an absolute path`);
    }
    const source = await realpath(input.source).catch(() => undefined);
    if (source === undefined) {
      throw inputError(`input source ${JSON.stringify(input.source)} does not exist`);
    }
    // A local input was checked against the allow-list as the real path it then had. Should a folder
    // on the way have been swapped for a link since (by a task writing to a parent folder), the daemon
    // would follow it: refused here, and once more as the container starts (bind-guard.ts).
    if (input.exclusive !== true && source !== input.source) {
      throw inputError(changedAfterCheck(input.source, source), ChangedInputHint);
    }
    if (socket !== undefined && isInsideFolder(socket, source)) {
      throw inputError(
        source === socket
          ? `input source ${JSON.stringify(input.source)} is the Docker daemon's socket`
          : `input source ${JSON.stringify(input.source)} holds the Docker daemon's socket (${socket})`,
      );
    }
    const target = posix.resolve(input.target);
    claim(target, () => inputError(`two inputs have the target ${JSON.stringify(target)}`));
    mounts.push({ Type: 'bind', Source: source, Target: target, ReadOnly: input.readOnly });
  }

  for (const output of options.outputs) {
    const problem = resultPathProblem(output);
    if (problem !== undefined) throw outputError(problem);
    const target = posix.resolve(output.Path);
    claim(target, () =>
      outputError(`result path ${JSON.stringify(output.Path)} is also the target of an input or output`),
    );
    mounts.push({
      Type: 'bind',
      Source: join(options.resultsDir, output.Name),
      Target: target,
      ReadOnly: false,
    });
  }
  // only once everything checked out: a refused task leaves nothing behind
  const outputFolders = mounts.slice(options.inputs.length).map((m) => m.Source);
  await Promise.all(outputFolders.map((folder) => mkdir(folder, { recursive: true })));
  return mounts;
}

/**
 * The local inputs (those not made for the execution alone) among `mounts`, which
 * {@link containerMounts} made of `inputs`, in their order: their real paths, and whether the task may
 * write there. What bind-guard.ts keeps unchanged, and what local-inputs-in-use.ts keeps apart from
 * WASM tasks' inputs.
 */
export function localInputUses(
  inputs: readonly PreparedVolume[],
  mounts: readonly Docker.MountSettings[],
): LocalInputUse[] {
  return inputs.flatMap((input, i) => {
    const source = mounts[i]?.Source;
    return input.exclusive !== true && source !== undefined
      ? [{ path: source, writable: !input.readOnly }]
      : [];
  });
}

/** The real paths of the writable ones among {@link localInputUses}. */
export function writableLocalSources(
  inputs: readonly PreparedVolume[],
  mounts: readonly Docker.MountSettings[],
): string[] {
  return localInputUses(inputs, mounts).flatMap((use) => (use.writable ? [use.path] : []));
}
