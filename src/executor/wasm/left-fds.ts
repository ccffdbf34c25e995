/**
 * The host fds a terminated worker left open. Threads share the process's fd table, and a worker
 * ended by `terminate()` (a task computing in a loop when it was killed) never closes the files its
 * WASI instances opened: each killed task would leak one fd per preopen and per file it held, and a
 * node whose WASM tasks time out often would run out of them.
 *
 * They are found by what they point to (`/proc/self/fd`): what is open in a folder only that task
 * used (its outputs, its file inputs' folders, a folder its inputs' storage made for it alone) is the
 * dead task's. Only such folders are swept, and only once its worker has exited and before anything
 * else of the run (its log, the removal of its folders) touches them. In folders it shares with other
 * tasks (a local input) its fds cannot be told apart from theirs: those are swept once no task uses
 * the folder (shared-folders.ts).
 * One layout defeats this: a node whose `Compute.AllowListedLocalPaths` takes in its own executions
 * folder (`/`, say) lets another task open files in this task's folders, and those would be closed
 * too. Such an allow-list also hands every task the other jobs' results; it is not one to run with.
 */
import { closeSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';

const DeletedSuffix = ' (deleted)';

/** The numbers of the process's open fds (none off Linux). */
export function openFds(): Set<number> {
  try {
    return new Set(readdirSync('/proc/self/fd').map(Number));
  } catch {
    return new Set();
  }
}

/**
 * Closes the fds open on `folders` or anything inside them, except those numbered in `kept`; returns
 * how many.
 */
export function closeFdsLeftIn(folders: readonly string[], kept: ReadonlySet<number> = new Set()): number {
  if (folders.length === 0) return 0;
  const roots = folders.map((folder) => {
    try {
      return realpathSync(folder);
    } catch {
      return folder;
    }
  });
  let closed = 0;
  for (const fd of openFds()) {
    if (kept.has(fd)) continue;
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile (the listing's own fd among them)
    }
    if (target.endsWith(DeletedSuffix)) target = target.slice(0, -DeletedSuffix.length);
    if (!roots.some((root) => target === root || target.startsWith(`${root}/`))) continue;
    try {
      closeSync(fd);
      closed++;
    } catch {
      // gone already
    }
  }
  return closed;
}
