/**
 * The execution engines of one compute node, keyed by wire type (Go's `executor.ExecProvider`).
 * Types match case-insensitively, as in Go; those `Engines.Disabled` names are left out.
 */
import { InstalledProviders } from '../lib/installed-providers.js';
import { BacalhauError, ErrorCode } from '../models/index.js';
import type { Executor } from '../executor/types.js';

export class EngineRegistry {
  readonly #engines: InstalledProviders<Executor>;

  constructor(engines: Readonly<Record<string, Executor | undefined>>, disabled: readonly string[] = []) {
    const off = new Set(disabled.map((type) => type.trim().toLowerCase()));
    this.#engines = new InstalledProviders(
      Object.fromEntries(Object.entries(engines).filter(([type]) => !off.has(type.toLowerCase()))),
    );
  }

  /**
   * The executor for a task's `Engine.Type`.
   * @throws BacalhauError NotImplemented naming `Engine.Type` when this node cannot run it.
   */
  async get(type: string): Promise<Executor> {
    const executor = await this.#engines.find(type);
    if (executor !== undefined) return executor;
    const served = await this.installedTypes();
    throw new BacalhauError(`Engine.Type: engine "${type}" is not available on this compute node`, {
      code: ErrorCode.NotImplemented,
      component: 'Compute',
      hint:
        served.length === 0
          ? 'This node runs no engine: check Engines.Disabled and that the engines are installed.'
          : `This node runs ${served.join(', ')}: use one of them, or run the job where "${type}" is installed.`,
    });
  }

  /**
   * The engines this node can run, for `NodeInfo.ComputeNodeInfo.ExecutionEngines`. Installation is
   * asked once per engine: a daemon that appears later needs a node restart, as in Go.
   */
  installedTypes(): Promise<string[]> {
    return this.#engines.installedTypes();
  }

  /** The executors whose engine is installed (a Docker daemon that answered), to look for orphans. */
  installed(): Promise<Executor[]> {
    return this.#engines.installed();
  }

  /** Every executor with its engine type, installed or not (to stop them). */
  all(): (readonly [string, Executor])[] {
    return this.#engines.all();
  }
}
