/**
 * A module's start function, run after WASI is bound instead of during instantiation.
 *
 * The start function (section 8) runs inside `new WebAssembly.Instance`, before the instance's
 * exports, its memory among them, exist: node:wasi cannot be bound to the memory yet, so a start
 * function calling WASI failed (AssemblyScript's top-level code compiles to one). wazero runs it with
 * WASI working. So the start section is removed and the function exported under
 * {@link DeferredStartExport} instead, for the worker to call once WASI is bound (worker.ts).
 */
import * as binary from './wasm-binary.js';

/** A name no compiler gives an export (it starts with a NUL character). */
export const DeferredStartExport = '\u0000bacalhau-deferred-start';

const FunctionExport = 0x00;

/**
 * The module with its start function exported as {@link DeferredStartExport} rather than run at
 * instantiation. A module without a start section, one that exports that name already, and bytes
 * that are not a well-formed module are returned unchanged.
 */
export function deferStart(bytes: Uint8Array): Uint8Array {
  return binary.rewriteModule(bytes, (sections) => {
    const start = sections.find((s) => s.id === binary.SectionId.Start);
    if (start === undefined) return undefined;
    const exported = exportEntry(binary.readU32(start.payload, 0).value);
    const exports = sections.find((s) => s.id === binary.SectionId.Export);
    if (exports !== undefined && exportNames(exports).includes(DeferredStartExport)) return undefined;
    return sections.flatMap((section) => {
      if (section === exports) return [withEntry(section, exported)];
      // with no export section, one goes where the start section was: between the sections that
      // must come before exports (ids up to 7, and 13) and those that must come after
      if (section === start) {
        return exports === undefined
          ? [binary.encodeSection(binary.SectionId.Export, withCount(1, exported))]
          : [];
      }
      return [section.bytes];
    });
  });
}

/** One export entry: the name, then the function's index. */
function exportEntry(functionIndex: number): Uint8Array {
  const name = Buffer.from(DeferredStartExport, 'utf8');
  return Buffer.concat([
    binary.writeU32(name.length),
    name,
    Uint8Array.of(FunctionExport),
    binary.writeU32(functionIndex),
  ]);
}

function withCount(count: number, entries: Uint8Array): Uint8Array {
  return Buffer.concat([binary.writeU32(count), entries]);
}

/** The export section with one more entry at its end. */
function withEntry(section: binary.Section, entry: Uint8Array): Uint8Array {
  const count = binary.readU32(section.payload, 0);
  const entries = section.payload.subarray(count.next);
  return binary.encodeSection(
    binary.SectionId.Export,
    withCount(count.value + 1, Buffer.concat([entries, entry])),
  );
}

/** The names the export section exports. */
function exportNames(section: binary.Section): string[] {
  const { payload } = section;
  const count = binary.readU32(payload, 0);
  const names: string[] = [];
  let pos = count.next;
  for (let i = 0; i < count.value; i++) {
    const length = binary.readU32(payload, pos);
    const end = length.next + length.value;
    if (end + 1 > payload.length) throw new binary.MalformedModule();
    names.push(Buffer.from(payload.subarray(length.next, end)).toString('utf8'));
    pos = binary.readU32(payload, end + 1).next; // the kind byte, then the index
  }
  return names;
}
