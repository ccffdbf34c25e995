/** Resolving where a local input really is, before it is checked against the allow-list. */
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface RealPath {
  /** The path with every symbolic link of its existing part resolved. */
  readonly path: string;
  readonly exists: boolean;
}

/** A path whose last existing component is a symbolic link to nothing: it cannot be mounted or created. */
export class BrokenLinkError extends Error {}

/** A path that was not there, then was, while it was resolved: something renames folders on its way. */
export class ChangingPathError extends Error {}

/**
 * The real path of the absolute `path`, which may not exist yet: then its deepest existing ancestor is
 * resolved and the missing rest appended (the rest holds no links, since it does not exist).
 * @throws BrokenLinkError; ChangingPathError; the file system's error for anything but a missing path
 *   (EACCES, ENOTDIR).
 */
export async function resolveRealPath(path: string): Promise<RealPath> {
  try {
    return { path: await realpath(path), exists: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const info = await lstat(path).catch(() => undefined);
  if (info !== undefined) {
    // something there after all: a link to nothing, unless it leads somewhere now (it was moved meanwhile)
    const leadsNowhere =
      info.isSymbolicLink() &&
      (await realpath(path).then(
        () => false,
        () => true,
      ));
    if (leadsNowhere) throw new BrokenLinkError(`${path} is a broken symbolic link`);
    throw new ChangingPathError(`${path} changed while it was resolved`);
  }
  const parent = dirname(path);
  if (parent === path) throw new Error(`${path} does not exist`);
  const resolved = await resolveRealPath(parent);
  return { path: join(resolved.path, basename(path)), exists: false };
}
