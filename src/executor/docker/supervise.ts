/**
 * One execution's container from start to removal (Go `executionHandler.run`): start it (unless it
 * runs already: a re-attach), record its output live, wait for its exit, read why it ended, then write
 * the result layout while the container is removed. The outcome of a run that ended by itself does
 * not wait for the removal (the daemon takes 5–8 ms over it, a tenth of a short job): the container
 * goes soon after, and one a crash left behind is removed as an orphan at the next start. A stopped
 * run's outcome comes once its container is gone.
 * Aborting `signal` (cancel or timeout) stops the container: SIGTERM, then SIGKILL after a second, as
 * Bacalhau does.
 *
 * Output comes from attaching to the container, before it starts: every byte arrives, live, in the
 * order the daemon read it, and a task writing faster than it is recorded waits (an attached stream
 * is not buffered).
 *
 * After a restart of the node, the container of a long-running task is taken up again (`start:
 * false`) and its output recorded after what the previous process recorded (the executor resumes the
 * recorder). The daemon keeps a log of such a task (container-config.ts), so the output is read from
 * that log, past the bytes of each stream the previous process recorded: what the task wrote while no
 * node was attached is recorded too, whether the container still runs or ended meanwhile. Counting
 * bytes is exact where times are not (a file's time lags its last write by a clock tick), as long as
 * the log still starts where the task's output did: of a task that wrote more than the log keeps
 * (100 MB), what the daemon rotated away is skipped in its place, and that much is lost. A container
 * without a daemon log (a batch task's) is attached to again, and what it wrote meanwhile is lost.
 */
import type Docker from 'dockerode';
import { isOutOfFileDescriptors } from '../../lib/error-chain.js';
import { ExecutionLogType, type RunCommandResult } from '../../models/execution.js';
import type { OutputRecorder } from '../results.js';
import type { LogChunk } from '../types.js';
import { demultiplex } from './demux.js';
import { daemonError, describe, statusCode } from './errors.js';
import { MemoryLimitExceeded } from '../errors.js';
import { waitForExit } from './wait-exit.js';

/** Seconds between SIGTERM and SIGKILL when an execution is stopped (Go's `ContainerStop` timeout). */
const StopGraceSeconds = 1;
/** How long the daemon may take to deliver the last output after the container ended. */
const OutputDrainMs = 10_000;
/** How much earlier than the container's end its output stream may end and still be whole. */
const ClockToleranceMs = 1_000;
/** How long the daemon may take to give a left-behind container's log, which is removed without it after. */
const LogCopyTimeoutMs = 10_000;
const OutputCutShort = 'the output stream ended while the container was still running';

export interface SuperviseOptions {
  container: Docker.Container;
  recorder: OutputRecorder;
  /** False when the container was already started (by a previous run of the node). */
  start: boolean;
  /** Runs the start (bind-guard.ts); without it the container is started as it comes. */
  guardStart?: <T>(start: () => Promise<T>) => Promise<T>;
  /**
   * Set when taking up a started container whose daemon keeps its log: the output is read from that
   * log instead of attached to, past what the recorder held when it was resumed.
   */
  fromDaemonLog?: boolean;
  signal: AbortSignal;
  /** Removes the container and what belongs to it; runs once, whatever happened. Never rejects. */
  cleanup: () => Promise<void>;
}

/**
 * Attaches to the container and starts it (unless it runs already); resolves once it runs, with the
 * run's outcome to come. A failed start is an outcome (Go), not an error; a failed attach, a start
 * its guard refused, or one the node had no file descriptor for, is an error, and then the caller still
 * owns (and removes) the container.
 */
export async function runContainer(options: SuperviseOptions): Promise<{ done: Promise<RunCommandResult> }> {
  const capture = await captureOutput(options);
  const start = (): Promise<string | undefined> => startContainer(options.container);
  let failure: string | undefined;
  try {
    failure = options.start ? await (options.guardStart?.(start) ?? start()) : undefined;
  } catch (err) {
    // the guard refused the start: nothing ran, and the caller removes the container
    capture.abort();
    await capture.done;
    throw err;
  }
  return { done: supervise(options, capture, failure) };
}

