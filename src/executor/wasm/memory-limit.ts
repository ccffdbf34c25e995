/**
 * The task's memory limit, applied the way wazero's `WithMemoryLimitPages` does: every memory the
 * module defines gets a maximum of at most the limit, so `memory.grow` past it fails inside the module
 * (malloc returns NULL) instead of taking the host's memory. Worker `resourceLimits` cannot do this:
 * they cap the JavaScript heap, and WebAssembly memory lives outside it.
 *
 * Tables are capped too, with or without a memory limit: their entries live on the worker's V8 heap,
 * which no worker limit bounds either (V8 aborts the whole process when it runs out: 48 tables grown
 * to V8's 10 million entries each took 7.4 GB and ended the node). Together they may hold
 * {@link MaxTableEntries} entries, far more than programs use (one funcref table per module, sized by
 * its address-taken functions), ~16 MB of heap at most.
 *
 * Only the binary's memory (id 5) and table (id 4) sections are rewritten; imported memories and
 * tables are capped where they are defined, in the module that exports them.
 */
import { memoryLimitError, tableLimitError } from './errors.js';
import {
  encodeSection,
  MalformedModule,
  readU32,
  rewriteModule,
  SectionId,
  writeU32,
} from './wasm-binary.js';

export const WasmPageSize = 64 * 1024;
/** The entries a module's tables may hold in all. */
export const MaxTableEntries = 1 << 20;
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
 * The module with each defined memory's maximum lowered to `limitPages` (none: no limit), and its
 * tables' maximums lowered to share {@link MaxTableEntries}. Bytes that are not a well-formed module
 * are returned unchanged, for the compiler to reject with its own message.
 * @throws BacalhauError MemoryLimitError when a memory or the tables need more than their limit at start.
 */
export function capMemory(bytes: Uint8Array, limitPages: number | undefined): Uint8Array {
  return rewriteModule(bytes, (sections) =>
    sections.map((section) => {
      if (section.id === SectionId.Table) return encodeSection(section.id, capTableSection(section.payload));
      if (section.id === SectionId.Memory && limitPages !== undefined) {
        return encodeSection(section.id, capMemorySection(section.payload, limitPages));
      }
      return section.bytes;
    }),
  );
}

const FuncRef = 0x70;
const ExternRef = 0x6f;

/** Each table's maximum lowered so that together they hold at most MaxTableEntries. */
function capTableSection(section: Uint8Array): Uint8Array {
  const count = readU32(section, 0);
  const tables: { type: number; min: number; max: number }[] = [];
  let pos = count.next;
  for (let i = 0; i < count.value; i++) {
    const type = section[pos];
    const flags = section[pos + 1];
    // other reference types, initialisers and 64-bit tables: leave the section to the compiler
    if ((type !== FuncRef && type !== ExternRef) || flags === undefined || flags > HasMaximum) {
      throw new MalformedModule();
    }
    const limits = readLimits(section, pos + 2, flags);
    pos = limits.next;
    tables.push({ type, min: limits.min, max: limits.max });
  }
  if (pos !== section.length) throw new MalformedModule();
  const atStart = tables.reduce((sum, t) => sum + t.min, 0);
  if (atStart > MaxTableEntries) {
    throw tableLimitError(
      `the module's tables hold ${atStart} entries at start, more than the ${MaxTableEntries} a task's tables may hold`,
    );
  }
  const share = Math.floor((MaxTableEntries - atStart) / Math.max(1, tables.length));
  const out: number[] = [...writeU32(tables.length)];
  for (const { type, min, max } of tables) {
    out.push(type, HasMaximum, ...writeU32(min), ...writeU32(Math.min(max, min + share)));
  }
  return Uint8Array.from(out);
}

function capMemorySection(section: Uint8Array, limitPages: number): Uint8Array {
  const count = readU32(section, 0);
  const out: number[] = [...writeU32(count.value)];
  let pos = count.next;
  for (let i = 0; i < count.value; i++) {
    const flags = section[pos];
    // memory64 and unknown flags: leave the section to the compiler
    if (flags === undefined || flags > 0x03) throw new MalformedModule();
    const { min, max, next } = readLimits(section, pos + 1, flags);
    pos = next;
    if (min > limitPages) {
      throw memoryLimitError(
        `the module needs ${min * WasmPageSize} bytes of memory at start, more than the task's ` +
          `memory limit of ${limitPages * WasmPageSize} bytes`,
      );
    }
    out.push(flags | HasMaximum, ...writeU32(min), ...writeU32(Math.min(max, limitPages)));
  }
  if (pos !== section.length) throw new MalformedModule();
  return Uint8Array.from(out);
}

/** The limits at `pos` (a minimum, then a maximum when `flags` say so: Infinity if not), and what follows. */
function readLimits(
  section: Uint8Array,
  pos: number,
  flags: number,
): { min: number; max: number; next: number } {
  const min = readU32(section, pos);
  if ((flags & HasMaximum) === 0) return { min: min.value, max: Infinity, next: min.next };
  const max = readU32(section, min.next);
  return { min: min.value, max: max.value, next: max.next };
}
