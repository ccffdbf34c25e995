/**
 * Where the writable bind mounts of the containers this process started lead now.
 *
 * The daemon reports a bind mount's source as the path it had when the container was made, but a
 * mount follows its folder: a task with a writable mount above it can rename that folder (or one
 * above it), and the daemon's path then names another folder or none, while the container still
 * writes to the folder, wherever it went. So each such folder is held open here (O_PATH: no access
 * to its content) from its container's start, and the kernel names the path it has now
 * (/proc/self/fd/N). The container's own table of mounts cannot serve: a task can `chroot` to hide
 * its mounts from it, or show another of its mounts in the place of one.
 *
 * A container this process did not start (taken up again after a restart, or another process's) is
 * not known here: bind-guard.ts and local-inputs-in-use.ts assume the worst of it.
 */
import { closeSync, fstatSync, openSync, readlinkSync } from 'node:fs';

/** Linux's O_PATH (the same on every architecture Node runs on); Node does not name it. */
const OpenPath = 0o10000000;

class FollowedFolders {
  readonly #fds: number[] = [];

  constructor(paths: readonly string[]) {
    try {
      for (const path of paths) this.#fds.push(openSync(path, OpenPath));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * The paths the folders have now (none for one since removed); undefined when one cannot be told (a
   * task can move a folder so deep that its path is longer than the kernel names).
   */
  paths(): string[] | undefined {
    try {
      return this.#fds.flatMap((fd) =>
        fstatSync(fd).nlink === 0 ? [] : [readlinkSync(`/proc/self/fd/${fd}`)],
      );
    } catch {
      return undefined;
    }
  }

  close(): void {
    for (const fd of this.#fds.splice(0)) closeSync(fd);
  }
}

/** Container ID → its writable bind mounts' folders, held from its start until it is removed. */
const followed = new Map<string, FollowedFolders>();

/**
 * Holds the folders of the container `containerID`'s writable bind mounts, `sources` (as mounted:
 * call it once the container started, with nothing able to move them since they were checked), and
 * returns how to ask where they are now.
 * @throws when a source cannot be opened (it is no longer there)
 */
export function followMounts(containerID: string, sources: readonly string[]): () => string[] | undefined {
  forgetMounts(containerID);
  const folders = new FollowedFolders(sources);
  followed.set(containerID, folders);
  return () => folders.paths();
}

/**
 * Where the writable bind mounts of `containerID` lead now; undefined for a container not followed, or
 * one whose folders' paths cannot be told.
 */
export function followedSources(containerID: string): string[] | undefined {
  return followed.get(containerID)?.paths();
}

/** The container is gone: its folders are let go. */
export function forgetMounts(containerID: string): void {
  followed.get(containerID)?.close();
  followed.delete(containerID);
}
