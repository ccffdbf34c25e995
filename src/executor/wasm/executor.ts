/**
 * The WASM executor (Go `pkg/executor/wasm`, reference §4.5): runs WASI preview1 modules on
 * `node:wasi`, each execution in a worker thread of its own while it runs, taken from a pool of
 * pre-started or reused ones (worker-pool.ts).
 * `start` validates everything it can first (params, modules, entrypoint, imports, memory limit,
 * mounts) and refuses a bad task with an error naming the field; the task then runs bounded by its
 * timeout, and a kill terminates its worker. A task with a network also gets Bacalhau's HTTP host
 * module (http-requests.ts).
 */
import type { Worker } from 'node:worker_threads';
import { systemClock } from '../../lib/clock.js';
import { BaseExecutor, recorderFor, type BaseExecutorOptions } from '../base-executor.js';
import { executorStopped } from '../errors.js';
import type { BidResponse, RunCommandRequest, SignalOption } from '../types.js';
import { decodeWasmSpec, MaxWasmOpenFolders, WasmComponent } from '../../models/engines/wasm.js';
import { tooManyFolders } from './errors.js';
import { memoryLimitPages } from './memory-limit.js';
import { hasHttpModule } from './http-requests.js';
import { loadProgram } from './modules.js';
import { releasedFoldersRemoved } from './file-inputs.js';
import { prepareMounts } from './mounts.js';
import { sharedFolders } from './shared-folders.js';
import { BufferPool, runInWorker, spawnWasmWorker } from './run-worker.js';
import { WorkerPool } from './worker-pool.js';

export interface WasmExecutorOptions extends BaseExecutorOptions {
  /** Unrecorded output after which the task's writes block (its output ring, output-ring.ts); default 4 MiB. */
  highWaterBytes?: number;
  /**
   * Idle worker threads kept for the next executions: pre-started, or given back by an execution that
   * ended cleanly; default 2. 0 starts a thread when an execution starts and ends it afterwards.
   */
  spareWorkers?: number;
  /** Spare workers unused this long are terminated (an idle node holds no threads); default 60 s. */
  spareIdleMs?: number;
  /**
   * Let HTTP-mode tasks' HTTP calls reach this host's own addresses, which they may not by default
   * (http-requests.ts). For tests only, whose servers can listen on loopback alone.
   */
  allowNodeLocalEgress?: boolean;
}

const accept: BidResponse = { shouldBid: true, reason: 'WASM jobs place no additional requirements' };

export class WasmExecutor extends BaseExecutor {
  readonly #buffers: BufferPool;
  readonly #workers: WorkerPool<Worker>;
  readonly #allowNodeLocalEgress: boolean;
  #stopping: Promise<void> | undefined;

  constructor(options: WasmExecutorOptions = {}) {
    super(options);
    this.#buffers = new BufferPool(options.highWaterBytes ?? 4 * 1024 * 1024);
    this.#allowNodeLocalEgress = options.allowNodeLocalEgress ?? false;
    this.#workers = new WorkerPool({
      spawn: spawnWasmWorker,
      spares: options.spareWorkers ?? 2,
      refillDelayMs: 20,
      idleMs: options.spareIdleMs ?? 60_000,
      clock: options.clock ?? systemClock,
    });
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
    if (this.#stopping !== undefined) return Promise.reject(executorStopped(WasmComponent));
    return this.registry.start(request.executionID, request.timeoutMs, async (stop) => {
      const spec = decodeWasmSpec(request.engine);
      const http = hasHttpModule(request.network);
      // independent, so they run together; a task wrong in both gets the program's error, as before
      const [loaded, mounted] = await Promise.allSettled([
        loadProgram(spec, request.inputs, memoryLimitPages(request.resources.Memory), http),
        prepareMounts({
          inputs: request.inputs,
          outputs: request.outputs,
          resultsDir: request.resultsDir,
          scratchDir: request.scratchDir,
        }),
      ]);
      if (mounted.status === 'rejected') throw loaded.status === 'rejected' ? loaded.reason : mounted.reason;
      if (loaded.status === 'rejected') {
        await mounted.value.release();
        throw loaded.reason;
      }
      const [{ usesHttp, ...program }, mounts] = [loaded.value, mounted.value];
      let recorder;
      try {
        const modules = 1 + program.dependencies.length;
        if (modules * mounts.preopens.length > MaxWasmOpenFolders) {
          throw tooManyFolders(modules, mounts.preopens.length);
        }
        options.signal?.throwIfAborted();
        stop.throwIfAborted();
        recorder = await recorderFor(request);
      } catch (err) {
        await mounts.release();
        throw err;
      }
      const task = {
        ...program,
        entrypoint: spec.Entrypoint,
        args: ['', ...spec.Parameters],
        // sorted, as Bacalhau passes them, so a task sees the same order on every node
        env: Object.fromEntries(Object.entries(request.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        preopens: mounts.preopens,
      };
      const worker = this.#workers.take();
      const leaveSharedFolders = sharedFolders.enter(mounts.sharedFolders, request.resultsDir);
      const ran = runInWorker(worker, {
        task,
        recorder,
        signal: stop,
        buffers: this.#buffers,
        giveBack: (w) => this.#workers.giveBack(w),
        ownFolders: mounts.ownFolders,
        leaveSharedFolders,
        // a channel only for a task that makes HTTP calls: it costs every task that has one
        ...(usesHttp && { http: { network: request.network, allowNodeLocal: this.#allowNodeLocalEgress } }),
      });
      // a run cut short wrote what it wrote: it goes back to its inputs too
      const done = ran.then(
        async (result) => {
          const unwritten = await mounts.release();
          return unwritten === undefined || result.ErrorMsg !== ''
            ? result
            : { ...result, ErrorMsg: unwritten };
        },
        async (err: unknown) => {
          await mounts.release();
          throw err;
        },
      );
      return { log: recorder.log, done, taskEnded: ran };
    });
  }

  /**
   * Cancels what runs (terminating its workers), terminates the spare workers and waits for the
   * removal of the tasks' input folders. Idempotent; `start` is refused afterwards.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#workers.stop();
      await this.registry.cancelAll();
      // the cancelled tasks' folders are released by now, those of tasks that ended before too
      await releasedFoldersRemoved();
    })();
    return this.#stopping;
  }
}
