/**
 * The task's memory limit, applied the way wazero's `WithMemoryLimitPages` does: every memory the
 * module defines gets a maximum of at most the limit, so `memory.grow` past it fails inside the module
 * (malloc returns NULL) instead of taking the host's memory. Worker `resourceLimits` cannot do this:
 * they cap the JavaScript heap, and WebAssembly memory lives outside it.
 *
 * Only the binary's memory section (id 5) is rewritten; imported memories are capped where they are
 * defined, in the module that exports them.
 */
import { memoryLimitError } from './errors.js';
import {
  encodeSection,
  MalformedModule,
  readU32,
  rewriteModule,
  SectionId,
  writeU32,
} from './wasm-binary.js';

export const WasmPageSize = 64 * 1024;
/** wasm32 addresses 4 GiB: 65536 pages. */
export const WasmMaxPages = 65536;

const HasMaximum = 0x01;

/**
 * Pages allowed for `memoryBytes` (rounded up to whole pages), or undefined for no limit (0).
 * @throws BacalhauError MemoryLimitError above 4 GiB, with Go's message.
 */
export function memoryLimitPages(memoryBytes: number): number | undefined {
  if (memoryBytes <= 0) return undefined;
  const pages = Math.ceil(memoryBytes / WasmPageSize);
  if (pages > WasmMaxPages) {
    const gb = (n: number) => (n / 2 ** 30).toFixed(2);
    throw memoryLimitError(
      `requested memory exceeds the wasm limit - ${gb(memoryBytes)} GB > ${gb(WasmMaxPages * WasmPageSize)} GB`,
    );
  }
  return pages;
}

/**
 * The module with each defined memory's maximum lowered to `limitPages`. Bytes that are not a
 * well-formed module are returned unchanged, for the compiler to reject with its own message.
 * @throws BacalhauError MemoryLimitError when a memory needs more than the limit at start.
 */
export function capMemory(bytes: Uint8Array, limitPages: number): Uint8Array {
  return rewriteModule(bytes, (sections) =>
    sections.map((section) =>
      section.id === SectionId.Memory
        ? encodeSection(section.id, capMemorySection(section.payload, limitPages))
        : section.bytes,
    ),
  );
}

function capMemorySection(section: Uint8Array, limitPages: number): Uint8Array {
  const count = readU32(section, 0);
  const out: number[] = [...writeU32(count.value)];
  let pos = count.next;
  for (let i = 0; i < count.value; i++) {
    const flags = section[pos];
    // memory64 and unknown flags: leave the section to the compiler
    if (flags === undefined || flags > 0x03) throw new MalformedModule();
    const min = readU32(section, pos + 1);
    pos = min.next;
    let max = Infinity;
    if ((flags & HasMaximum) !== 0) {
      const declared = readU32(section, pos);
      max = declared.value;
      pos = declared.next;
    }
    if (min.value > limitPages) {
      throw memoryLimitError(
        `the module needs ${min.value * WasmPageSize} bytes of memory at start, more than the task's ` +
          `memory limit of ${limitPages * WasmPageSize} bytes`,
      );
    }
    out.push(flags | HasMaximum, ...writeU32(min.value), ...writeU32(Math.min(max, limitPages)));
  }
  if (pos !== section.length) throw new MalformedModule();
  return Uint8Array.from(out);
}
