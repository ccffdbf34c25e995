import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../models/index.js';
import { NoopPublisher } from './noop/noop.js';
import { PublisherRegistry } from './registry.js';
import type { Publisher } from './types.js';

/** A noop publisher that says it is not installed (an IPFS node that does not answer, say). */
class Uninstalled extends NoopPublisher {
  override isInstalled(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

describe('PublisherRegistry', () => {
  it('lists installed types for NodeInfo and leaves out the others', async () => {
    const noop = new NoopPublisher();
    const registry = new PublisherRegistry({ noop, ipfs: new Uninstalled() });
    expect(await registry.installedTypes()).toEqual(['noop']);
    expect(await registry.get('\tNoOp ')).toBe(noop);
    expect([await registry.has('NOOP'), await registry.has('ipfs'), await registry.has('s3')]).toEqual([
      true,
      false,
      false,
    ]);
    await expect(registry.get('ipfs')).rejects.toMatchObject({
      code: ErrorCode.NotImplemented,
      message: 'Tasks[0].Publisher.Type: publisher type "ipfs" is not supported by this compute node',
      hint: 'This node supports noop: name one of them, or run the job on a node that supports the one you need.',
      details: { Field: 'Tasks[0].Publisher.Type' },
    });
  });

  it('asks each publisher once whether it is installed', async () => {
    let asked = 0;
    const counting: Publisher = Object.assign(new NoopPublisher(), {
      isInstalled: () => Promise.resolve(++asked > 0),
    });
    const registry = new PublisherRegistry({ noop: counting });
    await registry.get('noop');
    await registry.installedTypes();
    expect(asked).toBe(1);
  });

  it('refuses an empty type, which the compute node never publishes with', async () => {
    await expect(new PublisherRegistry({}).get(' ')).rejects.toMatchObject({
      code: ErrorCode.NotImplemented,
      message: 'Tasks[0].Publisher.Type: missing',
      hint: expect.stringContaining('This node publishes nothing') as unknown,
    });
  });
});
