/**
 * The publishers of one compute node, keyed by wire type (Bacalhau's `MappedProvider` built by
 * `NewPublisherProvider`). Types match case-insensitively and ignoring surrounding space, as in Go.
 * Only the composition root constructs one.
 *
 * A job whose publisher spec is empty (`Type` "" and no `Params`, Go's `SpecConfig.IsEmpty`) is not
 * published at all: the compute node skips the Publishing state and leaves `PublishedResult` empty,
 * and the bidder does not ask for a publisher. The orchestrator has already filled an empty publisher
 * from `JobDefaults.<Batch|Ops>.Task.Publisher`, so this happens only when no default is configured.
 */
import { InstalledProviders } from '../lib/installed-providers.js';
import { ErrorCode } from '../models/index.js';
import { fieldError, PublisherField } from './errors.js';
import type { Publisher } from './types.js';

/** The publisher types bacalhau-ts knows; `s3`, `s3managed` and `ipfs` arrive with their publishers. */
export type PublisherType = 'noop' | 'local' | 's3' | 's3managed' | 'ipfs';

export class PublisherRegistry {
  readonly #publishers: InstalledProviders<Publisher>;

  constructor(publishers: Partial<Record<PublisherType, Publisher>>) {
    this.#publishers = new InstalledProviders(publishers);
  }

  /**
   * The publisher for `type` (a job's `Tasks[0].Publisher.Type`).
   * @throws BacalhauError NotImplemented (field `Tasks[0].Publisher.Type`) when this node has no
   *   installed publisher of that type.
   */
  async get(type: string): Promise<Publisher> {
    const publisher = await this.#publishers.find(type);
    if (publisher !== undefined) return publisher;
    const served = await this.installedTypes();
    const supported =
      served.length === 0 ? 'This node publishes nothing' : `This node supports ${served.join(', ')}`;
    throw fieldError(
      `${PublisherField}.Type`,
      type.trim() === '' ? 'missing' : `publisher type "${type}" is not supported by this compute node`,
      {
        code: ErrorCode.NotImplemented,
        hint: `${supported}: name one of them, or run the job on a node that supports the one you need.`,
      },
    );
  }

  /** Whether this node publishes with `type` (matched as `get` matches it), for bidding. */
  async has(type: string): Promise<boolean> {
    return (await this.#publishers.find(type)) !== undefined;
  }

  /** The wire types this node publishes with, for `NodeInfo.ComputeNodeInfo.Publishers`. */
  installedTypes(): Promise<string[]> {
    return this.#publishers.installedTypes();
  }
}
