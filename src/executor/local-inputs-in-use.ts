/**
 * The local inputs this process's running tasks use where another task could race them, and the
 * refusal of a task that would race one.
 *
 * A WASM task reads its inputs by name for as long as it runs: node:wasi opens each path anew, after
 * the path guard checked where it leads (wasm/path-guard.ts). A Docker task with a writable local input
 * can put any link in it, and swap one in for a folder between such a check and its open: the WASM
 * task then reads or writes whatever the link leads to on the host. So a WASM task's local input and a
 * Docker task's writable one do not overlap at once on this node: the later of the two is refused.
 * (A Docker task's inputs are mounted once, when its container starts: docker/bind-guard.ts.)
 */
import { isInsideFolder } from '../lib/path-inside.js';

export type InputUser = 'docker' | 'wasm';

interface Use {
  user: InputUser;
  /** Real paths: a Docker task's writable local inputs, or a WASM task's local inputs. */
  paths: readonly string[];
}

const inUse = new Map<symbol, Use>();

const overlap = (a: string, b: string): boolean => isInsideFolder(a, b) || isInsideFolder(b, a);

/**
 * Records `paths` as used by a task of `user`'s kind until the returned release is called; or, when a
 * running task of the other kind uses a path that overlaps one of them, the conflict in words.
 */
export function claimLocalInputs(
  user: InputUser,
  paths: readonly string[],
): { release: () => void } | { conflict: string } {
  if (paths.length === 0) return { release: () => undefined };
  for (const use of inUse.values()) {
    if (use.user === user) continue;
    for (const path of paths) {
      const other = use.paths.find((p) => overlap(p, path));
      if (other === undefined) continue;
      const [docker, wasm] = user === 'docker' ? [path, other] : [other, path];
      return {
        conflict:
          `the writable local input ${JSON.stringify(docker)} of a Docker task and the local input ` +
          `${JSON.stringify(wasm)} of a WASM task overlap, and one of them runs on this node: a WASM ` +
          'task reads its inputs by name as it runs, and the Docker task could swap a folder of it for a ' +
          'link meanwhile; the later is refused until the other ends',
      };
    }
  }
  const key = Symbol(user);
  inUse.set(key, { user, paths });
  return { release: () => void inUse.delete(key) };
}
