/**
 * Runs one WASM execution in a worker thread (see worker.ts for what happens inside) and records its
 * output. Settles once the result layout is written: with the task's result, or after the abort signal
 * killed the worker (then the caller reports the cancel or timeout, not this result). A worker whose
 * task ended by itself is handed back for the next task; one that was killed, failed or ended with
 * its modules holding more than {@link ReuseMemoryLimitBytes} is terminated.
 */
import { openSync } from 'node:fs';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { localWriteCount, localWriteGate } from '../local-write-gate.js';
import type { NetworkConfig } from '../../models/network.js';
import type { RunCommandResult } from '../../models/execution.js';
import type { OutputRecorder } from '../results.js';
import { serveHttpCalls, type HttpOptions } from './http-requests.js';
import { closeFdsLeftIn } from './left-fds.js';
import type { LeaveSharedFolders } from './shared-folders.js';
import { RingReader, ringBytes } from './output-ring.js';
import { ControlSlot, ControlSlots, workerSource, type WorkerInput, type WorkerMessage } from './worker.js';

export type WorkerTask = Omit<WorkerInput, 'control' | 'output' | 'http' | 'gate' | 'writing'> & {
  hidesMemory?: boolean;
};

/** /dev/null, opened once for every worker of the process (see `wasmWorkerMain`); never closed. */
let devNull: number | undefined;

/** Starts a worker that boots and then waits for its task (pass it to {@link runInWorker}). */
export function spawnWasmWorker(): Worker {
  devNull ??= openSync('/dev/null', 'r+');
  // env: {} keeps the node's own environment out of the worker (the task's env goes to WASI only);
  // execArgv: [] keeps the node's flags and loaders (tsx, ...) out, which the worker does not need
  return new Worker(workerSource(devNull), { eval: true, env: {}, execArgv: [] });
}

/**
 * A killed task that is inside a WASI call (sleeping, waiting for room in its output ring) unwinds
 * and closes its files; one computing in a loop is terminated after this long, and the host fds of
 * the files it had open stay open (Node cannot close a dead thread's WASI fds): those in the task's
 * own folders are closed once it exited (left-fds.ts), those in folders it shares once no task uses
 * them (shared-folders.ts).
 */
const KillGraceMs = 100;

/**
 * Module memory a finished task may have held for its worker to be reused: the thread frees it only
 * at its next GC, and an idle spare allocates nothing that would start one.
 */
export const ReuseMemoryLimitBytes = 64 * 1024 * 1024;

/**
 * How long past its grace a terminated worker may take to exit before its run ends without it. A
 * thread stuck in a blocking call (a FIFO no one writes, a hung network mount) never exits: Node stops
 * a thread only between JavaScript steps.
 */
const ExitWaitMs = 2000;

