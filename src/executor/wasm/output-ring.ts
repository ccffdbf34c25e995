/**
 * A task's stdout and stderr on their way from its worker thread to the main thread: a ring of shared
 * memory the worker writes into and the main thread reads from, with no message per write. A message
 * per `fd_write` cost ~25 µs between the two threads, where node:wasi writes a line to a file in
 * ~1.5 µs; now a write is a copy, and the main thread takes everything written since it last looked
 * in one go (one recorder write per batch). The ring's size bounds what waits: a full ring blocks the
 * writer until the reader makes room.
 *
 * Records in the ring: a 4-byte header (stream byte, 24-bit little-endian length), then the bytes.
 * Both positions are byte counters that wrap at 2^32; the ring's size is a power of two, so a
 * counter's place in the ring stays `counter mod size` across the wrap.
 */
import type { LogChunk } from '../types.js';
import type { ExecutionLogType } from '../../models/execution.js';

/** Slots of the shared control array (Int32Array) the ring uses. */
export const RingSlot = {
  /** Bytes the writer put in, as a wrapping counter. */
  Written: 1,
  /** Bytes the reader took out, as a wrapping counter. */
  Read: 2,
} as const;

const HeaderBytes = 4;

/** A run of chunks of one stream is joined up to this size (fewer, bigger log frames). */
export const MaxJoinedBytes = 1024 * 1024;

/** `Atomics.waitAsync` (ES2024, in Node since 16), which the ES2023 library typings lack. */
const { waitAsync } = Atomics as unknown as {
  waitAsync(this: void, array: Int32Array, index: number, value: number): { async: boolean; value: unknown };
};

/**
 * The ring's size for a high-water mark: the next power of two, from 64 bytes to 1 GiB (the counters
 * tell a full ring from an empty one up to 2^31 bytes).
 */
export function ringBytes(highWaterBytes: number): number {
  return 2 ** Math.min(30, Math.ceil(Math.log2(Math.max(64, highWaterBytes))));
}

/**
 * The writer's side, for the worker. `stream` is the WASI fd written to, 1 or 2, which is also the
 * {@link ExecutionLogType} the reader gives back. Self-contained (it runs from its source text in the worker, see
 * worker.ts): the slot numbers are repeated inside. `write` blocks until the ring has room for each
 * record, calling `checkKilled` (which throws to end the task) before every wait.
 */
export function createRingWriter(
  control: Int32Array,
  ring: Uint8Array,
): (stream: number, data: Uint8Array, checkKilled: () => void) => void {
  const [written, read] = [1, 2];
  const size = ring.length;
  const maxPayload = Math.min(size - 4, 0xffffff);
  const header = new Uint8Array(4);
  /** Copies `bytes` in at counter `at`; the counter after them. */
  const put = (at: number, bytes: Uint8Array): number => {
    const start = (at >>> 0) % size;
    const first = Math.min(bytes.length, size - start);
    ring.set(bytes.subarray(0, first), start);
    if (first < bytes.length) ring.set(bytes.subarray(first), 0);
    return (at + bytes.length) | 0;
  };
  return (stream, data, checkKilled) => {
    for (let offset = 0; offset < data.length; offset += maxPayload) {
      const payload = data.subarray(offset, offset + maxPayload);
      const w = Atomics.load(control, written);
      for (;;) {
        checkKilled();
        const r = Atomics.load(control, read);
        if (size - ((w - r) >>> 0) >= 4 + payload.length) break;
        Atomics.wait(control, read, r, 1000);
      }
      header[0] = stream;
      header[1] = payload.length & 0xff;
      header[2] = (payload.length >>> 8) & 0xff;
      header[3] = (payload.length >>> 16) & 0xff;
      Atomics.store(control, written, put(put(w, header), payload));
      Atomics.notify(control, written);
    }
  };
}

/** The reader's side, for the main thread. */
export class RingReader {
  readonly #control: Int32Array;
  readonly #ring: Uint8Array;
  #read = 0;

  constructor(control: Int32Array, ring: Uint8Array) {
    this.#control = control;
    this.#ring = ring;
    this.#read = Atomics.load(control, RingSlot.Read);
  }

  /**
   * Everything written since the last `take`, copied out (the writer may reuse the room at once), each
   * run of one stream in one chunk (up to {@link MaxJoinedBytes}); empty when nothing was.
   */
  take(): LogChunk[] {
    const written = Atomics.load(this.#control, RingSlot.Written);
    if (written === this.#read) return [];
    const chunks: LogChunk[] = [];
    /** The current run: its stream, and where its records' bytes are. */
    let run: { type: ExecutionLogType; parts: [number, number][]; bytes: number } | undefined;
    const close = (): void => {
      if (run === undefined) return;
      const data = Buffer.allocUnsafe(run.bytes);
      let offset = 0;
      for (const [at, length] of run.parts) offset += this.#copy(at, length, data, offset);
      chunks.push({ type: run.type, data });
      run = undefined;
    };
    const header = Buffer.allocUnsafe(HeaderBytes);
    for (let at = this.#read; at !== written;) {
      this.#copy(at, HeaderBytes, header, 0);
      const type = header[0] as ExecutionLogType;
      const length = header.readUIntLE(1, 3);
      if (run !== undefined && (run.type !== type || run.bytes + length > MaxJoinedBytes)) close();
      run ??= { type, parts: [], bytes: 0 };
      run.parts.push([(at + HeaderBytes) | 0, length]);
      run.bytes += length;
      at = (at + HeaderBytes + length) | 0;
    }
    close();
    this.#read = written;
    Atomics.store(this.#control, RingSlot.Read, written);
    Atomics.notify(this.#control, RingSlot.Read);
    return chunks;
  }

  /** Settles once there is something to take (at once if there is), or `wake` was called. */
  async waitForData(): Promise<void> {
    const written = Atomics.load(this.#control, RingSlot.Written);
    if (written !== this.#read) return;
    const waiting = waitAsync(this.#control, RingSlot.Written, written);
    if (waiting.async) await waiting.value;
  }

  /** Ends a `waitForData` under way. */
  wake(): void {
    Atomics.notify(this.#control, RingSlot.Written);
  }

  /** Copies `length` bytes from counter `at` into `target` at `offset`; returns `length`. */
  #copy(at: number, length: number, target: Uint8Array, offset: number): number {
    const size = this.#ring.length;
    const start = (at >>> 0) % size;
    const first = Math.min(length, size - start);
    target.set(this.#ring.subarray(start, start + first), offset);
    if (first < length) target.set(this.#ring.subarray(0, length - first), offset + first);
    return length;
  }
}
