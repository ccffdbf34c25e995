import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode, type InputSource } from '../models/index.js';
import { cancelledError } from './errors.js';
import { InlineStorage } from './inline/index.js';
import { cleanupInputs, prepareInputs } from './prepare.js';
import { StorageRegistry } from './registry.js';
import { dataUrl } from './testing/tar.js';
import { useTempDir } from './testing/temp-dir.js';
import type { Storage, StorageVolume } from './types.js';

const input = (Type: string, Target: string, Params: Record<string, unknown> = {}): InputSource => ({
  Source: { Type, Params },
  Alias: '',
  Target,
});
const text = (content: string, target: string) => input('inline', target, { URL: dataUrl(content) });

/** Holds its preparation until cancelled; counts cleanups. Stands in for a slow download. */
class WaitingStorage implements Storage {
  cleanups = 0;
  isInstalled = () => Promise.resolve(true);
  hasStorageLocally = () => Promise.resolve(false);
  getVolumeSize = () => Promise.resolve(0);
  prepareStorage(
    _dir: string,
    _input: InputSource,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<StorageVolume> {
    return new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(cancelledError(signal, 'waiting')));
    });
  }
  cleanupStorage(): Promise<void> {
    this.cleanups++;
    return Promise.reject(new Error('disk on fire'));
  }
}

describe('prepareInputs', () => {
  const temp = useTempDir('storage-prepare-');

  const registry = new StorageRegistry({ inline: new InlineStorage() });

  it('prepares every input, in order', async () => {
    const prepared = await prepareInputs(registry, temp.path, [text('one', '/a'), text('two', '/b')]);
    expect(prepared.map((p) => p.volume.target)).toEqual(['/a', '/b']);
    expect(await cleanupInputs(registry, prepared)).toEqual([]);
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('on a failure cancels the others, cleans up what was prepared and names the input', async () => {
    const waiting = new WaitingStorage();
    const mixed = new StorageRegistry({ inline: new InlineStorage(), s3: waiting });
    const inputs = [text('ok', '/ok'), input('s3', '/slow'), input('inline', '/bad', { URL: 'nope' })];
    await expect(prepareInputs(mixed, temp.path, inputs)).rejects.toMatchObject({
      code: ErrorCode.ValidationError,
      message: expect.stringMatching(
        /^InputSources\[2\]\.Source\.Params\.URL: not a valid data URL/,
      ) as unknown,
      details: { Field: 'InputSources[2].Source.Params.URL' },
    });
    expect(await readdir(temp.path)).toEqual([]);
  });

  it('names unsupported input types', async () => {
    await expect(prepareInputs(registry, temp.path, [input('ipfs', '/x')])).rejects.toMatchObject({
      message: 'InputSources[0].Source.Type: input type "ipfs" is not supported by this compute node',
    });
  });

  it('reports cleanup failures instead of throwing them', async () => {
    const waiting = new WaitingStorage();
    const errors = await cleanupInputs(new StorageRegistry({ s3: waiting }), [
      { input: input('s3', '/x'), volume: { source: '/nowhere', target: '/x', readOnly: true } },
    ]);
    expect(waiting.cleanups).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(BacalhauError);
    expect(errors[0]?.message).toBe('InputSources[0]: disk on fire');
  });
});