/** Resolves true once the worker has exited (at once when it has already), false after `waitMs`. */
function exitOf(worker: Worker, exited: boolean, waitMs: number): Promise<boolean> {
  if (exited) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Ends the worker once it has ended by itself, or after `graceMs` at the latest. */
function terminate(worker: Worker, graceMs: number): void {
  if (graceMs <= 0) {
    void worker.terminate();
    return;
  }
  const timer = setTimeout(() => void worker.terminate(), graceMs);
  worker.once('exit', () => clearTimeout(timer));
}

/** What a run shares with its worker thread: the control words and the output ring. */
interface SharedBuffers {
  control: Int32Array<SharedArrayBuffer>;
  ring: Uint8Array<SharedArrayBuffer>;
}

/** Buffers a pool keeps for later runs; those of a burst of runs beyond it are let go. */
export const MaxFreeBuffers = 8;

/**
 * The shared buffers of ended runs, for the next ones. A run's buffers stay referenced in its worker
 * thread until that thread's next GC, and a reused worker with little to collect runs hundreds of
 * tasks before one: with a new 4 MiB ring each, 1,500 runs of a hello-world module took the node to
 * 2.3 GB of memory (180 MB with 64 KiB rings). Handed buffers again, a worker keeps the few it saw.
 */
export class BufferPool {
  readonly #free: SharedBuffers[] = [];
  readonly #ringBytes: number;

  /**
   * `highWaterBytes` sizes the rings (rounded up to a power of 2): what a worker may write ahead of
   * the main thread, which may also be recording one batch it took earlier.
   */
  constructor(highWaterBytes: number) {
    this.#ringBytes = ringBytes(highWaterBytes);
  }

  take(): SharedBuffers {
    const ended = this.#free.pop();
    if (ended !== undefined) {
      // no thread uses them: the run that had them is over, its worker done with them
      ended.control.fill(0);
      return ended;
    }
    return {
      control: new Int32Array(new SharedArrayBuffer(ControlSlots * Int32Array.BYTES_PER_ELEMENT)),
      ring: new Uint8Array(new SharedArrayBuffer(this.#ringBytes)),
    };
  }

  /** Only once neither the run's worker nor its recording touches them any more. */
  give(buffers: SharedBuffers): void {
    if (this.#free.length < MaxFreeBuffers) this.#free.push(buffers);
  }
}

export interface WorkerRun {
  task: WorkerTask;
  recorder: OutputRecorder;
  signal: AbortSignal;
  /** Where the run's shared buffers come from and go back to. */
  buffers: BufferPool;
  /** Takes the worker back once its task ended cleanly; it may then run another. */
  giveBack: (worker: Worker) => void;
  /** The preopened folders only this task uses (mounts.ts): a terminated worker's fds there are closed. */
  ownFolders?: readonly string[];
  /**
   * Called once the worker is given back, or has exited (however long after the run's end), for the
   * folders the task shares with others (shared-folders.ts).
   */
  leaveSharedFolders?: LeaveSharedFolders;
  /** Set when the task has the HTTP host module: the network its calls may use. */
  http?: HttpOptions & { network: NetworkConfig };
}

export function runInWorker(
  worker: Worker,
  { task, recorder, signal, buffers, giveBack, http, ownFolders = [], leaveSharedFolders }: WorkerRun,
): Promise<RunCommandResult> {
  return new Promise((resolve, reject) => {
    const shared = buffers.take();
    const { control, ring } = shared;
    /** The worker's end of the task's HTTP channel, when it has one (it waits for answers on it). */
    let httpPort: MessagePort | undefined;
    let stopServing = (): void => undefined;
    if (http !== undefined) {
      const channel = new MessageChannel();
      httpPort = channel.port2;
      const answered = (): void => {
        Atomics.store(control, ControlSlot.HttpAnswered, 1);
        Atomics.notify(control, ControlSlot.HttpAnswered);
      };
      stopServing = serveHttpCalls(channel.port1, answered, http.network, http);
    }
    const writes = localWriteCount();
    const input: WorkerInput = {
      ...task,
      control: control.buffer,
      output: ring.buffer,
      gate: localWriteGate.buffer,
      writing: writes.buffer,
      ...(httpPort && { http: httpPort }),
    };
    const output = new RingReader(control, ring);
    let ending = false;
    /** Records what the worker writes, batch by batch, until the run ends and the ring is empty. */
    const record = async (): Promise<void> => {
      for (;;) {
        const chunks = output.take();
        if (chunks.length > 0) {
          await recorder.writeAll(chunks);
          // a turn of the event loop between batches: a task writing without pause past its file caps
          // (nothing to write, so no I/O to wait for) would otherwise hold the loop, its timeout too
          await new Promise(setImmediate);
        } else if (ending) return;
        else await output.waitForData();
      }
    };
    const recorded = record();
    // output that cannot be recorded ends the execution with that error (see finish)
    recorded.catch(() => kill());
    let finished = false;
    let workerExited = false;

    /**
     * `end`: the worker is given back (its task ended by itself and it holds little memory), or how
     * long it may take to close its files before it is terminated.
     */
    const finish = (
      produce: () => Promise<RunCommandResult>,
      end: 'reuse' | number = 0,
      leftOpen = false,
    ): void => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', kill);
      stopServing();
      /**
       * Settles once the worker is gone and what it left open in the task's folders is closed, or it
       * ended its task by itself: true then, false for a thread that would not exit.
       */
      let swept = Promise.resolve(true);
      if (end === 'reuse') {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        giveBack(worker);
        leaveSharedFolders?.(leftOpen);
      } else {
        // the listeners stay until the worker is gone: one killed before it began its task may still
        // fail to start it (its folders removed meanwhile), and an 'error' nobody listens to would throw
        Atomics.store(control, ControlSlot.Killed, 1);
        Atomics.notify(control, ControlSlot.Killed);
        Atomics.notify(control, ControlSlot.Read);
        Atomics.notify(control, ControlSlot.HttpAnswered);
        swept = exitOf(worker, workerExited, end + ExitWaitMs).then((exited) => {
          // a thread still alive (stuck in a blocking call) may still use its fds (and buffers): they stay
          if (exited) closeFdsLeftIn(ownFolders);
          return exited;
        });
        terminate(worker, end);
        // its shared folders are swept only once no thread can use its fds there, however late it exits
        if (workerExited) leaveSharedFolders?.(true);
        else worker.once('exit', () => leaveSharedFolders?.(true));
      }
      // a thread gone (or given up on) makes no more calls: what it counted in no longer holds the gate
      void swept.then(writes.forget);
      ending = true;
      output.wake();
      void swept.then(async (released) => {
        await recorded.catch(() => undefined);
        if (released) buffers.give(shared);
      });
      // the run's result waits for the sweep: then the task's folders are its caller's to remove
      void swept
        .then(() => recorded)
        .then(produce, async (err: unknown) => {
          // whatever else ended the run: its results would be wrong
          try {
            await recorder.close();
          } finally {
            // eslint-disable-next-line no-unsafe-finally -- the recording's error, not the close's, is the run's
            throw err;
          }
        })
        .then(resolve, reject);
    };
    const kill = (): void => finish(() => recorder.finish(-1, 'stopped'), KillGraceMs);

    const onMessage = (message: WorkerMessage): void => {
      // the task has ended: nothing of it uses its folders any more
      const leftOpen = message.leftOpen === true;
      if (leftOpen) closeFdsLeftIn(ownFolders);
      // a module keeping its memory to itself may hold any amount: its thread is not reused
      const end = !task.hidesMemory && message.memoryBytes <= ReuseMemoryLimitBytes ? 'reuse' : 0;
      finish(() => recorder.finish(message.code, message.error), end, leftOpen);
    };
    const onError = (err: Error): void =>
      finish(() => recorder.finish(1, `WASM runtime failed: ${err.message}`));
    const onExit = (code: number): void => {
      workerExited = true;
      finish(() => recorder.finish(-1, `WASM runtime stopped unexpectedly (worker exit code ${code})`));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    if (signal.aborted) kill();
    else {
      signal.addEventListener('abort', kill, { once: true });
      worker.postMessage(input, httpPort === undefined ? [] : [httpPort]);
    }
  });
}
