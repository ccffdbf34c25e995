import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../models/bacerrors.js';
import { capMemory, MaxTableEntries, memoryLimitPages, WasmPageSize } from './memory-limit.js';

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** A module whose only section declares one memory with these limits (LEB128 bytes given raw). */
const moduleWithMemory = (...limits: number[]): Uint8Array =>
  Uint8Array.from([...header, 0x05, limits.length + 1, 0x01, ...limits]);
const WebAssembly = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } })
  .WebAssembly;

describe('memoryLimitPages', () => {
  it('rounds bytes up to whole 64 KiB pages; 0 means no limit', () => {
    expect(memoryLimitPages(0)).toBeUndefined();
    expect(memoryLimitPages(1)).toBe(1);
    expect(memoryLimitPages(WasmPageSize)).toBe(1);
    expect(memoryLimitPages(WasmPageSize + 1)).toBe(2);
    expect(memoryLimitPages(4 * 1024 ** 3)).toBe(65536);
  });

  it('refuses more than 4 GiB with Bacalhau message', () => {
    expect(() => memoryLimitPages(5 * 1024 ** 3)).toThrow(
      expect.objectContaining({
        code: ErrorCode.MemoryLimitError,
        message: 'requested memory exceeds the wasm limit - 5.00 GB > 4.00 GB',
      }),
    );
  });
});

describe('capMemory', () => {
  it('adds a maximum to a memory that has none', () => {
    const capped = capMemory(moduleWithMemory(0x00, 0x02), 4);
    expect([...capped]).toEqual([...header, 0x05, 0x04, 0x01, 0x01, 0x02, 0x04]);
    expect(WebAssembly.validate(capped)).toBe(true);
  });

  it('lowers a larger maximum and keeps a smaller one', () => {
    expect([...capMemory(moduleWithMemory(0x01, 0x01, 0x10), 4)].slice(-2)).toEqual([0x01, 0x04]);
    expect([...capMemory(moduleWithMemory(0x01, 0x01, 0x03), 4)].slice(-2)).toEqual([0x01, 0x03]);
  });

  it('encodes limits that need several LEB128 bytes', () => {
    const capped = capMemory(moduleWithMemory(0x00, 0x01), 65536);
    // min 1, max 65536 = LEB128 80 80 04
    expect([...capped].slice(-4)).toEqual([0x01, 0x80, 0x80, 0x04]);
    expect(WebAssembly.validate(capped)).toBe(true);
  });

  it('refuses a memory that needs more than the limit at start', () => {
    expect(() => capMemory(moduleWithMemory(0x00, 0x08), 4)).toThrow(
      expect.objectContaining({ code: ErrorCode.MemoryLimitError }),
    );
  });

  it('leaves bytes that are not a well-formed module to the compiler', () => {
    const garbage = Uint8Array.from([...header, 0x05, 0x7f, 0x01]);
    expect(capMemory(garbage, 4)).toBe(garbage);
  });
});

describe('capMemory: tables', () => {
  /** A module whose only section declares these tables: [reference type, ...limits] each. */
  const moduleWithTables = (...tables: number[][]): Uint8Array => {
    const payload = [tables.length, ...tables.flat()];
    return Uint8Array.from([...header, 0x04, payload.length, ...payload]);
  };

  it('gives tables maximums that together stay within MaxTableEntries, with or without a memory limit', () => {
    const capped = capMemory(moduleWithTables([0x70, 0x00, 0x01]), undefined);
    // min 1, max 1 + (2^20 - 1) = 2^20 = LEB128 80 80 40
    expect([...capped].slice(-6)).toEqual([0x70, 0x01, 0x01, 0x80, 0x80, 0x40]);
    expect(WebAssembly.validate(capped)).toBe(true);
    const two = capMemory(moduleWithTables([0x70, 0x00, 0x00], [0x6f, 0x00, 0x00]), 4);
    // each gets half: 2^19 = LEB128 80 80 20
    expect([...two].slice(-12)).toEqual([
      0x70, 0x01, 0x00, 0x80, 0x80, 0x20, 0x6f, 0x01, 0x00, 0x80, 0x80, 0x20,
    ]);
    expect(WebAssembly.validate(two)).toBe(true);
    expect(MaxTableEntries).toBe(2 ** 20);
  });

  it('keeps a smaller maximum', () => {
    expect([...capMemory(moduleWithTables([0x70, 0x01, 0x02, 0x05]), undefined)].slice(-4)).toEqual([
      0x70, 0x01, 0x02, 0x05,
    ]);
  });

  it('refuses tables that hold more than MaxTableEntries at start', () => {
    // min 2^20 + 1 = LEB128 81 80 40
    expect(() => capMemory(moduleWithTables([0x70, 0x00, 0x81, 0x80, 0x40]), undefined)).toThrow(
      expect.objectContaining({
        code: ErrorCode.MemoryLimitError,
        message:
          "the module's tables hold 1048577 entries at start, more than the 1048576 a task's tables may hold",
      }),
    );
  });
});
