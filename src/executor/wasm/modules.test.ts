import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { hostPathOf, loadProgram, WebAssemblyApi } from './modules.js';
import { encodeSection, writeU32 } from './wasm-binary.js';

describe('hostPathOf', () => {
  const volumes = [
    { source: '/host/a', target: '/inputs', readOnly: true },
    { source: '/host/b', target: '/inputs/nested', readOnly: true },
    { source: '/host/m.wasm', target: '/app/m.wasm', readOnly: true },
  ];

  it('maps a guest path through the input with the longest matching target', () => {
    expect(hostPathOf('/inputs/x/y', volumes)).toBe('/host/a/x/y');
    expect(hostPathOf('/inputs/nested/z', volumes)).toBe('/host/b/z');
    expect(hostPathOf('/app/m.wasm', volumes)).toBe('/host/m.wasm');
    expect(hostPathOf('app/m.wasm', volumes)).toBe('/host/m.wasm');
  });

  it('finds nothing outside the inputs, nor through a look-alike prefix or ..', () => {
    expect(hostPathOf('/inputsX/file', volumes)).toBeUndefined();
    expect(hostPathOf('/inputs/../etc/passwd', volumes)).toBeUndefined();
    expect(hostPathOf('/other', volumes)).toBeUndefined();
  });
});

describe('loadProgram', () => {
  /** (module (import "<from>" "<imported>" (func)) (func (export "<exported>"))) */
  const importing = (from: string, imported: string, exported: string): Uint8Array => {
    const name = (text: string) => Buffer.concat([writeU32(Buffer.byteLength(text)), Buffer.from(text)]);
    return Buffer.concat([
      Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00),
      encodeSection(1, Uint8Array.of(1, 0x60, 0, 0)),
      encodeSection(2, Buffer.concat([Uint8Array.of(1), name(from), name(imported), Uint8Array.of(0, 0)])),
      encodeSection(3, Uint8Array.of(1, 0)),
      encodeSection(7, Buffer.concat([Uint8Array.of(1), name(exported), Uint8Array.of(0, 1)])),
      encodeSection(10, Uint8Array.of(1, 2, 0, 0x0b)),
    ]);
  };

  it('refuses modules that import from each other, naming the cycle', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-modules-'));
    try {
      const files = {
        'main.wasm': importing('/a.wasm', 'g', '_start'),
        'a.wasm': importing('/b.wasm', 'f', 'g'),
        'b.wasm': importing('/a.wasm', 'g', 'f'),
      };
      for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
      const volumes = Object.keys(files).map((file) => ({
        source: join(dir, file),
        target: `/${file}`,
        readOnly: true,
      }));
      const spec = { EntryModule: '/main.wasm', Entrypoint: '_start', Parameters: [], ImportModules: [] };
      await expect(loadProgram(spec, volumes, undefined)).rejects.toMatchObject({
        message: 'modules import each other: "/a.wasm" imports from "/b.wasm", which imports from "/a.wasm"',
        code: 'UnknownModuleError',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // (module (func (export "_start")))
  const startOnly = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
    0x00, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02,
    0x00, 0x0b,
  ]);
  const spec = (entry: string) => ({
    EntryModule: entry,
    Entrypoint: '_start',
    Parameters: [],
    ImportModules: [],
  });

  it('says whether a module keeps a memory to itself, which its worker cannot measure', async () => {
    // (module (memory 1) (func (export "_start"))), and the same exporting its memory
    const hiding = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
      0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00,
      0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
    ];
    const exporting = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
      0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
      0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
    ];
    const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-modules-'));
    try {
      const hides = async (bytes: Uint8Array | number[]) => {
        await writeFile(join(dir, 'main.wasm'), Uint8Array.from(bytes));
        const volumes = [{ source: join(dir, 'main.wasm'), target: '/main.wasm', readOnly: true }];
        return (await loadProgram(spec('/main.wasm'), volumes, undefined)).hidesMemory;
      };
      expect(await hides(hiding)).toBe(true);
      expect(await hides(exporting)).toBe(false);
      expect(await hides(startOnly)).toBe(false); // no memory at all
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("finds an EntryModule named by a urlDownload input's Target, which holds the downloaded file", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-modules-'));
    try {
      await writeFile(join(dir, 'main.wasm'), startOnly);
      // urlDownload mounts the file at <Target>/<file name>
      const volumes = [{ source: join(dir, 'main.wasm'), target: '/app/m.wasm/main.wasm', readOnly: true }];
      const program = await loadProgram(spec('/app/m.wasm'), volumes, undefined);
      expect(program.dependencies).toEqual([]);
      const twice = [
        ...volumes,
        { source: join(dir, 'main.wasm'), target: '/app/m.wasm/other.wasm', readOnly: true },
      ];
      await expect(loadProgram(spec('/app/m.wasm'), twice, undefined)).rejects.toMatchObject({
        message: expect.stringContaining('2 .wasm inputs are mounted in it: name one of them') as unknown,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists the exports of an imported module once, however many of them are imported', async () => {
    const bytes = (...parts: (Uint8Array | number[])[]): Uint8Array =>
      Buffer.concat(parts.map((p) => Uint8Array.from(p)));
    const vector = (items: (Uint8Array | number[])[]): Uint8Array => bytes(writeU32(items.length), ...items);
    const name = (text: string): Uint8Array => bytes(writeU32(text.length), Buffer.from(text));
    const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const types = encodeSection(1, vector([[0x60, 0x00, 0x00]])); // () -> ()
    const emptyBody = [0x02, 0x00, 0x0b];
    const names = Array.from({ length: 200 }, (_, i) => `f${i}`);
    // exports f0..f199; the entry imports each of them, then exports its own _start
    const dependency = bytes(
      header,
      types,
      encodeSection(3, vector(names.map(() => [0x00]))),
      encodeSection(7, vector(names.map((f, i) => bytes(name(f), [0x00], writeU32(i))))),
      encodeSection(10, vector(names.map(() => emptyBody))),
    );
    const entry = bytes(
      header,
      types,
      encodeSection(2, vector(names.map((f) => bytes(name('/app/lib.wasm'), name(f), [0x00, 0x00])))),
      encodeSection(3, vector([[0x00]])),
      encodeSection(7, vector([bytes(name('_start'), [0x00], writeU32(names.length))])),
      encodeSection(10, vector([emptyBody])),
    );
    const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-modules-'));
    const listed = vi.spyOn(WebAssemblyApi.Module, 'exports');
    try {
      await writeFile(join(dir, 'lib.wasm'), dependency);
      await writeFile(join(dir, 'main.wasm'), entry);
      const volumes = ['lib', 'main'].map((file) => ({
        source: join(dir, `${file}.wasm`),
        target: `/app/${file}.wasm`,
        readOnly: true,
      }));
      const program = await loadProgram(spec('/app/main.wasm'), volumes, undefined);
      expect(program.dependencies.map((d) => d.name)).toEqual(['/app/lib.wasm']);
      // each module's once when compiled (its memory), the entry's for its entrypoint, and the
      // dependency's once for its importer: not once per import (200, which took 1.4 s at 3,000)
      expect(listed.mock.calls.length).toBeLessThanOrEqual(4);
    } finally {
      listed.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
