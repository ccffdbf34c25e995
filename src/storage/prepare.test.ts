import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode, type InputSource } from '../models/index.js';
import { cancelledError } from './errors.js';
import { InlineStorage } from './inline/index.js';
import { cleanupInputs, ConcurrentInputs, prepareInputs } from './prepare.js';
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

  it(`prepares ${ConcurrentInputs} inputs at a time, and begins none after a failure`, async () => {
    let running = 0;
    let most = 0;
    const started: string[] = [];
    /** Takes a few turns of the event loop per input; refuses /fail. */
    class CountingStorage extends WaitingStorage {
      override async prepareStorage(_dir: string, input: InputSource): Promise<StorageVolume> {
        started.push(input.Target);
        running++;
        most = Math.max(most, running);
        for (let i = 0; i < 3; i++) await new Promise(setImmediate);
        running--;
        if (input.Target === '/fail') throw new Error('refused');
        return { source: '/nowhere', target: input.Target, readOnly: true };
      }
    }
    const counting = new CountingStorage();
    const counted = new StorageRegistry({ s3: counting });
    const many = Array.from({ length: 30 }, (_, i) => input('s3', `/in/${i}`));
    const prepared = await prepareInputs(counted, temp.path, many);
    expect(prepared.map((p) => p.volume.target)).toEqual(many.map((i) => i.Target));
    expect(most).toBe(ConcurrentInputs);

    started.length = 0;
    await expect(prepareInputs(counted, temp.path, [input('s3', '/fail'), ...many])).rejects.toThrow(
      'InputSources[0]: refused',
    );
    expect(started.length).toBeLessThanOrEqual(ConcurrentInputs);
  });

  it('lets other work run while it writes, and removes, thousands of inline inputs', async () => {
    /** Whether a callback queued now runs before `work` is done. */
    const runsMeanwhile = async <T>(work: () => Promise<T>): Promise<[T, boolean]> => {
      let ran = false;
      setImmediate(() => (ran = true));
      const result = await work();
      return [result, ran];
    };
    const inputs = Array.from({ length: 5_000 }, (_, i) => text(`${i}`, `/in/${i}`));
    const [prepared, whilePreparing] = await runsMeanwhile(() => prepareInputs(registry, temp.path, inputs));
    expect(prepared).toHaveLength(5_000);
    const [failures, whileCleaning] = await runsMeanwhile(() => cleanupInputs(registry, prepared));
    expect(failures).toEqual([]);
    expect(await readdir(temp.path)).toEqual([]);
    expect([whilePreparing, whileCleaning]).toEqual([true, true]);
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
