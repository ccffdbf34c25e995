/**
 * An execution's stdout and stderr in one file, in the order they were written, readable (and
 * followable) while it grows. Framing is Docker's multiplexed stream format (8-byte header: stream byte
 * 1 = stdout / 2 = stderr, three zero bytes, big-endian uint32 payload length), so the Docker executor
 * can store the daemon's raw log stream unchanged.
 *
 * One writer (the execution's {@link OutputRecorder}), any number of readers. Readers never see a
 * partial frame: `size` only advances after a whole frame reached the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ExecutionLogType } from '../models/execution.js';
import type { LogChunk, LogStreamOptions } from './types.js';

const HeaderBytes = 8;
/** Bigger writes are split, so a reader never holds more than this per frame. */
export const MaxFramePayload = 64 * 1024;

export class LogFile {
  readonly path: string;
  #handle: FileHandle | undefined;
  #size = 0;
  #ended = false;
  /** Readers waiting for the file to grow or end. */
  #wakers = new Set<() => void>();

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /** Creates (or truncates) the file. */
  static async create(path: string): Promise<LogFile> {
    return new LogFile(path, await open(path, 'w'));
  }

  /** Appends `data` as one or more frames. Callers serialise their appends. */
  async append(type: ExecutionLogType, data: Uint8Array): Promise<void> {
    const handle = this.#handle;
    if (handle === undefined) throw new Error(`log file ${this.path} is closed`);
    for (let offset = 0; offset < data.length; offset += MaxFramePayload) {
      const payload = data.subarray(offset, offset + MaxFramePayload);
      const header = Buffer.alloc(HeaderBytes);
      header.writeUInt8(type, 0);
      header.writeUInt32BE(payload.length, 4);
      await handle.writev([header, payload], this.#size);
      this.#size += HeaderBytes + payload.length;
    }
    this.#wake();
  }

  /** No more frames will come: followers finish once they read what is there. Idempotent. */
  async end(): Promise<void> {
    this.#ended = true;
    const handle = this.#handle;
    this.#handle = undefined;
    this.#wake();
    await handle?.close();
  }

  /** The frames from the start (or, with `tail`, from now), following growth when `follow` is set. */
  async *read(options: LogStreamOptions = {}): AsyncGenerator<LogChunk> {
    const { follow = false, tail = false, signal } = options;
    let offset = tail ? this.#size : 0;
    const reader = await open(this.path, 'r');
    try {
      for (;;) {
        signal?.throwIfAborted();
        const end = this.#size;
        while (offset < end) {
          const chunk = await readFrame(reader, offset);
          offset += HeaderBytes + chunk.data.length;
          yield chunk;
        }
        if (!follow) return;
        // frames appended while the ones before were read are read before the end counts
        if (offset < this.#size) continue;
        if (this.#ended) return;
        await this.#changed(signal);
      }
    } finally {
      await reader.close();
    }
  }

  /** Resolves on the next append or end, or when `signal` aborts. */
  #changed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#wakers.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#wakers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}

async function readFrame(reader: FileHandle, offset: number): Promise<LogChunk> {
  const header = Buffer.alloc(HeaderBytes);
  await readFully(reader, header, offset);
  const type = header.readUInt8(0) as ExecutionLogType;
  const data = Buffer.alloc(header.readUInt32BE(4));
  await readFully(reader, data, offset + HeaderBytes);
  return { type, data };
}

async function readFully(reader: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await reader.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error('log file ended inside a frame');
    done += bytesRead;
  }
}
