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

  /** `root` is `<DataDir>/compute/executions`. */
  constructor(root: string) {
    this.inputsDir = join(root, 'inputs');
    this.#outputDir = join(root, 'output');
  }

  dirs(executionID: string): ExecutionDirs {
    const root = join(this.#outputDir, executionID);
    return { root, results: join(root, 'results'), logs: join(root, 'logs') };
  }

  /** Creates the execution's folders; the results folder starts empty (a re-run starts afresh). */
  async prepare(executionID: string): Promise<ExecutionDirs> {
    const dirs = this.dirs(executionID);
    await rm(dirs.results, { recursive: true, force: true });
    await mkdir(dirs.results, { recursive: true });
    await mkdir(dirs.logs, { recursive: true });
    await mkdir(this.inputsDir, { recursive: true });
    return dirs;
  }

  async remove(executionID: string): Promise<void> {
    await rm(this.dirs(executionID).root, { recursive: true, force: true });
  }
}
