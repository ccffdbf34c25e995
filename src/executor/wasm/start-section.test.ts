import { describe, expect, it } from 'vitest';
import { DeferredStartExport, deferStart } from './start-section.js';

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** Type section: one type, () -> (). Function section: two functions of it. Code: two empty bodies. */
const types = [0x01, 0x04, 0x01, 0x60, 0x00, 0x00];
const functions = [0x03, 0x03, 0x02, 0x00, 0x00];
const code = [0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b];
/** Export section: function 0 as "run". */
const exportRun = [0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x00];
/** Start section: function 1. */
const startAt1 = [0x08, 0x01, 0x01];

interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string; kind: string }[] };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };
const exportsOf = (bytes: Uint8Array) => WebAssembly.Module.exports(new WebAssembly.Module(bytes));
describe('deferStart', () => {
  it('moves the start function into a new export section where there is none', () => {
    const deferred = deferStart(Uint8Array.from([...header, ...types, ...functions, ...startAt1, ...code]));
    const name = [...Buffer.from(DeferredStartExport)];
    // in place of the start section: one export, function 1 under the deferred name
    const exported = [0x07, name.length + 4, 0x01, name.length, ...name, 0x00, 0x01];
    expect([...deferred]).toEqual([...header, ...types, ...functions, ...exported, ...code]);
    expect(WebAssembly.validate(deferred)).toBe(true);
    expect(exportsOf(deferred)).toEqual([{ name: DeferredStartExport, kind: 'function' }]);
  });

  it('adds it to the exports the module has', () => {
    const deferred = deferStart(
      Uint8Array.from([...header, ...types, ...functions, ...exportRun, ...startAt1, ...code]),
    );
    expect(WebAssembly.validate(deferred)).toBe(true);
    expect(exportsOf(deferred)).toEqual([
      { name: 'run', kind: 'function' },
      { name: DeferredStartExport, kind: 'function' },
    ]);
  });

  it('leaves a module without a start section, and bytes that are not a module, as they are', () => {
    const plain = Uint8Array.from([...header, ...types, ...functions, ...exportRun, ...code]);
    expect(deferStart(plain)).toBe(plain);
    const cut = Uint8Array.from([...header, ...types, 0x08, 0x05, 0x01]);
    expect(deferStart(cut)).toBe(cut);
  });
});
