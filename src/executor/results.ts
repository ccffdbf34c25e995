/**
 * The result layout every executor writes (Go `executor.WriteJobResults`, reference §4.3):
 * `resultsDir/stdout`, `resultsDir/stderr` (each capped), `resultsDir/exitCode` (decimal text), one
 * folder per ResultPath, and the `RunCommandResult` whose Stdout/stderr keep the first 2 KB with the
 * truncation flags. Output is recorded as the task writes it, so nothing is held in memory beyond the
 * summaries, and the multiplexed {@link LogFile} serves live log streams.
 *
 * Files are opened, closed and (for their first MiB) written without thread-pool round trips
 * (lib/quick-fs.ts): on a busy node each round trip made a short job wait behind the rest of the loop.
 */
import { closeSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeFolder, openEmptied, writeAt, writeIntoSpareFile } from '../lib/quick-fs.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { DownloadFilename } from '../models/constants.js';
import { ExecutionLogType, type RunCommandResult } from '../models/execution.js';
import { ExecutionResultFiles, isPlainFolderName, type ResultPath } from '../models/result-path.js';
import { outputNotRecorded } from './errors.js';
import { LogFile } from './log-file.js';
import type { LogChunk, OutputLimits } from './types.js';

/** Bacalhau's `system.MaxStdoutFileLength` etc.: 1 GB files, 2 KB in the result. */
export const DefaultOutputLimits: Readonly<OutputLimits> = Object.freeze({
  maxStdoutFileLength: 1024 ** 3,
  maxStdoutReturnLength: 2048,
  maxStderrFileLength: 1024 ** 3,
  maxStderrReturnLength: 2048,
});

/**
 * Why a ResultPath cannot have its folder `resultsDir/<Name>` and be mounted at its Path, or undefined
 * when it can. The Name is one plain path segment (a folder of resultsDir that cannot climb out of it),
 * other than the result's own files; the Path is absolute.
 */
export function resultPathProblem(output: ResultPath): string | undefined {
  const name = output.Name;
  if (name.trim() === '' || !isPlainFolderName(name) || !output.Path.startsWith('/')) {
    return `result path ${JSON.stringify(output)} needs a plain Name and an absolute Path`;
  }
  if (ExecutionResultFiles.has(name)) {
    return `result path name ${JSON.stringify(name)} is taken by the execution's own ${name} file: choose another Name`;
  }
  return undefined;
}

/** The log file's name inside the request's `logsDir`. */
export const LogFileName = 'output.log';

/**
 * An empty log file made ahead of time in `logsDir` (compute/paths.ts): the log is that file renamed,
 * which costs the disk no new file. Under another name until then, since a log file says the task
 * started (an execution without one ended before; see compute/logstream.ts).
 */
export const SpareLogFileName = 'spare-output.log';

/**
 * An empty file made ahead of time in `logsDir` (compute/paths.ts) that becomes the exit code: written,
 * then renamed into the results (15 µs here, where creating the file took ~200 µs on the job's path).
 * Kept out of the results until then: an empty exit code would read as 0 for a task that never ran.
 */
export const SpareExitCodeFileName = 'spare-exit-code';

/** One of stdout / stderr: its file (until the cap) and the head kept for the result. */
class CappedStream {
  /** Bytes kept for the file, written or about to be. */
  #written = 0;
  /** Kept and not yet written, from `#unwrittenAt` on. */
  #unwritten: Uint8Array[] = [];
  #unwrittenAt = 0;
  #head: Buffer[] = [];
  #headBytes = 0;

  #closed = false;

  constructor(
    readonly fd: number,
    readonly fileLimit: number,
    readonly returnLimit: number,
  ) {}

