/**
 * WASI can only preopen folders, so a module's file inputs are put in private folders, one per parent
 * Target folder, which are preopened in their place. Each input is hard-linked there (the same file:
 * what the task writes to a writable input is written to it), or copied when it cannot be (another file
 * system, or no hard links allowed); a copied writable input is written back once the task has run.
 *
 * The folders are removed at release: kept, a link to (or a copy of) every input would hold its disk
 * space as long as the folder they are in (a 300 MB download stayed for the hour an execution's logs
 * are kept, although its own folder had been removed). What a crashed process left of them is removed
 * with the execution's inputs, or replaced when the task runs again (a service or daemon's).
 *
 * A local input is taken from the file its checked path names once opened, and a copy is written back
 * to that same file only: another task that may write beside it could swap it, or a folder on its way,
 * for a link meanwhile.
 */
import { constants, createWriteStream } from 'node:fs';
import { copyFile, open, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { backgroundLater } from '../../lib/background-work.js';
import { hardLink, makeFolder, takeSpareFolder } from '../../lib/quick-fs.js';
import { errorMessage } from '../../models/bacerrors.js';
import { ChangedInputHint, changedSinceCheck } from '../input-check.js';
import type { PreparedVolume } from '../types.js';
import { inputConfigError } from './errors.js';

/** A writable file input that had to be copied: what the task wrote goes back to `source` afterwards. */
interface CopiedInput {
  readonly source: string;
  readonly copy: string;
  readonly target: string;
  /** The file it was copied from: only that one is written to (see writeBack). */
  readonly identity: FileIdentity;
}

interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * An empty folder that the execution's folder may hold, made ahead of time (compute/paths.ts): the
 * first folder of file inputs is this one renamed, where there is one.
 */
export const SpareFileInputsFolderName = 'spare-file-inputs';

/**
 * Folders released and not yet removed, by path: a new folder of the same name (the same execution
 * run again in this process) waits for that removal, which would otherwise take it.
 */
const removing = new Map<string, Promise<void>>();

/**
 * Settles once every folder released so far in this process is removed (not those released meanwhile:
 * other nodes of the process, a devstack's, go on): an executor's stop waits for it, so the folders of
 * tasks that ended just before a node's stop do not outlive the process. Never rejects.
 */
export async function releasedFoldersRemoved(): Promise<void> {
  await Promise.all(removing.values());
}

export class FileInputFolders {
  readonly #parentDir: string;
  readonly #folders: InputFolder[] = [];
  readonly #copied: CopiedInput[] = [];

  /** `parentDir`: a private folder of the execution that exists already. */
  constructor(parentDir: string) {
    this.#parentDir = parentDir;
  }

  /**
   * A new folder holding `files` (each under its name), to be preopened where they belong. Named
   * `wasm-file-inputs-<n>` directly in the parent folder: on this kind of disk every mkdir costs
   * ~0.1–0.9 ms, which the spare saves the first one. With `copyReadOnly`, read-only inputs are
   * copied rather than linked: for a folder the task may write in, where a link would be a way to
   * write to the input.
   */
  async add(
    files: readonly (readonly [PreparedVolume, string])[],
    options: { copyReadOnly?: boolean } = {},
  ): Promise<string> {
    const folder = join(this.#parentDir, `wasm-file-inputs-${this.#folders.length}`);
    const spare = join(this.#parentDir, SpareFileInputsFolderName);
    const earlier = removing.get(folder);
    if (earlier !== undefined) await earlier;
    // there already: left by a run of this task that its crashed process did not release
    if (!takeSpareFolder(spare, folder) && (await makeFolder(folder)) === undefined) {
      await rm(folder, { recursive: true, force: true });
      await makeFolder(folder);
    }
    const entry: InputFolder = { folder, linked: [], copies: false };
    this.#folders.push(entry);
    for (const [input, name] of files) {
      const copy = join(folder, name);
      if (input.exclusive !== true) {
        await this.#placeLocal(entry, input, name, options.copyReadOnly === true);
        continue;
      }
      if (input.readOnly && options.copyReadOnly === true) {
        await copyFile(input.source, copy, constants.COPYFILE_EXCL);
        entry.copies = true;
      } else if (await linkOrCopy(input.source, copy)) entry.linked.push(name);
      else {
        entry.copies = true;
        // the execution's own file: nothing else writes to its folder
        const identity = input.readOnly ? undefined : await stat(input.source);
        if (identity) this.#copied.push({ source: input.source, copy, target: input.target, identity });
      }
    }
    return folder;
  }

  /**
   * A local input, linked or copied into `entry`'s folder as `name` from the file its checked path
   * names now: opened first, and taken only if it is still there (a task that may write to a folder on
   * the input's way could swap that folder for a link to elsewhere meanwhile).
   */
  async #placeLocal(
    entry: InputFolder,
    input: PreparedVolume,
    name: string,
    copyReadOnly: boolean,
  ): Promise<void> {
    const copy = join(entry.folder, name);
    const handle = await openChecked(input.source);
    try {
      const identity = await handle.stat();
      if (!(input.readOnly && copyReadOnly) && (await tryHardLink(input.source, copy))) {
        const linked = await stat(copy);
        if (linked.ino === identity.ino && linked.dev === identity.dev) {
          entry.linked.push(name);
          return;
        }
        await rm(copy, { force: true });
        throw inputConfigError(`input source ${JSON.stringify(input.source)} changed after it was checked`);
      }
      await pipeline(
        handle.createReadStream({ autoClose: false, start: 0 }),
        createWriteStream(copy, { flags: 'wx' }),
      );
      entry.copies = true;
      if (!input.readOnly) {
        this.#copied.push({ source: input.source, copy, target: input.target, identity });
      }
    } finally {
      await handle.close();
    }
  }

  /**
   * Writes copied writable inputs back, and has the folders removed after the task's result
   * ({@link releasedFoldersRemoved}; lib/background-work.ts): a folder's removal is ~0.1–0.4 ms of disk work on this
   * kind of machine. Never rejects; resolves to what could not be written back, if anything, which
   * fails the task.
   */
  async release(): Promise<string | undefined> {
    const failures: string[] = [];
    for (const { source, copy, target, identity } of this.#copied.splice(0)) {
      await writeBack(copy, source, identity).catch((err: unknown) =>
        failures.push(
          `the task's changes to input ${target} could not be written to ${source}: ${errorMessage(err)}`,
        ),
      );
    }
    const later = backgroundLater();
    for (const entry of this.#folders.splice(0)) {
      const removal = later.then(() => removeFolder(entry));
      removing.set(entry.folder, removal);
      void removal.finally(() => {
        if (removing.get(entry.folder) === removal) removing.delete(entry.folder);
      });
    }
    return failures.length === 0 ? undefined : failures.join('; ');
  }
}

/** A folder of file inputs: the names hard-linked into it, and whether any input had to be copied. */
interface InputFolder {
  readonly folder: string;
  readonly linked: string[];
  copies: boolean;
}

/**
 * Removes a folder of inputs: its hard links, then the folder, when it holds only those (nearly every
 * run: `rm` would read the folder and look at each entry first; a link frees no data), else through
 * `rm`: a copy may be gigabytes to free, and the task may have changed what is there. One that cannot
 * be removed goes with the execution's folder later.
 */
async function removeFolder({ folder, linked, copies }: InputFolder): Promise<void> {
  if (!copies) {
    try {
      await Promise.all(linked.map((name) => unlink(join(folder, name))));
      await rmdir(folder);
      return;
    } catch {
      // the task changed what is in it
    }
  }
  await rm(folder, { recursive: true, force: true }).catch(() => undefined);
}

/** Why a hard link can fail where a copy works: another file system, or no links allowed there. */
const CopyInstead = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);

/** True when linked, false when copied. Never replaces what is at `destination`. */
async function linkOrCopy(source: string, destination: string): Promise<boolean> {
  if (await tryHardLink(source, destination)) return true;
  await copyFile(source, destination, constants.COPYFILE_EXCL);
  return false;
}

/** True when linked, false when only a copy can be made there. */
async function tryHardLink(source: string, destination: string): Promise<boolean> {
  try {
    await hardLink(source, destination);
    return true;
  } catch (err) {
    if (!CopyInstead.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    return false;
  }
}

/** The file at a local input's checked real path, opened, if that path still names it. */
async function openChecked(source: string): Promise<FileHandle> {
  const handle = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const [opened, named, changed] = await Promise.all([
      handle.stat(),
      stat(source),
      changedSinceCheck(source),
    ]);
    if (changed !== undefined) throw inputConfigError(changed, ChangedInputHint);
    if (opened.ino !== named.ino || opened.dev !== named.dev) {
      throw inputConfigError(`input source ${JSON.stringify(source)} changed after it was checked`);
    }
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Writes what the task left in its copy of a writable input back to the input. The task may have put
 * a symbolic link in the copy's place (its path checks cover where a link is made, not where it
 * points): the copy is opened without following one, and only a regular file is written back, by its
 * content alone (a copy would also give the input the mode the task left on its copy).
 */
async function writeBack(copy: string, source: string, identity: FileIdentity): Promise<void> {
  const handle = await open(copy, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new Error('the task replaced it with a link');
    throw err;
  });
  try {
    if (!(await handle.stat()).isFile()) throw new Error('the task replaced it with something not a file');
    // into the file it was copied from, not whatever the path names now (another task may have put a
    // link there, or on the way to it)
    const input = await open(source, constants.O_WRONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new Error('it was replaced with a link');
      throw err;
    });
    try {
      const now = await input.stat();
      if (now.ino !== identity.ino || now.dev !== identity.dev) throw new Error('it was replaced meanwhile');
      await input.truncate(0);
      let position = 0;
      for await (const chunk of handle.createReadStream({ autoClose: false })) {
        const bytes = chunk as Buffer;
        for (let done = 0; done < bytes.length;) {
          const { bytesWritten } = await input.write(bytes, done, bytes.length - done, position);
          done += bytesWritten;
          position += bytesWritten;
        }
      }
    } finally {
      await input.close();
    }
  } finally {
    await handle.close();
  }
}
