/**
 * The record of local inputs in use (local-inputs-in-use.ts) across the node processes of one host.
 *
 * Two node processes on a host (two `serve`, say) may share allow-listed folders, and the races that
 * record prevents within a process happen between processes just as well: a WASM task of one reading
 * by name where a Docker task of the other writes (or the reverse), a WASM task moving a link onto the
 * way of a container of the other while the daemon mounts it. So each process records in a folder of
 * the host (host-record-files.ts), under a lock of the host (lib/host-mutex.ts):
 * - its WASM tasks' local inputs, until they end: a WASM task, or a Docker container with local
 *   inputs, that races one of another process is refused as within a process;
 * - its Docker tasks with a writable local input, from before their container starts until it is
 *   removed: while another process's runs, no WASM task with local inputs starts, as where its folders
 *   are now cannot be told from here. Such a record holds as long as the container's first process
 *   lives, so a node killed with its containers running still keeps the others' WASM tasks away, and
 *   no node needs the Docker daemon (or the same one) to know.
 */
import { HostMutexTimeout, withHostMutex } from '../lib/host-mutex.js';
import {
  lockName,
  otherRecords,
  processStartTime,
  registryFolder,
  rewriteEndedRecord,
  writeOwnRecord,
  type OtherRecord,
  type RecordedWriter,
} from './host-record-files.js';
import {
  claimLocalInputs,
  describeInput,
  InputInUseHint,
  overlap,
  races,
  type InputUser,
  type LocalInputClaim,
  type LocalInputUse,
} from './local-inputs-in-use.js';

export { RegistryEnv } from './host-record-files.js';

/** What to do about a task refused for an input that overlaps a node's folder of executions. */
export const NodeFolderHint =
  "Use local inputs outside the nodes' data dirs, or one mounted read-only by a Docker task";

/** What to do about a WASM task refused while another node process's Docker task writes. */
export const ForeignWriterHint =
  "Submit the job again once the other node's Docker job with a writable local input has ended, or " +
  'run WASM jobs with local inputs on a node that has its host to itself';

/** A task refused: why, and what to do. */
export interface HostConflict {
  conflict: string;
  hint: string;
}

/** How long a task waits for the host's lock before it is refused: far more than any holder takes. */
const LockWaitMs = 60_000;

/** A refusal because the record cannot be read or written: what it would say is not known. */
const recordProblem = (err: unknown): HostConflict => ({
  conflict: `the local inputs in use on this host could not be read or recorded: ${(err as Error).message}`,
  hint: `Check that ${registryFolder()} can be written, then submit the job again`,
});

/** The host's lock over the record could not be had: its folder is unusable, or another holds it. */
export class HostRecordUnavailable extends Error {
  override name = 'HostRecordUnavailable';
}

/**
 * Runs `fn` holding the host's lock over the record; what `fn` throws is thrown as it is.
 * @throws HostRecordUnavailable when the lock cannot be had (within a minute)
 */
export async function withHostRecordLocked<T>(fn: () => Promise<T>): Promise<T> {
  let name: string;
  try {
    name = await lockName();
  } catch (err) {
    throw new HostRecordUnavailable(recordProblem(err).conflict);
  }
  return withHostMutex(name, fn, LockWaitMs).catch((err: unknown) => {
    if (!(err instanceof HostMutexTimeout)) throw err;
    throw new HostRecordUnavailable(
      `another process has held the lock over the local inputs in use on this host (${registryFolder()}) ` +
        `for over ${LockWaitMs / 1000} s`,
    );
  });
}

/** The other processes' records, or why they cannot be read. */
const others = (): Promise<OtherRecord[] | HostConflict> =>
  otherRecords().catch((err: unknown) => recordProblem(err));

/**
 * Why a task of `user`'s kind may not use `inputs` while another process's WASM task runs, or at all
 * (a node's folder of executions); undefined when it may. Call it holding the lock
 * (withHostRecordLocked).
 */
export async function hostInputConflict(
  user: InputUser,
  inputs: readonly LocalInputUse[],
): Promise<HostConflict | undefined> {
  const records = await others();
  if ('conflict' in records) return records;
  return nodeFolderConflict(user, inputs, records) ?? wasmConflict(user, inputs, records);
}

