import { describe, expect, it } from 'vitest';
import { InlineStorage, StorageRegistry } from '../../storage/index.js';
import { input } from '../capacity/testing.js';
import { providerInstalledStrategy, specType } from './provider-installed.js';
import { storageInstalledStrategy } from './storage-installed.js';
import { requestWith } from './testing.js';
import { taskOf } from './types.js';

describe('providerInstalledStrategy (publisher)', () => {
  const asked: string[] = [];
  const publisher = providerInstalledStrategy(
    (type) => {
      asked.push(type);
      return Promise.resolve(type.toLowerCase() === 'local');
    },
    (job) => specType(taskOf(job).Publisher?.Type),
  );

  it('accepts an installed publisher, asked for trimmed and named as the job spells it', async () => {
    expect(await publisher.shouldBid(requestWith({ Publisher: { Type: ' Local ' } }))).toEqual({
      shouldBid: true,
      reason: 'this node does support [Local]',
    });
    expect(asked).toContain('Local');
  });

  it('refuses a publisher this node does not have, named as the job spells it (as Go does)', async () => {
    expect(await publisher.shouldBid(requestWith({ Publisher: { Type: ' S3 ' } }))).toEqual({
      shouldBid: false,
      reason: 'this node does not support "S3"',
    });
  });

  it('accepts a task without a publisher', async () => {
    expect(await publisher.shouldBid(requestWith({ Publisher: { Type: '' } }))).toEqual({
      shouldBid: true,
      reason: 'this node does support []',
    });
  });
});

describe('storageInstalledStrategy', () => {
  const strategy = storageInstalledStrategy(new StorageRegistry({ inline: new InlineStorage() }));

  it('accepts when every input type has a provider (case-insensitively), listing each type once', async () => {
    const inputs = [input('inline'), input('Inline'), input('inline')];
    expect(await strategy.shouldBid(requestWith({ InputSources: inputs }))).toEqual({
      shouldBid: true,
      reason: 'this node does support [inline Inline]',
    });
    expect(await strategy.shouldBid(requestWith())).toEqual({
      shouldBid: true,
      reason: 'this node does support []',
    });
  });

  it('refuses at the first input type without a provider', async () => {
    const inputs = [input('inline'), input('urlDownload'), input('s3')];
    expect(await strategy.shouldBid(requestWith({ InputSources: inputs }))).toEqual({
      shouldBid: false,
      reason: 'this node does not support "urlDownload"',
    });
  });
});