async function supervise(
  options: SuperviseOptions,
  capture: Capture,
  startFailure: string | undefined,
): Promise<RunCommandResult> {
  const { container, recorder, signal } = options;
  const stop = (): void => {
    container.stop({ t: StopGraceSeconds }).catch(() => undefined); // it ended already: nothing to stop
  };
  let removal: Promise<void> | undefined;
  const remove = (): Promise<void> => (removal ??= options.cleanup());
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (startFailure !== undefined) {
      capture.abort();
      await capture.done;
      return await recorder.finish(-1, startFailure);
    }
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    // output that cannot be recorded ends the run, as on the other engines: see outputNotRecorded
    void capture.done.then(() => {
      if (capture.recorderFailure() !== undefined) stop();
    });
    const exit = await waitForExit(container);
    if ('failure' in exit) {
      capture.abort(); // the run failed already; what the output did no longer matters
      await capture.done;
      return await recorder.finish(-1, exit.failure);
    }
    drainTimer = setTimeout(
      () =>
        capture.abort(
          `the daemon did not deliver the end of the output within ${OutputDrainMs} ms of the exit`,
        ),
      OutputDrainMs,
    );
    const [captureError, state] = await Promise.all([capture.done, container.inspect().then((i) => i.State)]);
    // the container has told all it will: it goes while the result is written
    void remove();
    if (signal.aborted) return await recorder.finish(-1, 'stopped');
    const recorderFailure = capture.recorderFailure();
    if (recorderFailure !== undefined) throw recorderFailure; // closed below
    const outputError =
      captureError ?? (exit.disrupted && endedEarly(capture, state.FinishedAt) ? OutputCutShort : undefined);
    const errorMsg = state.OOMKilled
      ? MemoryLimitExceeded
      : outputError !== undefined
        ? `failed to capture container output: ${outputError}`
        : (exit.status.Error?.Message ?? '');
    return await recorder.finish(exit.status.StatusCode, errorMsg);
  } catch (err) {
    // The capture may still be writing (an inspect that failed ends the run at once): the recorder's
    // files are closed only once it stopped, or later output would go to whatever reused their fds.
    capture.abort();
    await capture.done;
    await recorder.close();
    throw err;
  } finally {
    clearTimeout(drainTimer);
    signal.removeEventListener('abort', stop);
    // a stopped run's caller wants the container gone; a finished run's outcome need not wait for it
    if (signal.aborted) await remove();
    else void remove();
  }
}

/**
 * Whether the output stream ended well before the container did. It ends when the task's output
 * does, so one that ended earlier was cut, along with the connection to the daemon, and what the
 * task wrote afterwards is lost. Only asked after a disrupted wait: `FinishedAt` is the daemon's
 * clock, which a remote daemon may not share with this node.
 */
function endedEarly(capture: Capture, finishedAt: string): boolean {
  const endedAt = capture.endedAt();
  return endedAt !== undefined && endedAt < Date.parse(finishedAt) - ClockToleranceMs;
}

/**
 * Starts the container; a failure is the run's result (Go), its message the ErrorMsg, unless the node
 * could not reach the daemon for want of a file descriptor.
 */
async function startContainer(container: Docker.Container): Promise<string | undefined> {
  try {
    await container.start();
    return undefined;
  } catch (err) {
    // started in the meantime (a node that stopped while starting it): as good as started here
    if (statusCode(err) === 304) return undefined;
    // the node's own failure to reach the daemon, not the container's: an error with the fix
    if (isOutOfFileDescriptors(err)) throw daemonError('failed to start container', err);
    const detail = describe(err);
    // Bacalhau calls out a missing executable: the commonest mistake in Entrypoint or Parameters
    return detail.includes('executable file not found')
      ? `failed to start container: executable file not found: ${detail}`
      : `failed to start container: ${detail}`;
  }
}

/** Output being recorded: `done` settles with undefined once it ended, or with why it was cut short. */
interface Capture {
  done: Promise<string | undefined>;
  abort: (reason?: string) => void;
  /** Why the recorder failed (outputNotRecorded), once it has: the run ends with it. */
  recorderFailure: () => Error | undefined;
  /** When the stream ended without error, if it has (a stream cut with an error says why in `done`). */
  endedAt: () => number | undefined;
}

