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
 *
 * A WASM task opens its inputs by their paths, so the paths it was given are what it uses. A Docker
 * task's mount follows its folder when that is renamed (another task writing above it can do so), so
 * once its container runs, its writable inputs are also wherever the container's mounts now lead
 * (docker/followed-mounts.ts); where that cannot be told (a container taken up again after a restart,
 * a folder moved deeper than a path can name), no WASM task with local inputs starts while it runs.
 *
 * This record is the process's; local-inputs-on-host.ts extends it to the other node processes of the
 * host.
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
  /** Where the task's writable inputs are now, when they may have moved ('unknown': cannot be told). */
  moved?: () => readonly string[] | 'unknown';
}

/** A task's record of its inputs in use. */
export interface LocalInputClaim {
  /** The task has ended: its inputs are free. */
  release: () => void;
  /**
   * From now on the task's writable inputs are also wherever `moved` says they are each time the
   * record is consulted (the paths recorded stay, as they may be what `moved` cannot see).
   */
  follow: (moved: () => readonly string[] | 'unknown') => void;
}

/** What to do about a task refused for an input another task uses. */
export const InputInUseHint =
  "Mount the other job's local input read-only, or run the jobs one after the other";

const inUse = new Map<symbol, Use>();

/** Whether one of the two paths is inside the other (or they are the same). */
export const overlap = (a: string, b: string): boolean => isInsideFolder(a, b) || isInsideFolder(b, a);

/** Whether `a`, used by a task of `aUser`'s kind, and `b` of another task, may not be used at once. */
export function races(aUser: InputUser, a: LocalInputUse, bUser: InputUser, b: LocalInputUse): boolean {
  if (aUser === 'docker' && bUser === 'docker') return false;
  return (a.writable || b.writable) && overlap(a.path, b.path);
}

/** "the writable local input "/x" of a WASM task", for messages. */
export const describeInput = (user: InputUser, input: LocalInputUse): string =>
  `the ${input.writable ? 'writable ' : ''}local input ${JSON.stringify(input.path)} of a ${user === 'docker' ? 'Docker' : 'WASM'} task`;

/** What `use` holds now: the inputs recorded, and where its writable ones have moved since. */
function heldNow(use: Use): readonly LocalInputUse[] | 'unknown' {
  const moved = use.moved?.() ?? [];
  if (moved === 'unknown') return moved;
  return moved.length === 0
    ? use.inputs
    : [...use.inputs, ...moved.map((path) => ({ path, writable: true }))];
}

/** Why `inputs` of a `user` task may not be used while `use` runs, or undefined. */
function conflictWith(user: InputUser, inputs: readonly LocalInputUse[], use: Use): string | undefined {
  const held = heldNow(use);
  if (held === 'unknown') {
    if (user === 'docker') return undefined;
    return (
      'a Docker task with a writable local input runs, and where its folders are now cannot be told (this ' +
      'node took it up again after a restart, or a task moved them deeper than a path can name): a WASM ' +
      'task reads its inputs by name as it runs, and that task could swap a folder of them for a link ' +
      'meanwhile; a WASM task with local inputs is refused until the other ends'
    );
  }
  for (const input of inputs) {
    const other = held.find((o) => races(user, input, use.user, o));
    if (other === undefined) continue;
    return (
      `${describeInput(user, input)} and ${describeInput(use.user, other)} overlap, and the other runs on this ` +
      'node: a WASM task reads its inputs by name as it runs, and a task writing there could swap a ' +
      'folder of it for a link meanwhile; the later is refused until the other ends'
    );
  }
  return undefined;
}

/**
 * Records `inputs` (only those that matter: a Docker task's writable local inputs, a WASM task's local
 * inputs) as used by a task of `user`'s kind until the claim is released; or, when a running task uses
 * one that races one of them, the conflict in words.
 */
export function claimLocalInputs(
  user: InputUser,
  inputs: readonly LocalInputUse[],
): LocalInputClaim | { conflict: string } {
  if (inputs.length === 0) return { release: () => undefined, follow: () => undefined };
  for (const use of inUse.values()) {
    const conflict = conflictWith(user, inputs, use);
    if (conflict !== undefined) return { conflict };
  }
  const key = Symbol(user);
  const use: Use = { user, inputs };
  inUse.set(key, use);
  return {
    release: () => void inUse.delete(key),
    follow: (moved) => {
      use.moved = moved;
    },
  };
}
