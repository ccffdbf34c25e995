/**
 * The storage providers of one compute node, keyed by wire type (Bacalhau's `MappedProvider` built by
 * `NewStandardStorageProvider`). Types match case-insensitively, as in Go; `localDirectory` is the
 * deprecated name of `local`. Only the composition root constructs one.
 */
import { ErrorCode, StorageSource } from '../models/index.js';
import { fieldError } from './errors.js';
import type { Storage } from './types.js';

/** The input types bacalhau-ts knows; `s3` and `ipfs` arrive with their own providers. */
export type StorageType = 'inline' | 'urlDownload' | 'local' | 's3' | 'ipfs';

const aliases: Readonly<Record<string, StorageType>> = {
  [StorageSource.LocalDirectory.toLowerCase()]: 'local',
};

export class StorageRegistry {
  readonly #providers: ReadonlyMap<string, readonly [StorageType, Storage]>;
  // Installation does not change while a node runs (Go caches it too); asked once per type.
  readonly #installed = new Map<StorageType, Promise<boolean>>();

  constructor(providers: Partial<Record<StorageType, Storage>>) {
    const entries = Object.entries(providers) as [StorageType, Storage | undefined][];
    this.#providers = new Map(
      entries.flatMap(([type, storage]) =>
        storage === undefined ? [] : [[type.toLowerCase(), [type, storage] as const]],
      ),
    );
  }

  /**
   * The provider for `type` (an input's `Source.Type`).
   * @throws BacalhauError NotImplemented (field `Source.Type`) when this node has no installed provider.
   */
  async get(type: string): Promise<Storage> {
    const key = type.trim().toLowerCase();
    const found = this.#providers.get(aliases[key] ?? key);
    if (found !== undefined && (await this.#isInstalled(...found))) return found[1];
    const served = await this.installedTypes();
    throw fieldError('Source.Type', `input type "${type}" is not supported by this compute node`, {
      code: ErrorCode.NotImplemented,
      hint:
        served.length === 0
          ? 'This node accepts no inputs: run the job on a node that supports this type.'
          : `This node supports ${served.join(', ')}: use one of them, or run the job on a node that supports "${type}".`,
    });
  }

  /** The wire types this node serves, for `NodeInfo.ComputeNodeInfo.StorageSources` (Go lists both names of local). */
  async installedTypes(): Promise<string[]> {
    const types: string[] = [];
    for (const [type, storage] of this.#providers.values()) {
      if (!(await this.#isInstalled(type, storage))) continue;
      types.push(type);
      if (type === 'local') types.push(StorageSource.LocalDirectory);
    }
    return types;
  }

  #isInstalled(type: StorageType, storage: Storage): Promise<boolean> {
    let installed = this.#installed.get(type);
    if (installed === undefined) {
      installed = storage.isInstalled();
      this.#installed.set(type, installed);
    }
    return installed;
  }
}
