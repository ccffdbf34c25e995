/**
 * An execution's stdout and stderr in one file, in the order they were written, readable (and
 * followable) while it grows. Framing is Docker's multiplexed stream format (8-byte header: stream byte
 * 1 = stdout / 2 = stderr, three zero bytes, big-endian uint32 payload length), so the Docker executor
 * can store the daemon's raw log stream unchanged.
 *
 * One writer (the execution's {@link OutputRecorder}), any number of readers. Readers never see a
 * partial frame: `size` only advances after a whole frame reached the file.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { openEmptied, writeAt } from '../lib/quick-fs.js';
import { ExecutionLogType } from '../models/execution.js';
import type { LogChunk, LogStreamOptions } from './types.js';

const HeaderBytes = 8;
/** Bigger writes are split, so a reader never holds more than this per frame. */
export const MaxFramePayload = 64 * 1024;
/**
 * Bytes a reader asks the file for at once: many frames of short lines per read. One read per header
 * and one per payload took 10.8 s for 200,000 one-line frames here; blocks take 0.2 s.
 */
const ReadBlockBytes = 256 * 1024;

export class LogFile {
  readonly path: string;
  /** The writer's fd (see results.ts on why not a FileHandle); undefined once ended. */
  #fd: number | undefined;
  #size = 0;
  #ended = false;
  /** Payload bytes per stream in the file when it was resumed: what a previous process recorded. */
  #resumedWith: Record<ExecutionLogType, number> = {
    [ExecutionLogType.Stdout]: 0,
    [ExecutionLogType.Stderr]: 0,
  };
  /** Readers waiting for the file to grow or end. */
  #wakers = new Set<() => void>();

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /** Creates (or empties) the file. */
  static create(path: string): Promise<LogFile> {
    return new Promise((resolve) => resolve(new LogFile(path, openEmptied(path))));
  }

  /**
   * Continues the file a previous process wrote (an execution re-attached to after a restart): its
   * frames stay and new ones follow them. A last frame cut short (the process died while writing it)
   * is dropped. Creates the file when there is none.
   */
  static async resume(path: string): Promise<LogFile> {
    // no O_TRUNC: what was recorded stays; no O_APPEND: frames are written at `size`, past a cut frame
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT);
    try {
      const { size } = fstatSync(fd);
      const log = new LogFile(path, fd);
      const reader = await open(path, 'r');
      try {
        for await (const { type, data } of readFrames(reader, 0, size)) {
          log.#size += HeaderBytes + data.length;
          log.#resumedWith[type] += data.length;
        }
      } finally {
        await reader.close();
      }
      if (log.#size < size) ftruncateSync(fd, log.#size);
      return log;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /**
   * How many bytes of each stream the file held when it was resumed (none for a created file): the
   * output a previous process recorded.
   */
  resumedWith(type: ExecutionLogType): number {
    return this.#resumedWith[type];
  }

  /**
   * Appends the chunks in order, each as one or more frames, in one write. Callers serialise their
   * appends.
   */
  async append(chunks: readonly LogChunk[]): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) throw new Error(`log file ${this.path} is closed`);
    const frames = chunks.reduce((n, { data }) => n + Math.ceil(data.length / MaxFramePayload), 0);
    // one allocation for every header of the batch: many short lines make many frames
    const headers = Buffer.alloc(frames * HeaderBytes);
    const buffers: Uint8Array[] = [];
    let bytes = 0;
    let frame = 0;
    for (const { type, data } of chunks) {
      for (let offset = 0; offset < data.length; offset += MaxFramePayload) {
        const payload = data.subarray(offset, offset + MaxFramePayload);
        const header = headers.subarray(frame * HeaderBytes, ++frame * HeaderBytes);
        header.writeUInt8(type, 0);
        header.writeUInt32BE(payload.length, 4);
        buffers.push(header, payload);
        bytes += HeaderBytes + payload.length;
      }
    }
    if (bytes === 0) return;
    await writeAt(fd, buffers, this.#size);
    this.#size += bytes;
    this.#wake();
  }

  /** No more frames will come: followers finish once they read what is there. Idempotent. */
  end(): Promise<void> {
    this.#ended = true;
    const fd = this.#fd;
    this.#fd = undefined;
    this.#wake();
    if (fd !== undefined) closeSync(fd);
    return Promise.resolve();
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
        for await (const chunk of readFrames(reader, offset, end)) {
          offset += HeaderBytes + chunk.data.length;
          yield chunk;
        }
        if (offset < end) throw new Error('log file ended inside a frame');
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

  /**
   * The frames of a log no one writes any more (an execution that ended before this process started,
   * or that its executor forgot); nothing with `tail`. Undefined when there is no such file.
   */
  static async readEnded(
    path: string,
    options: LogStreamOptions = {},
  ): Promise<AsyncGenerator<LogChunk> | undefined> {
    let reader: FileHandle;
    try {
      reader = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return (async function* () {
      try {
        const { size } = await reader.stat();
        if (options.tail === true) return;
        for await (const chunk of readFrames(reader, 0, size)) {
          options.signal?.throwIfAborted();
          yield chunk;
        }
      } finally {
        await reader.close();
      }
    })();
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

/**
 * The whole frames between the offsets `from` and `to` of the file, in order; a frame that does not
 * end by `to` is left out. Reads blocks of many frames (see {@link ReadBlockBytes}).
 */
async function* readFrames(reader: FileHandle, from: number, to: number): AsyncGenerator<LogChunk> {
  let block: Buffer = Buffer.alloc(0); // the file's bytes from `position` on, read but not yet yielded
  let position = from;
  for (;;) {
    const frameBytes = block.length < HeaderBytes ? Infinity : HeaderBytes + block.readUInt32BE(4);
    if (block.length >= frameBytes) {
      yield { type: block.readUInt8(0) as ExecutionLogType, data: block.subarray(HeaderBytes, frameBytes) };
      block = block.subarray(frameBytes);
      position += frameBytes;
      continue;
    }
    const more = await readBlock(reader, position + block.length, to);
    if (more.length === 0) return;
    block = block.length === 0 ? more : Buffer.concat([block, more]);
  }
}

/** Up to {@link ReadBlockBytes} of the file from `at`, never past `to`; empty at the end. */
async function readBlock(reader: FileHandle, at: number, to: number): Promise<Buffer> {
  const wanted = Math.min(ReadBlockBytes, to - at);
  if (wanted <= 0) return Buffer.alloc(0);
  // a fresh buffer per read: the frames yielded from the last one may still be in use
  const into = Buffer.allocUnsafe(wanted);
  const { bytesRead } = await reader.read(into, 0, wanted, at);
  return into.subarray(0, bytesRead);
}
