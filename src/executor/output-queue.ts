/**
 * Output on its way to an execution's {@link OutputRecorder}, recorded in batches. Each recorder write
 * costs a few file writes, whatever it holds: a task writing one short line at a time (a C program
 * flushing every line) was recorded a line per ~0.1 ms, and the task waited for it. Here, what comes
 * while a batch is being written waits in memory, and the next write takes all of it (runs of one
 * stream joined into one piece, so the log has fewer frames). The order across stdout and stderr
 * stays the order of `push`.
 *
 * The queue bounds nothing itself: the producer asks for `pendingBytes` and holds back (the WASM
 * worker blocks on its in-flight count, the Docker stream waits for `drained`).
 */
import type { ExecutionLogType } from '../models/execution.js';
import type { LogChunk } from './types.js';

/** LogChunks of one stream are joined up to this size; bigger ones are written as they came. */
export const MaxJoinedBytes = 1024 * 1024;

export interface OutputQueueOptions {
  /** Records pieces in order; the recorder's `writeAll`, which the queue never calls twice at once. */
  record: (chunks: readonly LogChunk[]) => Promise<void>;
  /** Told how many pushed bytes were recorded, after each write. */
  onRecorded?: (bytes: number) => void;
  /** Told once, when a write fails; the queue drops what it holds and everything pushed later. */
  onFailure?: (err: unknown) => void;
}

export class OutputQueue {
  readonly #options: OutputQueueOptions;
  #pieces: LogChunk[] = [];
  #pendingBytes = 0;
  /** The loop writing batches, while there is anything to write. */
  #writing: Promise<void> | undefined;
  #failed = false;

  constructor(options: OutputQueueOptions) {
    this.#options = options;
  }

  /** Bytes pushed and not yet recorded. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Queues `data` (which the queue may keep: the caller must not reuse it) and starts writing. */
  push(type: ExecutionLogType, data: Uint8Array): void {
    if (this.#failed || data.length === 0) return;
    this.#pieces.push({ type, data });
    this.#pendingBytes += data.length;
    this.#writing ??= this.#writeAll();
  }

  /**
   * Settles once everything pushed so far is recorded, or dropped after a failed write (which
   * `onFailure` was told about).
   */
  drained(): Promise<void> {
    return this.#writing ?? Promise.resolve();
  }

  async #writeAll(): Promise<void> {
    try {
      while (this.#pieces.length > 0) {
        const batch = this.#pieces;
        this.#pieces = [];
        const bytes = batch.reduce((total, piece) => total + piece.data.length, 0);
        await this.#options.record(joinRuns(batch));
        this.#pendingBytes -= bytes;
        this.#options.onRecorded?.(bytes);
      }
    } catch (err) {
      this.#failed = true;
      this.#pieces = [];
      this.#pendingBytes = 0;
      this.#options.onFailure?.(err);
    } finally {
      this.#writing = undefined;
    }
  }
}

/** `pieces` with each run of one stream joined, up to {@link MaxJoinedBytes} per joined piece. */
export function joinRuns(pieces: readonly LogChunk[]): LogChunk[] {
  const joined: LogChunk[] = [];
  let run: LogChunk[] = [];
  let runBytes = 0;
  const close = (): void => {
    if (run.length === 0) return;
    const data =
      run.length === 1
        ? run[0]!.data
        : Buffer.concat(
            run.map((p) => p.data),
            runBytes,
          );
    joined.push({ type: run[0]!.type, data });
    run = [];
    runBytes = 0;
  };
  for (const piece of pieces) {
    if (run.length > 0 && (piece.type !== run[0]!.type || runBytes + piece.data.length > MaxJoinedBytes)) {
      close();
    }
    run.push(piece);
    runBytes += piece.data.length;
  }
  close();
  return joined;
}
