import { describe, expect, it } from 'vitest';
import type { InputSource } from '../../models/input-source.js';
import type { Resources } from '../../models/resources.js';
import type { Task } from '../../models/task.js';
import { InlineStorage, StorageRegistry, UrlDownloadStorage } from '../../storage/index.js';
import { inlineInput, input } from './testing.js';
import { calculateUsage, DefaultComputeJobResourceLimits } from './usage.js';

const storages = new StorageRegistry({
  inline: new InlineStorage(),
  urlDownload: new UrlDownloadStorage({ timeoutMs: 2000, maxRetries: 0 }),
});
const options = { defaults: { ...DefaultComputeJobResourceLimits }, storages };
const task = (inputs: InputSource[] = []): Task => ({ Name: 'main', InputSources: inputs });
const zero: Resources = { CPU: 0, Memory: 0, Disk: 0, GPU: 0 };

describe('calculateUsage', () => {
  it("fills dimensions the task leaves at zero from the node's defaults (100m CPU, 100 MiB)", async () => {
    expect(await calculateUsage(task(), zero, options)).toEqual({
      CPU: 0.1,
      Memory: 100 * 1024 ** 2,
      Disk: 0,
      GPU: 0,
    });
    const asked = { CPU: 2, Memory: 1e9, Disk: 5, GPU: 1 };
    expect(await calculateUsage(task(), asked, options)).toEqual(asked);
  });

  it('raises the disk to the total size of the inputs, never lowers it', async () => {
    const inputs = [inlineInput('hello'), inlineInput('bacalhau!')];
    expect((await calculateUsage(task(inputs), zero, options)).Disk).toBe(14);
    expect((await calculateUsage(task(inputs), { ...zero, Disk: 1000 }, options)).Disk).toBe(1000);
  });

  it('fails naming the cause when an input size cannot be found out', async () => {
    const unreachable = input('urlDownload', { URL: 'http://127.0.0.1:9/data.csv' });
    const inputs = [inlineInput('hello'), unreachable];
    const err = await calculateUsage(task(inputs), zero, options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NetworkFailure' });
    // which of the inputs, as preparing it would say
    expect((err as Error).message).toMatch(
      /^error getting job disk space requirements: InputSources\[1\]\.Source\.Params\.URL: /,
    );
  });

  it("passes on the storage lookup's error for a type this node lacks", async () => {
    await expect(calculateUsage(task([input('s3')]), zero, options)).rejects.toMatchObject({
      code: 'NotImplemented',
    });
  });
});
