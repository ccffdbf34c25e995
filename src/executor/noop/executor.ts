/**
 * The noop executor (Go `pkg/executor/noop`): runs nothing, for tests and benchmarks. By default an
 * execution ends at once with exit code 0 and no output; hooks replace any part of its behaviour, and
 * the job handler hook can write output, exit with a code, fail, or wait for the abort signal.
 * It writes the same result layout and log as the real executors, so it passes the same contract.
 */
import { errorMessage } from '../../models/bacerrors.js';
import { ExecutionLogType, type RunCommandResult } from '../../models/execution.js';
import type { Resources } from '../../models/resources.js';
import { BaseExecutor, recorderFor, type BaseExecutorOptions } from '../base-executor.js';
import type { OutputRecorder } from '../results.js';
import type { BidRequest, BidResponse, RunCommandRequest, SignalOption } from '../types.js';

/** What a job handler may do while it "runs". */
export interface NoopJobContext {
  request: RunCommandRequest;
  /** Aborts on cancel or timeout; a handler that ignores it is abandoned (its output is no longer kept). */
  signal: AbortSignal;
  stdout(data: string | Uint8Array): Promise<void>;
  stderr(data: string | Uint8Array): Promise<void>;
}

/** How the handler's run ended; missing fields mean exit 0 without error. */
export interface NoopJobOutcome {
  exitCode?: number;
  /** Marks the run as failed, as a runtime error would. A thrown error does the same. */
  errorMsg?: string;
}

export interface NoopExecutorHooks {
  isInstalled?: () => boolean | Promise<boolean>;
  shouldBid?: (request: BidRequest) => BidResponse | Promise<BidResponse>;
  shouldBidBasedOnUsage?: (request: BidRequest, usage: Resources) => BidResponse | Promise<BidResponse>;
  jobHandler?: (context: NoopJobContext) => Promise<NoopJobOutcome | void>;
}

export interface NoopExecutorOptions extends BaseExecutorOptions {
  hooks?: NoopExecutorHooks;
}

const accept: BidResponse = { shouldBid: true, reason: 'noop executor accepts every job' };

export class NoopExecutor extends BaseExecutor {
  readonly #hooks: NoopExecutorHooks;

  constructor(options: NoopExecutorOptions = {}) {
    super(options);
    this.#hooks = options.hooks ?? {};
  }

  async isInstalled(): Promise<boolean> {
    return (await this.#hooks.isInstalled?.()) ?? true;
  }

  async shouldBid(request: BidRequest): Promise<BidResponse> {
    return (await this.#hooks.shouldBid?.(request)) ?? accept;
  }

  async shouldBidBasedOnUsage(request: BidRequest, usage: Resources): Promise<BidResponse> {
    return (await this.#hooks.shouldBidBasedOnUsage?.(request, usage)) ?? accept;
  }

  start(request: RunCommandRequest, options: SignalOption = {}): Promise<void> {
    return this.registry.start(request.executionID, request.timeoutMs, async (signal) => {
      options.signal?.throwIfAborted();
      const recorder = await recorderFor(request);
      return { log: recorder.log, done: this.#run(request, recorder, signal) };
    });
  }

  async #run(
    request: RunCommandRequest,
    recorder: OutputRecorder,
    signal: AbortSignal,
  ): Promise<RunCommandResult> {
    const handler = this.#hooks.jobHandler;
    if (handler === undefined) return recorder.finish(0);
    // writes are chained so the log keeps the handler's order even if it does not await them
    let writes = Promise.resolve();
    const writer = (type: ExecutionLogType) => (data: string | Uint8Array) => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      writes = writes.then(() => (signal.aborted ? undefined : recorder.write(type, bytes)));
      return writes;
    };
    const stopped = new Promise<'stopped'>((resolve) => {
      if (signal.aborted) resolve('stopped');
      signal.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    let outcome: NoopJobOutcome | void | 'stopped';
    try {
      outcome = await Promise.race([
        handler({
          request,
          signal,
          stdout: writer(ExecutionLogType.Stdout),
          stderr: writer(ExecutionLogType.Stderr),
        }),
        stopped,
      ]);
    } catch (err) {
      await writes;
      return recorder.finish(0, errorMessage(err));
    }
    await writes;
    // the registry reports the cancel or timeout; this result only completes the layout
    if (outcome === 'stopped') return recorder.finish(-1, 'stopped');
    return recorder.finish(outcome?.exitCode ?? 0, outcome?.errorMsg ?? '');
  }
}
