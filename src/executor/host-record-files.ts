/**
 * The files of the host's record of local inputs in use (local-inputs-on-host.ts): a folder of this
 * user's, `$TMPDIR/bacalhau-ts-<uid>/local-inputs-in-use` or what BACALHAU_LOCAL_INPUTS_REGISTRY names,
 * with one file per node process (what its tasks use), and the name of the host lock over them.
 *
 * The folder is checked on every use, not once: a cleaner of temporary files may remove it, and
 * another user could then make one of the same name, and read, plant or remove entries in it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { LocalInputUse } from './local-inputs-in-use.js';

/** Overrides the folder the node processes of a host record their local inputs in use in. */
export const RegistryEnv = 'BACALHAU_LOCAL_INPUTS_REGISTRY';

/** The folder: the one RegistryEnv names when it is set (and not empty), else this user's default. */
export function registryFolder(): string {
  const uid = process.getuid?.() ?? 'user';
  return givenFolder() ?? join(tmpdir(), `bacalhau-ts-${uid}`, 'local-inputs-in-use');
}

const givenFolder = (): string | undefined => process.env[RegistryEnv] || undefined;

/**
 * A Docker task with a writable local input, as its process recorded it: its container, and once it
 * runs, its first process (which lives as long as the container, whatever became of the node).
 */
export interface RecordedWriter {
  containerID: string;
  pid?: number;
  startTime?: string;
}

/**
 * What one process records: its WASM tasks' local inputs, its Docker tasks that write locally, and its
 * nodes' folders of executions (where tasks write their results).
 */
export interface ProcessRecord {
  inputs: LocalInputUse[];
  writers: RecordedWriter[];
  nodeFolders: string[];
  /** The containers its bind guard holds paused for a start (docker/bind-guard.ts). */
  paused: string[];
}

/** Another process's record, as far as it still holds. */
export interface OtherRecord {
  pid: number;
  /** The file, for messages. */
  file: string;
  /** Its WASM tasks' inputs: none once the process has ended (its tasks ran in its threads). */
  inputs: LocalInputUse[];
  /** Its nodes' folders of executions: none once it has ended. */
  nodeFolders: string[];
  /** Its writers that may still run: whose first process lives, or not known yet. */
  writers: RecordedWriter[];
  /** The containers it holds paused: left so by a process killed in the middle of a start. */
  paused: string[];
  /** Whether the process that wrote it runs. */
  alive: boolean;
}

/** This process's file in the folder: a worker thread of it may load this module too. */
const ownName = `${process.pid}-${threadId}.json`;

interface FileContent extends ProcessRecord {
  startTime: string;
}

/** The writes of this process's file, in turn. */
let writing: Promise<unknown> = Promise.resolve();

/** Replaces this process's record with `record` (removes its file when it holds nothing). */
export function writeOwnRecord(record: ProcessRecord): Promise<void> {
  const write = writing.then(async () => {
    const folder = await readyFolder();
    const file = join(folder, ownName);
    await writeRecordFile(file, { startTime: processStartTime(process.pid) ?? '', ...record });
  });
  writing = write.catch(() => undefined);
  return write;
}

/**
 * The other processes' records. The file of a process that has ended goes once no writer it
 * recorded may run.
 */
export async function otherRecords(): Promise<OtherRecord[]> {
  const folder = await readyFolder();
  const found: OtherRecord[] = [];
  for (const name of await readdir(folder)) {
    const pid = Number(/^(\d+)-\d+\.json$/.exec(name)?.[1]);
    if (name === ownName || !Number.isInteger(pid)) continue;
    const file = join(folder, name);
    const text = await readFile(file, 'utf8').catch(() => undefined); // gone: nothing in use
    if (text === undefined) continue;
    let content: FileContent;
    try {
      content = JSON.parse(text) as FileContent;
    } catch {
      // written aside and renamed, a record is never half there: someone else wrote this one
      if (processStartTime(pid) === undefined) {
        await unlink(file).catch(() => undefined);
        continue;
      }
      throw new Error(
        `${file} is not a record of local inputs in use (remove it, and restart node process ${pid})`,
      );
    }
    // a pid reused by another process since is told apart by its start time
    const alive = processStartTime(pid) === content.startTime;
    const writers = content.writers.filter(
      (w) => w.pid === undefined || processStartTime(w.pid) === w.startTime,
    );
    const { paused } = content;
    if (!alive && writers.length === 0 && paused.length === 0) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    // another thread of this process (a test's worker) is another process for this purpose
    found.push({
      pid,
      file,
      alive,
      inputs: alive ? content.inputs : [],
      nodeFolders: alive ? content.nodeFolders : [],
      writers,
      paused,
    });
  }
  return found;
}

const isEmpty = (record: ProcessRecord): boolean =>
  record.inputs.length + record.writers.length + record.nodeFolders.length + record.paused.length === 0;

/**
 * Rewrites the record of a process that has ended (holding the host lock): what `change` leaves of it
 * stays, or the file goes.
 */
export async function rewriteEndedRecord(
  file: string,
  change: (record: ProcessRecord) => ProcessRecord,
): Promise<void> {
  const content = JSON.parse(await readFile(file, 'utf8')) as FileContent;
  await writeRecordFile(file, { ...change(content), startTime: content.startTime });
}

/** Writes a record's file, or removes it (if there) when the record holds nothing. */
async function writeRecordFile(file: string, content: FileContent): Promise<void> {
  if (isEmpty(content)) {
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return;
  }
  // written aside and renamed: a reader never sees half of it
  const aside = join(dirname(file), `.${basename(file)}.${randomUUID()}`);
  await writeFile(aside, JSON.stringify(content), { flag: 'wx', mode: 0o600 });
  await rename(aside, file);
}

/**
 * The name of the host lock over the folder: random, kept in the folder, so that no other user can
 * know it and hold it.
 */
export async function lockName(): Promise<string> {
  const file = join(await readyFolder(), 'lock-name');
  try {
    await writeFile(file, randomBytes(16).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return `bacalhau-ts-local-inputs-${(await readFile(file, 'utf8')).trim()}`;
}

/**
 * When the process started (in clock ticks since boot, from /proc), or undefined when it does not
 * run; where there is no /proc, '' for a process that runs.
 */
export function processStartTime(pid: number): string | undefined {
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

/**
 * The folder, made if need be (0700). It, and by default its parent in the shared temporary folder,
 * must be this user's own and writable by nobody else.
 */
async function readyFolder(): Promise<string> {
  const folder = registryFolder();
  // relative, it would be another folder for each node started elsewhere
  if (!isAbsolute(folder))
    throw new Error(`${RegistryEnv} must be an absolute path, not ${JSON.stringify(folder)}`);
  const checked = givenFolder() === undefined ? [dirname(folder), folder] : [folder];
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
}
