import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ExecutionLogType } from '../../models/execution.js';
import { createRingWriter, MaxJoinedBytes, RingReader, RingSlot, ringBytes } from './output-ring.js';

const { Stdout, Stderr } = ExecutionLogType;
const notKilled = (): void => undefined;

function ring(size: number, startAt = 0) {
  const control = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  control[RingSlot.Written] = startAt;
  control[RingSlot.Read] = startAt;
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  return { control, bytes, write: createRingWriter(control, bytes), reader: new RingReader(control, bytes) };
}

const text = (chunks: { type: number; data: Uint8Array }[]) =>
  chunks.map(({ type, data }) => [type, Buffer.from(data).toString()]);

describe('output ring', () => {
  it('gives what was written since the last take, a chunk per run of one stream, in order', () => {
    const { control, write, reader } = ring(1024);
    write(Stdout, Buffer.from('a\n'), notKilled);
    write(Stdout, Buffer.from('b\n'), notKilled);
    write(Stderr, Buffer.from('c\n'), notKilled);
    write(Stdout, Buffer.from('d\n'), notKilled);
    expect(text(reader.take())).toEqual([
      [Stdout, 'a\nb\n'],
      [Stderr, 'c\n'],
      [Stdout, 'd\n'],
    ]);
    expect(reader.take()).toEqual([]);
    expect(control[RingSlot.Read]).toBe(control[RingSlot.Written]);
  });

  it('keeps records whole across the end of the ring and the wrap of its 32-bit counters', () => {
    // 20 bytes before the counters wrap, at byte 44 of a 64-byte ring
    const { write, reader } = ring(64, -20);
    for (let i = 0; i < 40; i++) {
      const line = `${i}:${'x'.repeat(i % 17)}`;
      write(i % 2 === 0 ? Stdout : Stderr, Buffer.from(line), notKilled);
      expect(text(reader.take())).toEqual([[i % 2 === 0 ? Stdout : Stderr, line]]);
    }
  });

  it('splits a run past MaxJoinedBytes', () => {
    const { write, reader } = ring(4 * MaxJoinedBytes);
    write(Stdout, new Uint8Array(MaxJoinedBytes - 1), notKilled);
    write(Stdout, new Uint8Array(2), notKilled);
    expect(reader.take().map((c) => c.data.length)).toEqual([MaxJoinedBytes - 1, 2]);
  });

  it('asks whether the task was killed before waiting for room, so a killed writer never blocks', () => {
    const { write } = ring(64);
    write(Stdout, new Uint8Array(60), notKilled); // full: 4 header bytes + 60
    const killed = new Error('killed');
    expect(() =>
      write(Stdout, new Uint8Array(1), () => {
        throw killed;
      }),
    ).toThrow(killed);
  });

  it('carries more than its size from a worker thread, the writer waiting for room', async () => {
    const { control, bytes, reader } = ring(64);
    const source = `
      const { workerData } = require('node:worker_threads');
      const write = (${createRingWriter.toString()})(workerData.control, workerData.bytes);
      const data = new Uint8Array(100000).map((_, i) => i % 251);
      for (let offset = 0; offset < data.length; offset += 777) write(1 + (offset % 2), data.subarray(offset, offset + 777), () => {});
    `;
    const worker = new Worker(`var __name = (target) => target;\n${source}`, {
      eval: true,
      workerData: { control, bytes },
    });
    const exited = once(worker, 'exit');
    let done = false;
    void exited.then(() => {
      done = true;
      reader.wake();
    });
    const received: Buffer[] = [];
    for (;;) {
      const chunks = reader.take();
      received.push(...chunks.map((c) => Buffer.from(c.data)));
      if (chunks.length === 0 && done) break;
      if (chunks.length === 0) await reader.waitForData();
    }
    await exited;
    const expected = Buffer.from(new Uint8Array(100000).map((_, i) => i % 251));
    expect(Buffer.concat(received).equals(expected)).toBe(true);
  });

  it('sizes the ring as the next power of two, 64 bytes at least', () => {
    expect([ringBytes(0), ringBytes(64), ringBytes(65), ringBytes(4 * 1024 * 1024)]).toEqual([
      64,
      64,
      128,
      4 * 1024 * 1024,
    ]);
  });
});
