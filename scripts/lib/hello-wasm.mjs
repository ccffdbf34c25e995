#!/usr/bin/env node
// Writes a tiny WASI (preview1) module that prints a line and exits, for the quick start: a clean clone
// has no WASM toolchain, so the module is assembled here from its few instructions. Equivalent to:
//
//   (module
//     (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
//     (memory (export "memory") 1)
//     (data (i32.const 16) "<text>")
//     (func (export "_start")
//       (i32.store (i32.const 0) (i32.const 16))        ;; iovec.buf
//       (i32.store (i32.const 4) (i32.const <length>))  ;; iovec.len
//       (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
//
// Usage: node scripts/lib/hello-wasm.mjs <output.wasm> [text]
import { writeFileSync } from 'node:fs';

const textOffset = 16;

/** Unsigned LEB128. */
function uleb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of a non-negative value below 2^31. */
function sleb(value) {
  const out = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if (value === 0 && (byte & 0x40) === 0) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vector = (items) => [...uleb(items.length), ...items.flat()];
const name = (text) => vector([...Buffer.from(text, 'utf8')]);
const section = (id, content) => [id, ...uleb(content.length), ...content];
const i32 = (value) => [0x41, ...sleb(value)];
const store = [0x36, 0x02, 0x00]; // i32.store align=4 offset=0
const call = (index) => [0x10, ...uleb(index)];
const drop = [0x1a];
const end = [0x0b];

export function helloWasm(text) {
  const bytes = [...Buffer.from(text, 'utf8')];
  const body = [
    ...vector([]), // no locals
    ...i32(0),
    ...i32(textOffset),
    ...store,
    ...i32(4),
    ...i32(bytes.length),
    ...store,
    ...i32(1),
    ...i32(0),
    ...i32(1),
    ...i32(8),
    ...call(0),
    ...drop,
    ...end,
  ];
  return Uint8Array.from([
    ...Buffer.from('\0asm\x01\0\0\0', 'latin1'), // magic and version 1
    ...section(
      1,
      vector([
        [0x60, ...vector([0x7f, 0x7f, 0x7f, 0x7f]), ...vector([0x7f])],
        [0x60, 0x00, 0x00],
      ]),
    ),
    ...section(2, vector([[...name('wasi_snapshot_preview1'), ...name('fd_write'), 0x00, 0x00]])),
    ...section(3, vector([0x01])),
    ...section(5, vector([[0x00, 0x01]])),
    ...section(
      7,
      vector([
        [...name('memory'), 0x02, 0x00],
        [...name('_start'), 0x00, 0x01],
      ]),
    ),
    ...section(10, vector([[...uleb(body.length), ...body]])),
    ...section(11, vector([[0x00, ...i32(textOffset), ...end, ...vector(bytes)]])),
  ]);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [output, text = 'Hello from bacalhau-ts!\n'] = process.argv.slice(2);
  if (!output) {
    console.error('usage: node scripts/lib/hello-wasm.mjs <output.wasm> [text]');
    process.exit(64);
  }
  writeFileSync(output, helloWasm(text));
}
