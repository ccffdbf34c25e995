/**
 * The execution engines of one compute node, keyed by wire type (Go's `executor.ExecProvider`), less
 * those `Engines.Disabled` names. Types match case-insensitively, as in Go.
 */
import { BacalhauError, ErrorCode } from '../models/index.js';
import type { Executor } from '../executor/types.js';

export class EngineRegistry {
  readonly #engines: ReadonlyMap<string, readonly [string, Executor]>;
  readonly #installed = new Map<string, Promise<boolean>>();

  constructor(engines: Readonly<Record<string, Executor | undefined>>, disabled: readonly string[] = []) {
    const off = new Set(disabled.map((type) => type.toLowerCase()));
    this.#engines = new Map(
      Object.entries(engines).flatMap(([type, executor]) =>
        executor === undefined || off.has(type.toLowerCase())
          ? []
          : [[type.toLowerCase(), [type, executor] as const]],
      ),
    );
  }

  /**
   * The executor for a task's `Engine.Type`.
   * @throws BacalhauError NotImplemented naming `Engine.Type` when this node cannot run it.
   */
  async get(type: string): Promise<Executor> {
    const found = this.#engines.get(type.trim().toLowerCase());
    if (found !== undefined && (await this.#isInstalled(...found))) return found[1];
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

  /** The engines this node can run, for `NodeInfo.ComputeNodeInfo.ExecutionEngines`. */
  async installedTypes(): Promise<string[]> {
    const types: string[] = [];
    for (const [type, executor] of this.#engines.values()) {
      if (await this.#isInstalled(type, executor)) types.push(type);
    }
    return types;
  }

  /** Every executor, installed or not (to stop them, to look for orphans). */
  all(): Executor[] {
    return [...this.#engines.values()].map(([, executor]) => executor);
  }

  // Installation is asked once per engine: a daemon that appears later needs a node restart, as in Go.
  #isInstalled(type: string, executor: Executor): Promise<boolean> {
    let installed = this.#installed.get(type);
    if (installed === undefined) {
      installed = executor.isInstalled().catch(() => false);
      this.#installed.set(type, installed);
    }
    return installed;
  }
}