function wasmConflict(
  user: InputUser,
  inputs: readonly LocalInputUse[],
  records: readonly OtherRecord[],
): HostConflict | undefined {
  for (const { pid, inputs: theirs } of records) {
    for (const input of inputs) {
      const other = theirs.find((o) => races(user, input, 'wasm', o));
      if (other === undefined) continue;
      return {
        conflict:
          `${describeInput(user, input)} and ${describeInput('wasm', other)} of another node process ` +
          `of this host (pid ${pid}) overlap: a WASM task reads its inputs by name as it runs, and a task ` +
          'writing there could swap a folder of it for a link meanwhile; the later is refused until the other ends',
        hint: InputInUseHint,
      };
    }
  }
  return undefined;
}

function writerConflict(records: readonly OtherRecord[]): HostConflict | undefined {
  for (const { pid, file, alive, writers } of records) {
    const writer = writers[0];
    if (writer === undefined) continue;
    const ended = alive
      ? ''
      : ` (that process has ended, and the container may still run: \`docker rm -f ` +
        `${writer.containerID.slice(0, 12)}\` ends it; if \`docker ps\` does not list it, remove ${file})`;
    return {
      conflict:
        `the container ${writer.containerID.slice(0, 12)} of a Docker task with a writable local input of ` +
        `another node process of this host (pid ${pid}) runs${ended}, and where its folders are now cannot ` +
        'be told from here: a WASM task reads its inputs by name as it runs, and that task could swap a ' +
        'folder of them for a link meanwhile; WASM tasks with local inputs are refused until it ends',
      hint: ForeignWriterHint,
    };
  }
  return undefined;
}

/** This process's record: its WASM tasks' inputs and its Docker writers, by task; its nodes' folders. */
const ownInputs = new Map<symbol, readonly LocalInputUse[]>();
const ownWriters = new Map<symbol, RecordedWriter>();
const ownNodeFolders = new Map<symbol, string>();
const ownPauses = new Map<symbol, readonly string[]>();

const publish = (): Promise<void> =>
  writeOwnRecord({
    inputs: [...ownInputs.values()].flat(),
    writers: [...ownWriters.values()],
    nodeFolders: [...ownNodeFolders.values()],
    paused: [...ownPauses.values()].flat(),
  });

/**
 * Records `folder` as a compute node's folder of executions until the returned function is called:
 * its tasks write their results there as they run (a Docker task can put any link there), so no local
 * input of a WASM task, nor a writable one of any task, may overlap it, on any node of the host.
 */
export async function recordNodeFolder(folder: string): Promise<() => void> {
  const key = Symbol('node');
  // kept in this process even when the record cannot be written: its own tasks are still checked
  ownNodeFolders.set(key, folder);
  await publish();
  return () => unpublish(key);
}

/** Why `inputs` of a `user` task overlap a node's folder of executions, or undefined. */
function nodeFolderConflict(
  user: InputUser,
  inputs: readonly LocalInputUse[],
  records: readonly OtherRecord[],
): HostConflict | undefined {
  const folders = [
    ...[...ownNodeFolders.values()].map((folder) => ({ folder, whose: 'a node of this process' })),
    ...records.flatMap(({ pid, nodeFolders }) =>
      nodeFolders.map((folder) => ({ folder, whose: `a node of another process of this host (pid ${pid})` })),
    ),
  ];
  for (const input of inputs) {
    if (user === 'docker' && !input.writable) continue; // mounted once: what is written later stays inside
    const found = folders.find(({ folder }) => overlap(input.path, folder));
    if (found === undefined) continue;
    return {
      conflict:
        `${describeInput(user, input)} overlaps ${JSON.stringify(found.folder)}, where ${found.whose} keeps its ` +
        "executions' folders: its tasks write their results there as they run, where a " +
        (user === 'wasm'
          ? 'WASM task, which reads its inputs by name, could be led elsewhere by a link one of them puts there'
          : 'task writing could change or move the results of others'),
      hint: NodeFolderHint,
    };
  }
  return undefined;
}

/** Drops a task's part of the record; a stale entry only refuses more, and its process's end clears it. */
function unpublish(key: symbol): void {
  ownInputs.delete(key);
  ownWriters.delete(key);
  ownPauses.delete(key);
  ownNodeFolders.delete(key);
  void publish().catch(() => undefined);
}

/** Publishes the record with `key`'s part in it; when it cannot be written, the part is dropped again. */
async function publishWith(key: symbol): Promise<void> {
  try {
    await publish();
  } catch (err) {
    unpublish(key);
    throw err;
  }
}

