/**
 * What the module sees of the file system: WASI preopened folders (guest path → host folder).
 *
 * - A folder input is preopened at its Target; read-only unless the input is writable.
 * - WASI can only preopen folders, so file inputs are put in a private folder per parent Target
 *   folder, which is preopened there (file-inputs.ts); `release` them once the task has run. The
 *   folder is read-only when all its files are; where read-only and writable files share one, the
 *   read-only ones are copies (a write cannot reach the input) named in `readOnlyNames`, which the
 *   worker refuses to modify.
 * - Each output is preopened at its `Path` (as Docker mounts it) and, unless another output's Path is
 *   there, also at `/<Name>`, where Bacalhau's WASM executor mounts it; so jobs written for either
 *   work. An input at `/<Name>` is refused, as Bacalhau refuses it.
 */
import { join, posix } from 'node:path';
import { isInsideFolder } from '../../lib/path-inside.js';
import { statPath } from '../../lib/quick-fs.js';
import type { ResultPath } from '../../models/result-path.js';
import { ChangedInputHint, changedSinceCheck } from '../input-check.js';
import { claimWasmInputs } from '../local-inputs-on-host.js';
import { resultPathProblem } from '../results.js';
import type { PreparedVolume } from '../types.js';
import { inputConfigError, outputConfigError } from './errors.js';
import { FileInputFolders } from './file-inputs.js';

export interface Preopen {
  guest: string;
  host: string;
  readOnly: boolean;
  /** In a writable folder of file inputs: the names of the read-only ones. */
  readOnlyNames?: string[];
  /**
   * `host` is the real path a local input was checked as: the worker refuses to start should it lead
   * elsewhere by then (a folder on its way swapped for a link by a task that may write there).
   */
  checked?: boolean;
}

export interface Mounts {
  readonly preopens: Preopen[];
  /**
   * The preopened folders no other task uses: its outputs', its file inputs' and its exclusive folder
   * inputs' (see left-fds.ts).
   */
  readonly ownFolders: string[];
  /** The preopened folders other tasks may use too: its folder inputs' but the exclusive ones. */
  readonly sharedFolders: string[];
  /**
   * Once the task has run: writes copied writable inputs back and removes the file inputs' folders.
   * Never rejects; resolves to what could not be written back, if anything, for the task's ErrorMsg.
   */
  release(): Promise<string | undefined>;
}

interface MountOptions {
  inputs: readonly PreparedVolume[];
  outputs: readonly ResultPath[];
  resultsDir: string;
  /** Private folder of the execution that exists already: file inputs get their folders in it. */
  scratchDir: string;
}

/**
 * The task's mounts; its local inputs are claimed until they are released (local-inputs-in-use.ts,
 * and local-inputs-on-host.ts for the host's other node processes): refused while another running
 * task may write where they are, or write where it reads.
 */
export async function prepareMounts(options: MountOptions): Promise<Mounts> {
  const local = options.inputs
    .filter((input) => input.exclusive !== true)
    .map((input) => ({ path: input.source, writable: !input.readOnly }));
  const claimed = await claimWasmInputs(local);
  if ('conflict' in claimed) throw inputConfigError(claimed.conflict, claimed.hint);
  try {
    const mounts = await mountsOf(options);
    return {
      ...mounts,
      release: () => mounts.release().finally(claimed.release),
    };
  } catch (err) {
    claimed.release();
    throw err;
  }
}

