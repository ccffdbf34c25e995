/**
 * How long a compute node remembers the executions that ended: as long as it keeps their folders
 * (`retainOutputMs`, an hour), then it forgets them. Go's compute node keeps every execution record for
 * good, and each holds its job spec: with inline inputs (`bacalhau wasm run` uploads its module inline)
 * the store grew by megabytes per job, without bound. What a record is still needed for ends with the
 * folders: logs are read from them, and the orchestrator has the outcome once it acknowledged it.
 *
 * A sweep runs when the node starts and then every sixth of `retainMs` (10 minutes). For each
 * execution that ended more than `retainMs` ago it removes the folders first, then forgets the record,
 * so that no folder is ever left without its record (a restarted node would report such a folder's
 * execution as unknown to the orchestrator). The store keeps the executions whose outcome the
 * orchestrator has not acknowledged. Records go in batches, each one short transaction, so the node
 * goes on working during a long sweep.
 */
import type { Clock, Timer } from '../lib/clock.js';
import type { ExecutionStore } from './store/types.js';

export interface ExecutionRetentionOptions {
  store: Pick<ExecutionStore, 'endedBefore' | 'forget'>;
  /** Removes an execution's folders; resolves when they are gone (also when there were none). */
  removeFolders: (executionID: string) => Promise<void>;
  clock: Clock;
  /** How long after it ended an execution is forgotten; sweeps come a sixth of that apart. */
  retainMs: number;
  onError: (error: unknown) => void;
}

/** Executions forgotten per transaction. */
const BatchSize = 200;

export class ExecutionRetention {
  readonly #o: ExecutionRetentionOptions;
  #timer: Timer | undefined;
  #sweeping: Promise<void> | undefined;
  #stopped = false;

  constructor(options: ExecutionRetentionOptions) {
    this.#o = options;
  }

  /** Sweeps now, then every interval, until {@link stop}. */
  start(): void {
    this.#schedule(0);
  }

  /** Cancels the next sweep and waits for one under way, which ends after its current batch. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#sweeping;
  }

  /** Forgets what ended more than `retainMs` ago; resolves with how many executions it forgot. */
  async sweep(): Promise<number> {
    const cutoff = this.#o.clock.now() - this.#o.retainMs;
    let forgotten = 0;
    for (;;) {
      const ended = this.#o.store.endedBefore(cutoff, BatchSize);
      const removed: string[] = [];
      for (const id of ended) {
        if (this.#stopped) break;
        // a folder that cannot be removed keeps its record, for the next sweep to try again
        await this.#o.removeFolders(id).then(() => removed.push(id), this.#o.onError);
      }
      const count = this.#o.store.forget(removed);
      forgotten += count;
      if (this.#stopped || ended.length < BatchSize || count === 0) return forgotten;
    }
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimer(delayMs, () => {
      this.#sweeping = this.sweep()
        .then(() => undefined, this.#o.onError)
        .finally(() => {
          this.#sweeping = undefined;
          this.#schedule(this.#o.retainMs / 6);
        });
    });
    this.#timer.unref?.();
  }
}
