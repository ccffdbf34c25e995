/**
 * Where an execution's files live on the compute node (Go's `ResultsPath`):
 * `<root>/output/<executionID>/results` (published: stdout, stderr, exitCode, one folder per output),
 * `…/logs` (the live log `job logs` reads), and its prepared inputs beside them, in the execution's own
 * folder: what a killed process left of a download goes with that folder (see `existing`), where a
 * shared inputs folder kept it for good.
 */
import { readdir, realpath, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { recordNodeFolder } from '../executor/local-inputs-on-host.js';
import { LogFileName, SpareExitCodeFileName, SpareLogFileName } from '../executor/results.js';
import { SpareFileInputsFolderName } from '../executor/wasm/file-inputs.js';
import { SpareInlineFileName } from '../storage/index.js';
import { makeFolder } from '../lib/quick-fs.js';
import { DownloadFilename } from '../models/index.js';
import { SpareFolders, type SpareFoldersOptions } from './spare-folders.js';

const ResultsFolder = 'results';
const LogsFolder = 'logs';

/**
 * What an execution's run creates: its two folders, the stdout and stderr files of its results, its
 * log and its exit code, the last two made under the names the output recorder takes them by
 * (executor/results.ts), the file of an inline input (storage/inline) and the folder of a WASM task's
 * file inputs (executor/wasm/file-inputs.ts). A spare holds them all,
 * so the run creates none of them; empty, they say nothing untrue of a task that never ran (the exit
 * code stays out of the results until written).
 */
const SpareLayout = {
  folders: [ResultsFolder, LogsFolder, SpareFileInputsFolderName],
  files: [
    join(ResultsFolder, DownloadFilename.Stdout),
    join(ResultsFolder, DownloadFilename.Stderr),
    join(LogsFolder, SpareLogFileName),
    join(LogsFolder, SpareExitCodeFileName),
    SpareInlineFileName,
  ],
};

export interface ExecutionPathsOptions {
  /** Keep execution folders made ahead of time (spare-folders.ts), between start() and stop(). */
  spares?: SpareFoldersOptions;
}

export interface ExecutionDirs {
  root: string;
  results: string;
  logs: string;
}

export class ExecutionPaths {
  readonly #root: string;
  readonly #outputDir: string;
  readonly #spares: SpareFolders | undefined;
  #forgetOnHost: (() => void) | undefined;

  /** `root` is `<DataDir>/compute/executions`. */
  constructor(root: string, options: ExecutionPathsOptions = {}) {
    this.#root = root;
    this.#outputDir = join(root, 'output');
    if (options.spares !== undefined) {
      this.#spares = new SpareFolders(join(root, 'spare'), SpareLayout, options.spares);
    }
  }

  /**
   * Records the folders in the host's record of local inputs in use, as tasks write there while they
   * run: no local input may overlap them (executor/local-inputs-on-host.ts; a record that cannot be
   * written refuses every local input anyway). Starts making spare folders, when asked for; removes
   * what a previous process left of them. A folder that cannot be made costs the spares only: each
   * execution then makes its own folders, and fails there with an error that says why.
   */
  async start(): Promise<void> {
    const made = await makeFolder(this.#outputDir).then(
      () => true,
      () => false,
    );
    // by its real path, as inputs are checked: a data dir given through a link is the same folder
    const real = await realpath(this.#root).catch(() => this.#root);
    this.#forgetOnHost ??= await recordNodeFolder(real).catch(() => undefined);
    if (this.#spares === undefined || !made) return;
    await this.#spares.start();
  }

  /**
   * Settles once the spare folders being made, if any, can be taken: the worker that makes them has
   * them on disk before it has told this thread.
   */
  sparesReady(): Promise<void> {
    return this.#spares?.filled() ?? Promise.resolve();
  }

  /** Stops making spare folders and removes those left; takes the folders out of the host's record. */
  async stop(): Promise<void> {
    this.#forgetOnHost?.();
    this.#forgetOnHost = undefined;
    await this.#spares?.stop();
  }

  dirs(executionID: string): ExecutionDirs {
    const root = join(this.#outputDir, executionID);
    return { root, results: join(root, ResultsFolder), logs: join(root, LogsFolder) };
  }

  /** The execution's log (stdout and stderr as recorded), kept as long as its folders. */
  logFile(executionID: string): string {
    return join(this.dirs(executionID).logs, LogFileName);
  }

  /**
   * Creates the execution's folders, or moves a spare there. The results folder starts empty (but
   * for a spare's empty files) unless `keepResults`: an execution that a restarted node runs again
   * keeps them, since its container may still be running with its output folders mounted from there
   * (and writing to them). Folders are made without leaving the event loop (lib/quick-fs.ts);
   * emptying old results, rare and maybe large, does not.
   */
  async prepare(executionID: string, options: { keepResults?: boolean } = {}): Promise<ExecutionDirs> {
    const dirs = this.dirs(executionID);
    if (options.keepResults !== true && this.#spares?.take(dirs.root) === true) return dirs;
    const created = await makeFolder(dirs.root);
    // mkdir tells whether the folder is new: a new one has no old results to clear
    if (created === undefined && options.keepResults !== true) {
      await rm(dirs.results, { recursive: true, force: true });
    }
    await Promise.all([makeFolder(dirs.results), makeFolder(dirs.logs)]);
    return dirs;
  }

  /**
   * Removes what the execution's folder holds besides its results and log: the inputs prepared for it
   * (downloads, inline data). For an execution that ended without cleaning up after itself.
   */
  async removeInputs(executionID: string): Promise<void> {
    const { root } = this.dirs(executionID);
    let names: string[];
    try {
      names = await readdir(root);
    } catch {
      return; // no folder: nothing was prepared
    }
    const inputs = names.filter((name) => name !== ResultsFolder && name !== LogsFolder);
    await Promise.all(inputs.map((name) => rm(join(root, name), { recursive: true, force: true })));
  }

  /** The executions that have folders, with when each folder last changed (ms since the epoch). */
  async existing(): Promise<{ executionID: string; modifiedMs: number }[]> {
    let names: string[];
    try {
      names = await readdir(this.#outputDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const found = await Promise.all(
      names.map(async (executionID) => {
        const info = await stat(join(this.#outputDir, executionID)).catch(() => undefined);
        if (info?.isDirectory() !== true) return undefined;
        // The root folder changes only when the execution starts: its last output and its results
        // (written as it ends) say when it last changed, which can be hours later.
        const { results } = this.dirs(executionID);
        const later = await Promise.all(
          [results, this.logFile(executionID)].map((path) =>
            stat(path).then(
              (i) => i.mtimeMs,
              () => 0,
            ),
          ),
        );
        return { executionID, modifiedMs: Math.max(info.mtimeMs, ...later) };
      }),
    );
    return found.filter((f) => f !== undefined);
  }

  /** Whether the execution's folders are there (made when it starts running, until removed). */
  async hasFolders(executionID: string): Promise<boolean> {
    const info = await stat(this.dirs(executionID).root).catch(() => undefined);
    return info?.isDirectory() === true;
  }

  /** Removes the execution's results, once published (its log stays). */
  async removeResults(executionID: string): Promise<void> {
    await rm(this.dirs(executionID).results, { recursive: true, force: true });
  }

  async remove(executionID: string): Promise<void> {
    await rm(this.dirs(executionID).root, { recursive: true, force: true });
  }
}
