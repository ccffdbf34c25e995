/**
 * The record of local inputs in use (local-inputs-in-use.ts) across the node processes of one host.
 *
 * Two node processes on a host (two `serve`, say) may share allow-listed folders, and the races that
 * record prevents within a process happen between processes just as well: a WASM task of one reading
 * by name where a Docker task of the other writes (or the reverse), a WASM task moving a link onto the
 * way of a container of the other while the daemon mounts it. So, under a lock of the host
 * (lib/host-mutex.ts):
 * - a WASM task's local inputs are published in a folder of the host, one file per process, until it
 *   ends; before a WASM task or a Docker container with local inputs starts, the other processes'
 *   files are read, and one that races a published input is refused as within a process;
 * - a Docker container with a writable local input is labelled with that folder, and no WASM task
 *   with local inputs starts while such a container that this process did not start runs: where its
 *   folders are now cannot be told from here (the daemon is asked, so that the containers of a killed
 *   process count too).
 * The folder is `$TMPDIR/bacalhau-ts-<uid>/local-inputs-in-use`, or what BACALHAU_LOCAL_INPUTS_REGISTRY
 * names: node processes with different folders (or run by different users) do not see each other.
 */
import { lstat, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { withHostMutex } from '../lib/host-mutex.js';
import {
  claimLocalInputs,
  describeInput,
  races,
  type InputUser,
  type LocalInputClaim,
  type LocalInputUse,
} from './local-inputs-in-use.js';

/** Overrides the folder the node processes of a host record their local inputs in use in. */
export const RegistryEnv = 'BACALHAU_LOCAL_INPUTS_REGISTRY';

/** The folder this process records its WASM tasks' local inputs in, and reads the others' from. */
export function registryFolder(): string {
  const uid = process.getuid?.() ?? 'user';
  return process.env[RegistryEnv] ?? join(tmpdir(), `bacalhau-ts-${uid}`, 'local-inputs-in-use');
}

/**
 * Says whether a Docker task with a writable local input that this process did not start runs, in
 * words; undefined when none does. One a Docker executor of the process registers.
 */
export type ForeignWriterProbe = () => Promise<string | undefined>;

const probes = new Set<ForeignWriterProbe>();

/** Consulted before every WASM task with local inputs starts, until the returned function is called. */
export function watchForeignWriters(probe: ForeignWriterProbe): () => void {
  probes.add(probe);
  return () => void probes.delete(probe);
}

/** Runs `fn` holding the host's lock over the record (see above). */
export function withHostRecordLocked<T>(fn: () => Promise<T>): Promise<T> {
  // hashed: a folder's path may be longer than a socket name can be
  const digest = createHash('sha256').update(registryFolder()).digest('hex').slice(0, 32);
  return withHostMutex(`bacalhau-ts-local-inputs-${digest}`, fn);
}

/** A task is refused when the record cannot be read or written: what it would have said is unknown. */
const recordProblem = (err: unknown): string =>
  `the local inputs in use on this host could not be read or recorded in ${registryFolder()}: ${(err as Error).message}`;

/**
 * Why a task of `user`'s kind may not use `inputs` while other processes' WASM tasks run, or
 * undefined. Call it holding the lock (withHostRecordLocked).
 */
export async function foreignWasmConflict(
  user: InputUser,
  inputs: readonly LocalInputUse[],
): Promise<string | undefined> {
  let others: Awaited<ReturnType<typeof otherProcesses>>;
  try {
    others = await otherProcesses();
  } catch (err) {
    return recordProblem(err);
  }
  for (const { pid, inputs: theirs } of others) {
    for (const input of inputs) {
      const other = theirs.find((o) => races(user, input, 'wasm', o));
      if (other === undefined) continue;
      return (
        `${describeInput(user, input)} and ${describeInput('wasm', other)} of another node process of ` +
        `this host (pid ${pid}) overlap: a WASM task reads its inputs by name as it runs, and a task ` +
        'writing there could swap a folder of it for a link meanwhile; the later is refused until the other ends'
      );
    }
  }
  return undefined;
}

/**
 * Claims a WASM task's local inputs in this process and on the host: refused (the conflict in words)
 * while a task of this process or another process's WASM task races one, or another process's Docker
 * task with a writable local input runs.
 */
export async function claimWasmInputs(
  inputs: readonly LocalInputUse[],
): Promise<LocalInputClaim | { conflict: string }> {
  if (inputs.length === 0) return claimLocalInputs('wasm', inputs);
  return withHostRecordLocked(async () => {
    for (const probe of probes) {
      const writer = await probe();
      if (writer !== undefined) return { conflict: writer };
    }
    const foreign = await foreignWasmConflict('wasm', inputs);
    if (foreign !== undefined) return { conflict: foreign };
    const claimed = claimLocalInputs('wasm', inputs);
    if ('conflict' in claimed) return claimed;
    const key = Symbol('wasm');
    published.set(key, inputs);
    const release = (): void => {
      claimed.release();
      published.delete(key);
      void publish().catch(() => undefined); // a stale entry only refuses more; its process's restart clears it
    };
    try {
      await publish();
    } catch (err) {
      release();
      return { conflict: recordProblem(err) };
    }
    return { ...claimed, release };
  });
}

/** This process's WASM tasks' local inputs, as published. */
const published = new Map<symbol, readonly LocalInputUse[]>();

/** This process's file in the folder: a worker thread of it may load this module too. */
const ownName = `${process.pid}-${threadId}.json`;

/** What the other processes' files hold, theirs being alive. */
interface Published {
  startTime: string;
  inputs: LocalInputUse[];
}

/** The writes of this process's file, in turn: each writes what is published when it runs. */
let writing: Promise<unknown> = Promise.resolve();

function publish(): Promise<void> {
  const write = writing.then(async () => {
    const folder = await readyFolder();
    const file = join(folder, ownName);
    const inputs = [...published.values()].flat();
    if (inputs.length === 0) {
      await unlink(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      return;
    }
    // written aside and renamed: a reader never sees half of it, and a link planted in the
    // folder's place of the name is replaced, not followed
    const aside = join(folder, `.${ownName}.${randomUUID()}`);
    const content: Published = { startTime: startTimeOf(process.pid) ?? '', inputs };
    await writeFile(aside, JSON.stringify(content), { flag: 'wx', mode: 0o600 });
    await rename(aside, file);
  });
  writing = write.catch(() => undefined);
  return write;
}

/** The other live processes' published inputs; files of dead processes are removed on the way. */
async function otherProcesses(): Promise<{ pid: number; inputs: LocalInputUse[] }[]> {
  const folder = await readyFolder();
  const found: { pid: number; inputs: LocalInputUse[] }[] = [];
  for (const name of await readdir(folder)) {
    const pid = Number(/^(\d+)-\d+\.json$/.exec(name)?.[1]);
    if (name === ownName || !Number.isInteger(pid)) continue;
    const file = join(folder, name);
    const content = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as Published,
      () => undefined, // removed since the listing: its process has nothing in use
    );
    if (content === undefined) continue;
    // a pid reused by another process since is told apart by its start time
    if (startTimeOf(pid) !== content.startTime) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    // another thread of this process (a test's worker) is another process for this purpose
    found.push({ pid, inputs: content.inputs });
  }
  return found;
}

/**
 * When the process started (in clock ticks since boot, from /proc), or undefined when it does not
 * run; where there is no /proc, '' for a process that runs.
 */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command's name, which is in brackets and may hold anything
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || process.platform === 'linux') return undefined;
    try {
      process.kill(pid, 0);
      return '';
    } catch (killErr) {
      return (killErr as NodeJS.ErrnoException).code === 'EPERM' ? '' : undefined;
    }
  }
}

let ready: { folder: string; made: Promise<string> } | undefined;

/**
 * The folder, made if need be (0700). It, and by default its parent in the shared temporary folder,
 * must be this user's own and writable by nobody else: another user could otherwise plant or remove
 * entries, or swap the folder for one of theirs.
 */
function readyFolder(): Promise<string> {
  const folder = registryFolder();
  if (ready?.folder !== folder) {
    const checked = process.env[RegistryEnv] === undefined ? [dirname(folder), folder] : [folder];
    const made = (async () => {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const uid = process.getuid?.();
      for (const path of checked) {
        const info = await lstat(path);
        if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
          throw new Error(
            `${path} must be a folder of this user's that no one else may write to (remove it, or set ${RegistryEnv})`,
          );
        }
      }
      return folder;
    })();
    ready = { folder, made };
    made.catch(() => {
      if (ready?.made === made) ready = undefined; // tried again next time
    });
  }
  return ready.made;
}
