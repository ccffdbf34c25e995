/**
 * Reading and rewriting a WebAssembly binary section by section, for the few changes the executor
 * makes before compiling a module (memory-limit.ts, start-section.ts). A module is its 8-byte header
 * followed by sections: an id byte, the payload's length (unsigned LEB128) and the payload.
 */

/** Section ids used here (the spec's numbering). */
export const SectionId = { Table: 4, Memory: 5, Export: 7, Start: 8 } as const;

/** Whether the module defines a memory of its own; false for bytes that are not a well-formed module. */
export function definesMemory(module: Uint8Array): boolean {
  try {
    return readSections(module).some((s) => s.id === SectionId.Memory && readU32(s.payload, 0).value > 0);
  } catch (err) {
    if (err instanceof MalformedModule) return false;
    throw err;
  }
}

/** Thrown by the readers on bytes that are not well-formed; rewriters then leave the module as it was. */
export class MalformedModule extends Error {}

export interface Section {
  id: number;
  /** The whole section: id, length and payload. */
  bytes: Uint8Array;
  payload: Uint8Array;
}

/**
 * The module's sections, in order.
 * @throws MalformedModule when a section runs past the end
 */
function readSections(module: Uint8Array): Section[] {
  const sections: Section[] = [];
  let pos = 8;
  while (pos < module.length) {
    const id = module[pos]!;
    const size = readU32(module, pos + 1);
    const end = size.next + size.value;
    if (end > module.length) throw new MalformedModule();
    sections.push({ id, bytes: module.subarray(pos, end), payload: module.subarray(size.next, end) });
    pos = end;
  }
  return sections;
}

/** A section with this id and payload, as bytes. */
export function encodeSection(id: number, payload: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.of(id), writeU32(payload.length), payload]);
}

/**
 * The module with its sections replaced by the bytes `rewrite` makes of them. Unchanged when
 * `rewrite` returns undefined, or throws MalformedModule: bytes that are not a well-formed module are
 * left for the compiler to reject with its own message.
 */
export function rewriteModule(
  module: Uint8Array,
  rewrite: (sections: Section[]) => Uint8Array[] | undefined,
): Uint8Array {
  try {
    const sections = rewrite(readSections(module));
    return sections === undefined ? module : Buffer.concat([module.subarray(0, 8), ...sections]);
  } catch (err) {
    if (err instanceof MalformedModule) return module;
    throw err;
  }
}

/**
 * An unsigned LEB128 value of at most 32 bits, and the offset after it.
 * @throws MalformedModule past the end or beyond 5 bytes
 */
export function readU32(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) throw new MalformedModule();
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: offset + i + 1 };
  }
  throw new MalformedModule();
}

export function writeU32(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  do {
    const byte = rest % 128;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? byte | 0x80 : byte);
  } while (rest > 0);
  return Uint8Array.from(out);
}