async function mountsOf(options: MountOptions): Promise<Mounts> {
  const mounts = new Map<string, Preopen>();
  const add = (mount: Preopen, conflict: (existing: Preopen) => Error): void => {
    const existing = mounts.get(mount.guest);
    if (existing !== undefined) throw conflict(existing);
    mounts.set(mount.guest, mount);
  };

  const fileGroups = new Map<string, { files: [PreparedVolume, string][]; readOnly: boolean }>();
  const ownFolders: string[] = [];
  const sharedFolders: string[] = [];
  for (const input of options.inputs) {
    const guest = posix.resolve('/', input.target);
    const info = await statPath(input.source).catch(() => undefined);
    if (info === undefined)
      throw inputConfigError(`input source ${JSON.stringify(input.source)} does not exist`);
    if (info.isDirectory()) {
      const checked = input.exclusive !== true;
      const changed = checked ? await changedSinceCheck(input.source) : undefined;
      if (changed !== undefined) throw inputConfigError(changed, ChangedInputHint);
      add({ guest, host: input.source, readOnly: input.readOnly, ...(checked && { checked }) }, () =>
        inputConfigError(`two inputs have the target ${JSON.stringify(guest)}`),
      );
      (input.exclusive === true ? ownFolders : sharedFolders).push(input.source);
      continue;
    }
    const parent = posix.dirname(guest);
    const name = posix.basename(guest);
    const group = fileGroups.get(parent) ?? { files: [], readOnly: true };
    // Targets written differently (`/data//x.txt`, or a download's file name under its Target) can
    // still meet: the second file would be copied over the first, a read-only input's own file.
    if (group.files.some(([, taken]) => taken === name))
      throw inputConfigError(`two inputs have the target ${JSON.stringify(guest)}`);
    group.files.push([input, name]);
    group.readOnly &&= input.readOnly;
    fileGroups.set(parent, group);
  }

  const fileInputs = new FileInputFolders(options.scratchDir);
  try {
    for (const [parent, group] of fileGroups) {
      const readOnlyNames = group.readOnly ? [] : group.files.filter(([i]) => i.readOnly).map(([, n]) => n);
      // a hard link would let the task write through the writable folder to a read-only input
      const host = await fileInputs.add(group.files, { copyReadOnly: readOnlyNames.length > 0 });
      ownFolders.push(host);
      const mount = { guest: parent, host, readOnly: group.readOnly };
      add(readOnlyNames.length === 0 ? mount : { ...mount, readOnlyNames }, (existing) =>
        inputConfigError(
          `the file inputs in ${JSON.stringify(parent)} would hide the input mounted at ${JSON.stringify(existing.guest)}`,
        ),
      );
    }
    for (const output of options.outputs) {
      const problem = resultPathProblem(output);
      if (problem !== undefined) throw outputConfigError(problem);
      const host = join(options.resultsDir, output.Name);
      ownFolders.push(host);
      const guest = posix.resolve(output.Path);
      add({ guest, host, readOnly: false }, () =>
        outputConfigError(
          `result path ${JSON.stringify(output.Path)} is also the target of an input or output`,
        ),
      );
    }
    // Each output also at /<Name>, where nothing else is: after every Path, so that an alias never takes
    // a later output's Path and the order of the outputs changes nothing. An input there is refused, as
    // Bacalhau refuses it ("already mounted"): a task written for its layout would write into the input.
    const outputPaths = new Set(options.outputs.map((output) => posix.resolve(output.Path)));
    const inputs = [...mounts.keys()].filter((guest) => !outputPaths.has(guest));
    for (const output of options.outputs) {
      const alias = posix.resolve('/', output.Name);
      // an input at /<Name> or under it: Bacalhau's mount table has /<Name> already
      const input = inputs.find((guest) => isInsideFolder(guest, alias));
      if (input !== undefined) {
        throw outputConfigError(
          `result path ${JSON.stringify(output.Name)} is mounted at ${alias} too, where Bacalhau mounts a ` +
            `WASM task's results, and an input is mounted at ${input}: give the result path another Name`,
        );
      }
      if (!mounts.has(alias)) {
        mounts.set(alias, { guest: alias, host: join(options.resultsDir, output.Name), readOnly: false });
      }
    }
  } catch (err) {
    await fileInputs.release();
    throw err;
  }
  return {
    preopens: [...mounts.values()],
    ownFolders,
    sharedFolders,
    release: () => fileInputs.release(),
  };
}
