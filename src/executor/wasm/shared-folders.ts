/**
 * The host fds a terminated worker left open in folders other tasks use too (a `local` input's
 * folder). What any task has open there looks the same in `/proc/self/fd`, so they cannot be closed
 * when the worker ends (left-fds.ts closes only what is in a task's own folders): a folder is swept
 * once no task uses it any more, and only if a worker that used it may have left fds there. An fd
 * open before its first task began is kept (the node's own files, should the folder hold any): its
 * number only, which costs a task ~0.07 ms where reading what each fd is open on took ~0.6 ms; a
 * number closed and taken again meanwhile is kept too, which only leaves one fd open.
 *
 * A folder that holds the node's executions (a `Compute.AllowListedLocalPaths` taking in the data
 * dir) is never swept: the node opens files there all the time. Folders in continuous use are swept
 * only once they fall idle; until then a killed task's fds there stay open.
 */
import { realpathSync } from 'node:fs';
import { closeFdsLeftIn, openFds } from './left-fds.js';

interface SharedFolder {
  /** Tasks using it now. */
  users: number;
  /** The fds open before the first of them began. */
  before: ReadonlySet<number>;
  /** A worker that used it may have left fds there. */
  leftOpen: boolean;
}

/**
 * Ends a task's use of its shared folders, once its worker is gone or given back; `leftOpen`: its
 * worker may have left fds there (it was terminated, or its preopens could not all be opened).
 */
export type LeaveSharedFolders = (leftOpen: boolean) => void;

/** One per process: the fd table is the process's, whichever executor a task ran on. */
class SharedFolders {
  readonly #folders = new Map<string, SharedFolder>();

  /**
   * A task begins to use `folders`; `nodePath` is one of the node's own (the task's results folder):
   * a folder that holds it is left alone.
   */
  enter(folders: readonly string[], nodePath: string): LeaveSharedFolders {
    if (folders.length === 0) return () => undefined;
    const node = realPath(nodePath);
    const used = [...new Set(folders.map(realPath))].filter((folder) => !contains(folder, node));
    for (const folder of used) {
      const shared = this.#folders.get(folder);
      if (shared !== undefined) shared.users++;
      else this.#folders.set(folder, { users: 1, before: openFds(), leftOpen: false });
    }
    let left = false;
    return (leftOpen) => {
      if (left) return;
      left = true;
      for (const folder of used) this.#leave(folder, leftOpen);
    };
  }

  #leave(folder: string, leftOpen: boolean): void {
    const shared = this.#folders.get(folder);
    if (shared === undefined) return;
    shared.leftOpen ||= leftOpen;
    if (--shared.users > 0) return;
    this.#folders.delete(folder);
    if (shared.leftOpen) closeFdsLeftIn([folder], shared.before);
  }
}

export const sharedFolders = new SharedFolders();

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function contains(folder: string, path: string): boolean {
  return path === folder || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}
