/**
 * The storage providers of one compute node, keyed by wire type (Bacalhau's `MappedProvider` built by
 * `NewStandardStorageProvider`). Types match case-insensitively, as in Go; `localDirectory` is the
 * deprecated name of `local`. Only the composition root constructs one.
 */
import { InstalledProviders } from '../lib/installed-providers.js';
import { ErrorCode, StorageSource } from '../models/index.js';
import { fieldError } from '../models/sources/errors.js';
import type { Storage } from './types.js';

/** The input types bacalhau-ts knows; `s3` and `ipfs` arrive with their own providers. */
export type StorageType = 'inline' | 'urlDownload' | 'local' | 's3' | 'ipfs';

const aliases: Readonly<Record<string, StorageType>> = {
  [StorageSource.LocalDirectory.toLowerCase()]: 'local',
};

export class StorageRegistry {
  readonly #providers: InstalledProviders<Storage>;

  constructor(providers: Partial<Record<StorageType, Storage>>) {
    this.#providers = new InstalledProviders(providers);
  }

  /**
   * The provider for `type` (an input's `Source.Type`).
   * @throws BacalhauError NotImplemented (field `Source.Type`) when this node has no installed provider.
   */
  async get(type: string): Promise<Storage> {
    const key = type.trim().toLowerCase();
    const storage = await this.#providers.find(aliases[key] ?? key);
    if (storage !== undefined) return storage;
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
    return (await this.#providers.installedTypes()).flatMap((type) =>
      type === 'local' ? [type, StorageSource.LocalDirectory] : [type],
    );
  }
}
