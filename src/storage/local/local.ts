/**
 * `local` inputs (Go's `pkg/storage/local`): a host path mounted in place, if the compute node's
 * `Compute.AllowListedLocalPaths` allows it. Writable only with `ReadWrite` and an `:rw` entry; a
 * missing path is created (`CreateAs` dir or file) only for writable inputs.
 *
 * The path is resolved to its real path before it is checked and is mounted as resolved, so `..` and
 * symbolic links cannot reach outside the allow-list; a refusal of a path outside it, as written, says
 * nothing of what is there. Nothing is copied, so nothing is cleaned up: data
 * the job writes, and paths created for it, stay.
 */
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, type InputSource } from '../../models/index.js';
import { ioError, throwIfAborted } from '../errors.js';
import { paramError } from '../../models/sources/errors.js';
import type { IoOptions, Storage, StorageVolume } from '../types.js';
import {
  AllowListKey,
  checkAllowList,
  linkLeadsOutOfList,
  listedAsGiven,
  loadAllowList,
  type AllowedPath,
} from './allow-list.js';
import { BrokenLinkError, ChangingPathError, resolveRealPath, type RealPath } from './real-path.js';
import { decodeLocalSource, mayCreate, type LocalSource } from '../../models/sources/local.js';
import { makeFolder } from '../../lib/quick-fs.js';

export interface LocalStorageOptions {
  /** `Compute.AllowListedLocalPaths`. Empty: local inputs are not installed. */
  allowListedLocalPaths: readonly string[];
}

export class LocalStorage implements Storage {
  private constructor(private readonly allowList: readonly AllowedPath[]) {}

  /** @throws ConfigurationError naming the allow-list entry that is not an absolute path or glob. */
  static async create(options: LocalStorageOptions): Promise<LocalStorage> {
    return new LocalStorage(await loadAllowList(options.allowListedLocalPaths));
  }

  isInstalled(): Promise<boolean> {
    return Promise.resolve(this.allowList.length > 0);
  }

  /** Present (or creatable) and allowed. */
  async hasStorageLocally(input: InputSource): Promise<boolean> {
    const source = decodeLocalSource(input);
    try {
      const real = await this.#allowed(source);
      return real.exists || mayCreate(source);
    } catch {
      return false;
    }
  }

  /** Always 0 for an allowed input: the data is already here and is not copied. */
  async getVolumeSize(input: InputSource, options: IoOptions = {}): Promise<number> {
    throwIfAborted(options.signal, 'checking a local input');
    const source = decodeLocalSource(input);
    const real = await this.#allowed(source);
    if (!real.exists && !mayCreate(source)) throw missing(source);
    return 0;
  }

  async prepareStorage(
    _directory: string,
    input: InputSource,
    options: IoOptions = {},
  ): Promise<StorageVolume> {
    throwIfAborted(options.signal, 'preparing a local input');
    const source = decodeLocalSource(input);
    const real = await this.#allowed(source);
    if (!real.exists) await create(source, real.path);
    return { source: real.path, target: input.Target, readOnly: !source.readWrite };
  }

  /** Nothing was copied; what the job wrote, and what was created for it, stays (as in Go). */
  cleanupStorage(): Promise<void> {
    return Promise.resolve();
  }

  async #allowed(source: LocalSource): Promise<RealPath> {
    // A path outside the list, as written, is refused without a word on what the host holds there
    // (a link's target, whether it exists or can be read): job submitters could map the node with it.
    const mayDescribe = listedAsGiven(this.allowList, source.sourcePath);
    const real = await resolve(source.sourcePath).catch(async (err: unknown) => {
      if (!mayDescribe) throw notListed(source.sourcePath);
      // a link planted in a listed folder may lead where the failure would say what is there
      throw (await linkLeadsOutOfList(this.allowList, source.sourcePath))
        ? linkLeadsOut(source.sourcePath)
        : err;
    });
    const verdict = checkAllowList(this.allowList, real.path, source.readWrite);
    // where the path leads is said only of a path listed as written (see above)
    const shown =
      real.path === source.sourcePath || !mayDescribe
        ? source.sourcePath
        : `${source.sourcePath} (really ${real.path})`;
    if (verdict === 'read-only') {
      throw paramError('ReadWrite', `${shown} may only be mounted read-only on this node`, {
        code: ErrorCode.ConfigurationError,
        hint: `Set ReadWrite to false, or allow writes with an entry ending in ":rw" in ${AllowListKey} on the compute node.`,
      });
    }
    if (verdict === 'not-listed') {
      // where a link leads is said only where the list allows it: a job that may write a listed
      // folder could plant links there to learn where others lead (/proc/self/cwd)
      throw mayDescribe ? linkLeadsOut(source.sourcePath) : notListed(source.sourcePath);
    }
    return real;
  }
}

/** A path the list allows as written, whose real path it does not: a link on its way leads out. */
function linkLeadsOut(path: string): Error {
  return paramError(
    'SourcePath',
    `${path} leads, through a symbolic link, outside this node's ${AllowListKey}`,
    {
      code: ErrorCode.ConfigurationError,
      hint: 'Give a path with no link on its way leading out of the list: links are followed, and where they lead must be allowed too.',
    },
  );
}

/** `path` refused; the hint suggests an entry listing it. */
function notListed(path: string): Error {
  // the folder's glob, unless the folder is the root: "/**" would allow everything
  const folder = dirname(path);
  const entries = folder === '/' ? `"${path}"` : `"${path}", or a glob such as "${folder}/**",`;
  return paramError('SourcePath', `${path} is not allowed by this node's ${AllowListKey}`, {
    code: ErrorCode.ConfigurationError,
    hint: `Add ${entries} to ${AllowListKey} in the compute node's config (append ":rw" to allow writes), or use a path it allows.`,
  });
}

async function resolve(sourcePath: string): Promise<RealPath> {
  try {
    return await resolveRealPath(sourcePath);
  } catch (err) {
    const problem =
      err instanceof BrokenLinkError
        ? 'is a symbolic link to nothing'
        : err instanceof ChangingPathError
          ? 'changed while it was checked (a running job may be renaming folders on its way): submit the job again'
          : `cannot be accessed (${(err as Error).message})`;
    throw paramError('SourcePath', `${sourcePath} ${problem}`, {
      code: ErrorCode.NotFound,
      hint: 'Give a path that exists on the compute node, or let the job create it with ReadWrite and CreateAs.',
    });
  }
}

function missing(source: LocalSource): Error {
  const fix = source.readWrite
    ? 'set CreateAs to "dir" or "file"'
    : 'set ReadWrite to true and CreateAs to "dir" or "file"';
  return paramError('SourcePath', `${source.sourcePath} does not exist on this node`, {
    code: ErrorCode.NotFound,
    hint: `Create it on the compute node, or ${fix} so that it is created for the job.`,
  });
}

/** Creates a missing path the way Go does: owner-only permissions, parents as needed. */
async function create(source: LocalSource, path: string): Promise<void> {
  if (!mayCreate(source)) throw missing(source);
  if (source.createAs === 'file' && source.sourcePath.endsWith('/')) {
    throw paramError('CreateAs', `${source.sourcePath} names a directory but CreateAs is "file"`, {
      hint: 'Point SourcePath at a file, or set CreateAs to "dir".',
    });
  }
  try {
    if (source.createAs === 'dir') {
      await makeFolder(path, 0o700);
      return;
    }
    await makeFolder(dirname(path), 0o700);
    await (await open(path, 'wx', 0o700)).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return; // a concurrent preparation made it

    throw ioError(`cannot create ${source.sourcePath}`, err);
  }
}