/** What a Docker start is refused with when its part of the record cannot be written. */
const unavailable = (err: unknown): never => {
  throw new HostRecordUnavailable(recordProblem(err).conflict);
};

/**
 * Records that this process's bind guard is about to pause `containerIDs` (call it holding the lock):
 * should it be killed before it resumes them, another process resumes them
 * ({@link undoWhatEndedProcessesLeft}). The returned function is called once they are resumed.
 */
export async function recordPauses(containerIDs: readonly string[]): Promise<() => void> {
  if (containerIDs.length === 0) return () => undefined;
  const key = Symbol('pauses');
  ownPauses.set(key, containerIDs);
  await publishWith(key).catch(unavailable);
  return () => unpublish(key);
}

/** What a Docker daemon is asked about the containers in ended processes' records. */
export interface ContainerControl {
  resume(containerID: string): Promise<void>;
  running(containerID: string): Promise<boolean>;
}

/**
 * Undoes what processes killed in the middle of a Docker start left in the record (call it holding the
 * lock): the containers their guards held paused are resumed, and their writers recorded before their
 * container's first process was known are forgotten once those containers no longer run.
 */
export async function undoWhatEndedProcessesLeft(daemon: ContainerControl): Promise<void> {
  for (const record of await otherRecords()) {
    if (record.alive) continue;
    const unknownWriters = record.writers.filter((w) => w.pid === undefined);
    if (record.paused.length === 0 && unknownWriters.length === 0) continue;
    await Promise.allSettled(record.paused.map((id) => daemon.resume(id)));
    const ended = new Set<string>();
    for (const { containerID } of unknownWriters) {
      if (!(await daemon.running(containerID).catch(() => true))) ended.add(containerID);
    }
    await rewriteEndedRecord(record.file, (left) => ({
      ...left,
      paused: [],
      writers: left.writers.filter((w) => w.pid !== undefined || !ended.has(w.containerID)),
    })).catch(() => undefined); // gone meanwhile, or unreadable: tried again next time
  }
}

/**
 * Claims a WASM task's local inputs in this process and on the host: refused while a task of this
 * process or another process's WASM task races one, or another process's Docker task with a writable
 * local input runs.
 */
export async function claimWasmInputs(
  inputs: readonly LocalInputUse[],
): Promise<LocalInputClaim | HostConflict> {
  if (inputs.length === 0) return { release: () => undefined, follow: () => undefined };
  return withHostRecordLocked(async () => {
    const records = await others();
    if ('conflict' in records) return records;
    const foreign =
      nodeFolderConflict('wasm', inputs, records) ??
      writerConflict(records) ??
      wasmConflict('wasm', inputs, records);
    if (foreign !== undefined) return foreign;
    const claimed = claimLocalInputs('wasm', inputs);
    if ('conflict' in claimed) return { ...claimed, hint: InputInUseHint };
    const key = Symbol('wasm');
    ownInputs.set(key, inputs);
    try {
      await publishWith(key);
    } catch (err) {
      claimed.release();
      return recordProblem(err);
    }
    return {
      ...claimed,
      release: () => {
        claimed.release();
        unpublish(key);
      },
    };
  }).catch((err: unknown) => {
    if (err instanceof HostRecordUnavailable) return { conflict: err.message, hint: recordProblem(err).hint };
    throw err;
  });
}

/** A Docker task with a writable local input, in the host's record. */
export interface DockerWriterRecord {
  /** Its container runs, its first process being `pid`: the record now holds as long as that does. */
  running(pid: number): Promise<void>;
  /** Its container is gone. */
  release(): void;
}

/**
 * Records a Docker task with a writable local input, before its container starts (hold the host's
 * lock from before this until it runs). @throws when the record cannot be written
 */
export async function recordDockerWriter(containerID: string): Promise<DockerWriterRecord> {
  const key = Symbol('docker');
  ownWriters.set(key, { containerID });
  await publishWith(key).catch(unavailable);
  return {
    running: async (pid) => {
      const startTime = processStartTime(pid);
      if (!ownWriters.has(key) || startTime === undefined) return;
      ownWriters.set(key, { containerID, pid, startTime });
      await publish().catch(() => undefined); // the entry without its pid holds while this process runs
    },
    release: () => unpublish(key),
  };
}
