import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmModuleInput } from './module.js';

describe('wasm run <module>', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-wasm-module-'));
    await writeFile(join(dir, 'hello.wasm'), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const url = (URL: string, Target: string) => ({
    Source: { Type: 'urlDownload', Params: { URL } },
    Alias: URL,
    Target,
  });

  it('downloads a URL with a port whole, at the default target (the colon is not a :target)', async () => {
    expect(await wasmModuleInput('http://127.0.0.1:18650/hello.wasm', 'main.wasm', dir)).toEqual(
      url('http://127.0.0.1:18650/hello.wasm', 'main.wasm'),
    );
  });

  it('takes what follows the last colon of a URL without a port as its target', async () => {
    expect(await wasmModuleInput('https://example.org/m.wasm:/app/m.wasm', 'main.wasm', dir)).toEqual(
      url('https://example.org/m.wasm', '/app/m.wasm'),
    );
  });

  it('says what is wrong with a URL it cannot use, rather than take it for a target path', async () => {
    await expect(wasmModuleInput('foo://host:1/m.wasm', 'main.wasm', dir)).rejects.toThrow(
      /unknown storage schema: foo/,
    );
  });

  it('uploads a local file inline; a name that is no file is a target path', async () => {
    const local = await wasmModuleInput('hello.wasm', 'main.wasm', dir);
    expect(local).toMatchObject({ Source: { Type: 'inline' }, Target: 'main.wasm' });
    expect(await wasmModuleInput('/wasm/entry.wasm', 'main.wasm', dir)).toBeUndefined();
  });
});
