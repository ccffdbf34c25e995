/**
 * Where an execution's files live on the compute node (Go's `ResultsPath`):
 * `<root>/output/<executionID>/results` (published: stdout, stderr, exitCode, one folder per output)
 * and `…/logs` (the live log `job logs` reads), and `<root>/inputs` for prepared inputs.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface ExecutionDirs {
  root: string;
  results: string;
  logs: string;
}

export class ExecutionPaths {
  readonly inputsDir: string;
  readonly #outputDir: string;
  /** Created once, at the first execution. */
  #inputsReady: Promise<unknown> | undefined;

  /** `root` is `<DataDir>/compute/executions`. */
  constructor(root: string) {
    this.inputsDir = join(root, 'inputs');
    this.#outputDir = join(root, 'output');
  }

  dirs(executionID: string): ExecutionDirs {
    const root = join(this.#outputDir, executionID);
    return { root, results: join(root, 'results'), logs: join(root, 'logs') };
  }

  /**
   * Creates the execution's folders. The results folder starts empty unless `keepResults`: an
   * execution that a restarted node runs again keeps them, since its container may still be running
   * with its output folders mounted from there (and writing to them). The calls run together: each is
   * a round trip through a busy event loop, and they cost a fast job milliseconds one after the other.
   */
  async prepare(executionID: string, options: { keepResults?: boolean } = {}): Promise<ExecutionDirs> {
    const dirs = this.dirs(executionID);
    const created = await mkdir(dirs.root, { recursive: true });
    // mkdir tells whether the folder is new: a new one has no old results to clear
    if (created === undefined && options.keepResults !== true) {
      await rm(dirs.results, { recursive: true, force: true });
    }
    await Promise.all([
      mkdir(dirs.results, { recursive: true }),
      mkdir(dirs.logs, { recursive: true }),
      (this.#inputsReady ??= mkdir(this.inputsDir, { recursive: true }).catch((err: unknown) => {
        this.#inputsReady = undefined; // tried again by the next execution
        throw err;
      })),
    ]);
    return dirs;
  }

  async remove(executionID: string): Promise<void> {
    await rm(this.dirs(executionID).root, { recursive: true, force: true });
  }
}
