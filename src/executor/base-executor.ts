/**
 * What every executor built on {@link ExecutionRegistry} shares: its options, and `wait`, `cancel`
 * and `getLogStream`, which only consult the registry. Engines implement `start` (calling
 * `registry.start` with their launch function) and the installation and bid checks.
 */
import { systemClock, type Clock } from '../lib/clock.js';
import type { RunCommandResult } from '../models/execution.js';
import type { Resources } from '../models/resources.js';
import { ExecutionRegistry } from './registry.js';
import { DefaultOutputLimits, OutputRecorder } from './results.js';
import type {
  BidRequest,
  BidResponse,
  Executor,
  LogChunk,
  LogStreamOptions,
  RunCommandRequest,
  SignalOption,
} from './types.js';

export interface BaseExecutorOptions {
  clock?: Clock;
  /** How long a finished execution stays known; default 1 hour, as Bacalhau keeps its folder. */
  retainFinishedMs?: number;
  /** The most finished executions known at once (see {@link ExecutionRegistry}); default 10,000. */
  retainFinishedMax?: number;
}

export abstract class BaseExecutor implements Executor {
  protected readonly registry: ExecutionRegistry;

  constructor(options: BaseExecutorOptions = {}) {
    this.registry = new ExecutionRegistry({
      clock: options.clock ?? systemClock,
      retainFinishedMs: options.retainFinishedMs ?? 3_600_000,
      retainFinishedMax: options.retainFinishedMax ?? 10_000,
    });
  }

  abstract isInstalled(options?: SignalOption): Promise<boolean>;
  abstract shouldBid(request: BidRequest, options?: SignalOption): Promise<BidResponse>;
  abstract shouldBidBasedOnUsage(
    request: BidRequest,
    usage: Resources,
    options?: SignalOption,
  ): Promise<BidResponse>;
  abstract start(request: RunCommandRequest, options?: SignalOption): Promise<void>;

  wait(executionID: string, options: SignalOption = {}): Promise<RunCommandResult> {
    return this.registry.wait(executionID, options.signal);
  }

  cancel(executionID: string, options: SignalOption = {}): Promise<void> {
    return this.registry.cancel(executionID, options.signal);
  }

  getLogStream(executionID: string, options: LogStreamOptions = {}): AsyncIterable<LogChunk> {
    return this.registry.logStream(executionID, options);
  }
}

/**
 * The recorder of the request's result layout (its folders, outputs and limits): empty files, or with
 * `resume` (an execution re-attached to after a restart) the recording its previous process made,
 * continued (see {@link OutputRecorder.resume}).
 */
export function recorderFor(
  request: RunCommandRequest,
  options: { resume?: boolean } = {},
): Promise<OutputRecorder> {
  const recorderOptions = {
    resultsDir: request.resultsDir,
    logsDir: request.logsDir,
    outputs: request.outputs,
    limits: request.outputLimits ?? DefaultOutputLimits,
  };
  return options.resume === true
    ? OutputRecorder.resume(recorderOptions)
    : OutputRecorder.create(recorderOptions);
}
