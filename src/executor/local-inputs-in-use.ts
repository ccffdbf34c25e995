/**
 * The local inputs this process's running tasks use where another task could race them, and the
 * refusal of a task that would race one.
 *
 * A WASM task reads its inputs by name for as long as it runs: node:wasi opens each path anew, after
 * the path guard checked where it leads (wasm/path-guard.ts). A task that may change names where it
 * reads (a Docker task with a writable local input, which can put any link there; a WASM task with a
 * writable one, which can move a link it finds there) can swap a link in for a folder between such a
 * check and its open: the WASM task then reads or writes whatever the link leads to on the host. So a
 * WASM task's local input does not overlap a writable one of another running task: the later of the
 * two is refused. (A Docker task's inputs are mounted once, when its container starts:
 * docker/bind-guard.ts; Docker tasks may share folders.)
 */
import { isInsideFolder } from '../lib/path-inside.js';

export type InputUser = 'docker' | 'wasm';

/** A local input's real path, and whether the task may write there. */
export interface LocalInputUse {
  path: string;
  writable: boolean;
}

interface Use {
  user: InputUser;
  inputs: readonly LocalInputUse[];
}

const inUse = new Map<symbol, Use>();

const overlap = (a: string, b: string): boolean => isInsideFolder(a, b) || isInsideFolder(b, a);

/** Whether `a`, used by a task of `aUser`'s kind, and `b` of another task, may not be used at once. */
function races(aUser: InputUser, a: LocalInputUse, bUser: InputUser, b: LocalInputUse): boolean {
  if (aUser === 'docker' && bUser === 'docker') return false;
  return (a.writable || b.writable) && overlap(a.path, b.path);
}

const described = (user: InputUser, input: LocalInputUse): string =>
  `the ${input.writable ? 'writable ' : ''}local input ${JSON.stringify(input.path)} of a ${user === 'docker' ? 'Docker' : 'WASM'} task`;

/**
 * Records `inputs` (only those that matter: a Docker task's writable local inputs, a WASM task's local
 * inputs) as used by a task of `user`'s kind until the returned release is called; or, when a running
 * task uses one that races one of them, the conflict in words.
 */
export function claimLocalInputs(
  user: InputUser,
  inputs: readonly LocalInputUse[],
): { release: () => void } | { conflict: string } {
  if (inputs.length === 0) return { release: () => undefined };
  for (const use of inUse.values()) {
    for (const input of inputs) {
      const other = use.inputs.find((o) => races(user, input, use.user, o));
      if (other === undefined) continue;
      return {
        conflict:
          `${described(user, input)} and ${described(use.user, other)} overlap, and the other runs on this ` +
          'node: a WASM task reads its inputs by name as it runs, and a task writing there could swap a ' +
          'folder of it for a link meanwhile; the later is refused until the other ends',
      };
    }
  }
  const key = Symbol(user);
  inUse.set(key, { user, inputs });
  return { release: () => void inUse.delete(key) };
}
