import { describe, expect, it } from 'vitest';
import { InlineStorage, LocalStorage, StorageRegistry, UrlDownloadStorage } from '../../storage/index.js';
import { useTempDir } from '../../storage/testing/temp-dir.js';
import { inlineInput, input } from '../capacity/testing.js';
import { inputLocalityStrategy } from './input-locality.js';
import { requestWith } from './testing.js';

describe('inputLocalityStrategy', () => {
  const dir = useTempDir('locality-');
  const registry = async () =>
    new StorageRegistry({
      inline: new InlineStorage(),
      urlDownload: new UrlDownloadStorage(),
      local: await LocalStorage.create({ allowListedLocalPaths: [dir.path] }),
    });

  it('accepts any job with Locality anywhere, without asking the storages', async () => {
    const strategy = inputLocalityStrategy('anywhere', new StorageRegistry({}));
    expect(await strategy.shouldBid(requestWith({ InputSources: [input('s3')] }))).toEqual({
      shouldBid: true,
      reason: 'this node does download data that is not available locally',
    });
  });

  it('with Locality local, accepts when every input is already here', async () => {
    const strategy = inputLocalityStrategy('local', await registry());
    const inputs = [inlineInput('x'), input('local', { SourcePath: dir.path })];
    expect(await strategy.shouldBid(requestWith({ InputSources: inputs }))).toEqual({
      shouldBid: true,
      reason: 'this node does have all input data locally (0 inputs require downloading)',
    });
  });

  it('with Locality local, refuses and counts the inputs to download', async () => {
    const strategy = inputLocalityStrategy('local', await registry());
    const inputs = [
      input('urlDownload', { URL: 'http://127.0.0.1:9/a' }),
      inlineInput('x'),
      input('local', { SourcePath: `${dir.path}/missing` }),
    ];
    expect(await strategy.shouldBid(requestWith({ InputSources: inputs }))).toEqual({
      shouldBid: false,
      reason: 'this node does not have all input data locally (2 inputs require downloading)',
    });
  });

  it('fails (as Go) for an input type without a provider, and names a provider failure', async () => {
    const strategy = inputLocalityStrategy('local', await registry());
    await expect(strategy.shouldBid(requestWith({ InputSources: [input('s3')] }))).rejects.toMatchObject({
      code: 'NotImplemented',
    });
    await expect(
      strategy.shouldBid(requestWith({ InputSources: [input('local', {})] })),
    ).rejects.toMatchObject({
      code: 'ValidationError',
      message: expect.stringMatching(
        /^InputLocalityStrategy: failed to check for storage resource locality: Source\.Params\.SourcePath/,
      ) as unknown,
    });
  });
});
