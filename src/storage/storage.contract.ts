/**
 * The behaviour every storage provider must have (see types.ts), as a vitest suite each implementation
 * runs unchanged: `runStorageContract('inline', setup)`.
 *
 * `setup` builds the provider and the inputs to try it with: good ones with what their volume must hold,
 * bad ones with the field their error must name, and optionally one slow enough to cancel mid-way.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode, type InputSource } from '../models/index.js';
import { prepareInputs } from './prepare.js';
import { StorageRegistry, type StorageType } from './registry.js';
import { useTempDir } from './testing/temp-dir.js';
import type { Storage, StorageVolume } from './types.js';

export interface GoodInput {
  name: string;
  input: InputSource;
  /** What the volume holds: `{ '': content }` for a file, else each file by its path inside. */
  files: Record<string, string>;
  target: string;
  readOnly: boolean;
  size: number;
  local: boolean;
}

export interface BadInput {
  name: string;
  input: InputSource;
  /** The field the error names, relative to the input (`Source.Params.URL`). */
  field: string;
  code?: ErrorCode;
  /**
   * Set for an input that only preparing refuses: sizing it answers with this size, for the node's
   * resource check to refuse the bid with Bacalhau's `insufficient resources` (too large for its disk).
   */
  sized?: number;
}

export interface StorageFixture {
  type: StorageType;
  storage: Storage;
  /** Whether its volumes are made for one execution alone (`StorageVolume.exclusive`). */
  exclusive: boolean;
  good: readonly [GoodInput, ...GoodInput[]];
  bad: readonly BadInput[];
  /** An input whose preparation takes long enough to cancel it part-way. */
  slow?: InputSource;
  /** Releases servers and files the setup created. */
  close(): Promise<void>;
}

/** Every file under a volume's source, by relative path (`''` when the source is a file). */
export async function volumeFiles(volume: StorageVolume): Promise<Record<string, string>> {
  if ((await stat(volume.source)).isFile()) return { '': await readFile(volume.source, 'utf8') };
  const files: Record<string, string> = {};
  for (const entry of await readdir(volume.source, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(volume.source, path)] = await readFile(path, 'utf8');
  }
  return files;
}

async function expectFieldError(promise: Promise<unknown>, bad: BadInput, prefix = ''): Promise<void> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${bad.name} should be rejected`).toBeInstanceOf(BacalhauError);
  const error = err as BacalhauError;
  expect(error.details.Field).toBe(`${prefix}${bad.field}`);
  expect(error.message.startsWith(`${prefix}${bad.field}: `), error.message).toBe(true);
  expect(error.hint, `${bad.name} has a hint`).not.toBe('');
  expect(error.message).not.toMatch(/\n\s+at /);
  if (bad.code !== undefined) expect(error.code).toBe(bad.code);
}

export function runStorageContract(name: string, setup: () => Promise<StorageFixture>): void {
  describe(`storage contract: ${name}`, () => {
    let fixture: StorageFixture;
    const temp = useTempDir('storage-contract-');
    let dir: string;

    beforeEach(async () => {
      fixture = await setup();
      dir = temp.path;
    });
    afterEach(() => fixture.close());

    const leftovers = (): Promise<string[]> => readdir(dir);

    it('is installed', async () => {
      expect(await fixture.storage.isInstalled()).toBe(true);
    });

    it('prepares each good input into a volume holding its data', async () => {
      for (const good of fixture.good) {
        const volume = await fixture.storage.prepareStorage(dir, good.input);
        expect(volume.target, good.name).toBe(good.target);
        expect(volume.readOnly, good.name).toBe(good.readOnly);
        expect(volume.exclusive === true, good.name).toBe(fixture.exclusive);
        expect(await volumeFiles(volume), good.name).toEqual(good.files);
        expect(await fixture.storage.hasStorageLocally(good.input), good.name).toBe(good.local);
        expect(await fixture.storage.getVolumeSize(good.input), good.name).toBe(good.size);
        await fixture.storage.cleanupStorage(good.input, volume);
      }
    });

    it('cleans up everything it prepared, idempotently', async () => {
      const good = fixture.good[0];
      const volume = await fixture.storage.prepareStorage(dir, good.input);
      await fixture.storage.cleanupStorage(good.input, volume);
      await fixture.storage.cleanupStorage(good.input, volume);
      expect(await leftovers()).toEqual([]);
    });

    it('gives concurrent preparations of one input independent volumes', async () => {
      const good = fixture.good[0];
      const [first, second] = await Promise.all([
        fixture.storage.prepareStorage(dir, good.input),
        fixture.storage.prepareStorage(dir, good.input),
      ]);
      await fixture.storage.cleanupStorage(good.input, first);
      expect(await volumeFiles(second)).toEqual(good.files);
      await fixture.storage.cleanupStorage(good.input, second);
      expect(await leftovers()).toEqual([]);
    });

    it('rejects bad inputs naming the field and the fix, leaving nothing behind', async () => {
      for (const bad of fixture.bad) {
        await expectFieldError(fixture.storage.prepareStorage(dir, bad.input), bad);
        if (bad.sized === undefined) await expectFieldError(fixture.storage.getVolumeSize(bad.input), bad);
        else expect(await fixture.storage.getVolumeSize(bad.input), bad.name).toBe(bad.sized);
        expect(await leftovers(), bad.name).toEqual([]);
      }
    });

    it('names the input when preparing all inputs of an execution', async () => {
      const registry = new StorageRegistry({ [fixture.type]: fixture.storage });
      for (const bad of fixture.bad) {
        const inputs = [fixture.good[0].input, bad.input];
        await expectFieldError(prepareInputs(registry, dir, inputs), bad, 'InputSources[1].');
        expect(await leftovers(), bad.name).toEqual([]);
      }
    });

    it('rejects an input of another type naming Source.Type', async () => {
      const input = { ...fixture.good[0].input, Source: { Type: 'nonsense', Params: {} } };
      await expect(fixture.storage.prepareStorage(dir, input)).rejects.toMatchObject({
        details: { Field: 'Source.Type' },
      });
    });

    it('does nothing when the signal has already fired', async () => {
      const signal = AbortSignal.abort();
      await expect(
        fixture.storage.prepareStorage(dir, fixture.good[0].input, { signal }),
      ).rejects.toMatchObject({
        code: ErrorCode.RequestCancelled,
      });
      expect(await leftovers()).toEqual([]);
    });

    it('stops part-way when the signal fires, leaving nothing behind', async (ctx) => {
      if (fixture.slow === undefined) return ctx.skip();
      const controller = new AbortController();
      const preparing = fixture.storage.prepareStorage(dir, fixture.slow, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(preparing).rejects.toMatchObject({ code: ErrorCode.RequestCancelled });
      expect(await leftovers()).toEqual([]);
    });
  });
}