  /**
   * Closes the file at once: a close takes microseconds, where handing it to the thread pool cost the
   * event loop ~0.1 ms (waking a pool thread; measured on this kind of virtual machine). Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // everything was written already: a failed close loses nothing a reader of the file would see
    }
  }

  /**
   * Keeps the head of `data` for the summary and returns the part that still fits in the file (the
   * rest is dropped), which the next `flush` writes.
   */
  take(data: Uint8Array): Uint8Array {
    // one byte beyond the return limit tells us the summary is truncated
    const headRoom = this.returnLimit + 1 - this.#headBytes;
    if (headRoom > 0) {
      const head = Buffer.from(data.subarray(0, headRoom));
      this.#head.push(head);
      this.#headBytes += head.length;
    }
    const kept = data.subarray(0, Math.max(0, this.fileLimit - this.#written));
    if (kept.length > 0) {
      if (this.#unwritten.length === 0) this.#unwrittenAt = this.#written;
      this.#unwritten.push(kept);
      this.#written += kept.length;
    }
    return kept;
  }

  /** Writes what `take` kept since the last flush, in one write. */
  flush(): Promise<void> {
    if (this.#unwritten.length === 0) return Promise.resolve();
    const buffers = this.#unwritten;
    this.#unwritten = [];
    return writeAt(this.fd, buffers, this.#unwrittenAt);
  }

  summary(): { text: string; truncated: boolean } {
    const head = Buffer.concat(this.#head);
    return {
      text: head.subarray(0, this.returnLimit).toString('utf8'),
      truncated: head.length > this.returnLimit,
    };
  }
}

/** Where and how much an {@link OutputRecorder} records. */
export interface RecorderOptions {
  resultsDir: string;
  logsDir: string;
  outputs: readonly ResultPath[];
  limits: OutputLimits;
}

/**
 * Records one execution's output. `write` and `writeAll` calls must not overlap (await each, or chain them); the
 * executor's own delivery order is the order the log shows.
 */
export class OutputRecorder {
  readonly log: LogFile;
  readonly #stdout: CappedStream;
  readonly #stderr: CappedStream;
  readonly #resultsDir: string;
  readonly #logsDir: string;

  private constructor(
    { resultsDir, logsDir }: RecorderOptions,
    log: LogFile,
    stdout: CappedStream,
    stderr: CappedStream,
  ) {
    this.#resultsDir = resultsDir;
    this.#logsDir = logsDir;
    this.log = log;
    this.#stdout = stdout;
    this.#stderr = stderr;
  }

  /**
   * Creates empty stdout, stderr and log files (whatever an earlier attempt left) and one folder per
   * output, so the layout is complete even when the task writes nothing. The log is the one made
   * ahead of time ({@link SpareLogFileName}) when there is one.
   */
  static create(options: RecorderOptions): Promise<OutputRecorder> {
    return OutputRecorder.#open(options, (path) => {
      try {
        renameSync(join(options.logsDir, SpareLogFileName), path);
      } catch {
        // none made ahead: the log is created
      }
      return LogFile.create(path);
    });
  }

  /**
   * Continues the recording a previous process of the node made (an execution re-attached to after a
   * restart): the log keeps its frames and new output follows them. stdout and stderr are written
   * again from the log, which holds exactly what they kept: the compute node may have emptied the
   * results folder, and a process killed between the two writes of a piece left them disagreeing. The
   * files and summaries then cover the whole output, from before the restart on.
   */
  static async resume(options: RecorderOptions): Promise<OutputRecorder> {
    const recorder = await OutputRecorder.#open(options, (path) => LogFile.resume(path));
    try {
      for await (const { type, data } of recorder.log.read()) {
        const stream = recorder.#stream(type);
        stream.take(data);
        await stream.flush();
      }
    } catch (err) {
      await recorder.close();
      throw err;
    }
    return recorder;
  }

  static async #open(
    options: RecorderOptions,
    openLog: (path: string) => Promise<LogFile>,
  ): Promise<OutputRecorder> {
    const { resultsDir, logsDir, outputs, limits } = options;
    // the executors refuse such a task with their own error first; this keeps every folder inside
    const problem = outputs.map(resultPathProblem).find((p) => p !== undefined);
    if (problem !== undefined) {
      throw new BacalhauError(`output configuration error: ${problem}`, {
        code: ErrorCode.OutputConfigError,
      });
    }
    for (const output of outputs) await makeFolder(join(resultsDir, output.Name));
    const log = await openLog(join(logsDir, LogFileName));
    let stdout: number | undefined;
    let stderr: number | undefined;
    try {
      stdout = openEmptied(join(resultsDir, DownloadFilename.Stdout));
      stderr = openEmptied(join(resultsDir, DownloadFilename.Stderr));
    } catch (err) {
      if (stdout !== undefined) closeSync(stdout);
      await log.end();
      throw err;
    }
    return new OutputRecorder(
      options,
      log,
      new CappedStream(stdout, limits.maxStdoutFileLength, limits.maxStdoutReturnLength),
      new CappedStream(stderr, limits.maxStderrFileLength, limits.maxStderrReturnLength),
    );
  }

  /** Records a piece of the task's output; fails with {@link outputNotRecorded}. */
  write(type: ExecutionLogType, data: Uint8Array): Promise<void> {
    return this.writeAll([{ type, data }]);
  }

  /**
   * Records pieces of the task's output in their order, with one write per file however many they
   * are; fails with {@link outputNotRecorded}.
   */
  async writeAll(chunks: readonly LogChunk[]): Promise<void> {
    try {
      const kept: LogChunk[] = [];
      for (const { type, data } of chunks) {
        const part = this.#stream(type).take(data);
        if (part.length > 0) kept.push({ type, data: part });
      }
      if (kept.length === 0) return;
      // all settled before a failure is told: the caller then closes the files, which a write still
      // under way in the thread pool would go on using (their numbers may already be another file's)
      const writes = await Promise.allSettled([
        this.#stdout.flush(),
        this.#stderr.flush(),
        this.log.append(kept),
      ]);
      const failed = writes.find((w) => w.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } catch (err) {
      throw outputNotRecorded(err, this.#resultsDir);
    }
  }

  #stream(type: ExecutionLogType): CappedStream {
    return type === ExecutionLogType.Stdout ? this.#stdout : this.#stderr;
  }

  /**
   * Writes `exitCode`, closes the files and ends the log. `errorMsg` marks an execution that could not
   * run to an exit (Go sets it from the runtime's error); a non-zero exit code alone is no error.
   */
  async finish(exitCode: number, errorMsg = ''): Promise<RunCommandResult> {
    try {
      const path = join(this.#resultsDir, DownloadFilename.ExitCode);
      if (!writeIntoSpareFile(join(this.#logsDir, SpareExitCodeFileName), path, String(exitCode))) {
        writeFileSync(path, String(exitCode));
      }
    } finally {
      await this.close();
    }
    const stdout = this.#stdout.summary();
    const stderr = this.#stderr.summary();
    return {
      Stdout: stdout.text,
      StdoutTruncated: stdout.truncated,
      stderr: stderr.text,
      StderrTruncated: stderr.truncated,
      ExitCode: exitCode,
      ErrorMsg: errorMsg,
    };
  }

  /**
   * Closes the files and removes the log, for a task that never started (its container could not be
   * made): an empty log would read as a task that ran and wrote nothing, where without one the log
   * server says how the execution ended (compute/logstream.ts).
   */
  async discard(): Promise<void> {
    await this.close();
    rmSync(this.log.path, { force: true });
  }

  /** Closes the files without writing a result (a cancelled or timed-out execution). Idempotent. */
  async close(): Promise<void> {
    this.#stdout.close();
    this.#stderr.close();
    await this.log.end();
  }
}