/**
 * Records the container's output, from the daemon's log with `fromDaemonLog`, else attached to. A
 * container not running yet (`start`) misses nothing; one re-attached to without a log gives what it
 * writes from now on, and one that ended before such a re-attach has nothing left to give.
 */
async function captureOutput(options: SuperviseOptions): Promise<Capture> {
  const { container, recorder, start, fromDaemonLog = false } = options;
  const controller = new AbortController();
  const streams = { stdout: true, stderr: true, abortSignal: controller.signal };
  let stream: NodeJS.ReadableStream;
  try {
    stream = fromDaemonLog
      ? await container.logs({ follow: true, ...streams })
      : await container.attach({ stream: true, ...streams });
  } catch (err) {
    if (start) throw daemonError('attaching to the container', err);
    return {
      done: Promise.resolve(undefined),
      abort: () => undefined,
      recorderFailure: () => undefined,
      endedAt: () => undefined,
    };
  }
  let recorderFailure: Error | undefined;
  /** Records the multiplexed stream in the order it comes. */
  const record = async (): Promise<void> => {
    const pieces = demultiplex(stream as AsyncIterable<Buffer>);
    for await (const piece of fromDaemonLog ? notYetRecorded(pieces, recorder) : pieces) {
      await recorder.write(piece.type, piece.data).catch((err: unknown) => {
        recorderFailure = err instanceof Error ? err : new Error(String(err));
        throw err;
      });
    }
  };
  let endedAt: number | undefined;
  const done = record().then(
    () => {
      // a stream ended by the drain timeout may end without error: the timeout still cut it short
      if (!controller.signal.aborted) endedAt = Date.now();
      return abortReason(controller.signal);
    },
    (err: unknown) => (controller.signal.aborted ? abortReason(controller.signal) : describe(err)),
  );
  return {
    done,
    abort: (reason) => controller.abort(reason),
    recorderFailure: () => recorderFailure,
    endedAt: () => endedAt,
  };
}

/**
 * Copies into `recorder` what a container left by a previous run wrote after that run's last recorded
 * piece, from the daemon's log as it is now (not followed): for a container removed because it could
 * not be taken up again, whose output would otherwise go with it. Adds nothing when the container has
 * no log (`LogConfig` none) or the daemon does not give it; a recorder that fails rejects.
 */
export async function recordDaemonLog(container: Docker.Container, recorder: OutputRecorder): Promise<void> {
  // dockerode answers a log request that does not follow with the whole body at once (at most the kept
  // log's 5 × 20 MB, container-config.ts); a daemon that does not answer delays the removal by
  // LogCopyTimeoutMs at most
  const body = await container
    .logs({ follow: false, stdout: true, stderr: true, abortSignal: AbortSignal.timeout(LogCopyTimeoutMs) })
    .then(
      (log: Buffer) => log,
      () => undefined,
    );
  if (body === undefined || body.length === 0) return;
  const pieces = demultiplex([body]);
  for await (const piece of notYetRecorded(pieces, recorder)) await recorder.write(piece.type, piece.data);
}

/** The daemon log's pieces past the bytes of each stream the resumed recorder held already. */
async function* notYetRecorded(
  pieces: AsyncIterable<LogChunk>,
  recorder: OutputRecorder,
): AsyncGenerator<LogChunk> {
  const skip = {
    [ExecutionLogType.Stdout]: recorder.log.resumedWith(ExecutionLogType.Stdout),
    [ExecutionLogType.Stderr]: recorder.log.resumedWith(ExecutionLogType.Stderr),
  };
  for await (const { type, data } of pieces) {
    const skipped = Math.min(skip[type], data.length);
    skip[type] -= skipped;
    if (skipped < data.length) yield { type, data: data.subarray(skipped) };
  }
}

/** Why the capture was aborted, when a reason worth telling was given. */
function abortReason(signal: AbortSignal): string | undefined {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  return typeof reason === 'string' ? reason : undefined;
}
