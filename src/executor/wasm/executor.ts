/**
 * The WASM executor (Go `pkg/executor/wasm`, reference §4.5): runs WASI preview1 modules on
 * `node:wasi`, one worker thread per execution. `start` validates everything it can first (params,
 * modules, entrypoint, imports, memory limit, mounts) and refuses a bad task with an error naming the
 * field; the task then runs bounded by its timeout, and a kill terminates its worker.
 */
import { join } from 'node:path';
import { BaseExecutor, recorderFor, type BaseExecutorOptions } from '../base-executor.js';
import type { BidResponse, RunCommandRequest, SignalOption } from '../types.js';
import { memoryLimitPages } from './memory-limit.js';
import { loadProgram } from './modules.js';
import { prepareMounts } from './mounts.js';
import { runInWorker } from './run-worker.js';
import { decodeWasmSpec } from './spec.js';

export interface WasmExecutorOptions extends BaseExecutorOptions {
  /** Unrecorded output after which the task's writes block; default 4 MiB. */
  highWaterBytes?: number;
}

const accept: BidResponse = { shouldBid: true, reason: 'WASM jobs place no additional requirements' };

export class WasmExecutor extends BaseExecutor {
  readonly #highWaterBytes: number;

  constructor(options: WasmExecutorOptions = {}) {
    super(options);
    this.#highWaterBytes = options.highWaterBytes ?? 4 * 1024 * 1024;
  }

  /** Always: the runtime is part of Node. */
  isInstalled(): Promise<boolean> {
    return Promise.resolve(true);
  }

  shouldBid(): Promise<BidResponse> {
    return Promise.resolve(accept);
  }

  shouldBidBasedOnUsage(): Promise<BidResponse> {
    return Promise.resolve(accept);
  }

  start(request: RunCommandRequest, options: SignalOption = {}): Promise<void> {
    return this.registry.start(request.executionID, request.timeoutMs, async (stop) => {
      const spec = decodeWasmSpec(request.engine);
      const program = await loadProgram(spec, request.inputs, memoryLimitPages(request.resources.Memory));
      const preopens = await prepareMounts({
        inputs: request.inputs,
        outputs: request.outputs,
        resultsDir: request.resultsDir,
        scratchDir: join(request.logsDir, 'wasm-mounts'),
      });
      options.signal?.throwIfAborted();
      stop.throwIfAborted();
      const recorder = await recorderFor(request);
      const task = {
        ...program,
        entrypoint: spec.Entrypoint,
        args: ['', ...spec.Parameters],
        // sorted, as Bacalhau passes them, so a task sees the same order on every node
        env: Object.fromEntries(Object.entries(request.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        preopens,
      };
      return { log: recorder.log, done: runInWorker(task, recorder, stop, this.#highWaterBytes) };
    });
  }
}
