/**
 * Feeds the evaluation broker from the store (Bacalhau `evaluation.WatchHandler`): every evaluation the
 * store reports as created is enqueued, whoever wrote it (submission, stop, rerun, the planner's
 * follow-ups, node events). Only creations, as in Go: updates and deletions are the broker's own
 * business.
 *
 * Deliberate differences from Go:
 * - On start the broker is rebuilt from every evaluation still `pending` in the store (Go's watcher
 *   starts at the latest event, so evaluations pending at a restart are lost until something else
 *   triggers their job). The planner marks evaluations `complete` in the plan's transaction, so what is
 *   pending was never applied.
 * - Only `pending` evaluations are enqueued; Go enqueues whatever is created.
 */
import { EvalStatus, type Evaluation } from '../../models/index.js';
import type { EvaluationBroker } from '../evaluation/index.js';
import { stderrLogger, type Logger } from '../planner/index.js';
import type { JobStore } from '../../store/index.js';

export interface EvaluationWatcherOptions {
  store: JobStore;
  broker: EvaluationBroker;
  logger?: Logger;
}

export type EvaluationWatcherState = 'running' | 'stopped';

export class EvaluationWatcher {
  readonly #broker: EvaluationBroker;
  readonly #logger: Logger;
  #unsubscribe: () => void;
  #state: EvaluationWatcherState = 'running';
  #rebuilt = 0;

  private constructor(options: EvaluationWatcherOptions) {
    this.#broker = options.broker;
    this.#logger = options.logger ?? stderrLogger;
    this.#unsubscribe = options.store.onChange((changes) => {
      const created: Evaluation[] = [];
      for (const change of changes) {
        if (change.type === 'EvaluationCreated' && change.evaluation.Status === EvalStatus.Pending) {
          created.push(change.evaluation);
        }
      }
      if (created.length === 1 && created[0] !== undefined) this.#broker.enqueue(created[0]);
      else if (created.length > 1) this.#broker.enqueueAll(created);
    });
  }

  /**
   * Subscribes to the store's changes, then enqueues every pending evaluation of the store (listed in
   * the same turn, so that none is missed or enqueued twice).
   *
   * @throws the store's error when the evaluations cannot be listed; nothing stays subscribed then
   */
  static async create(options: EvaluationWatcherOptions): Promise<EvaluationWatcher> {
    const watcher = new EvaluationWatcher(options);
    try {
      const pending = await options.store.listEvaluations({ statuses: [EvalStatus.Pending] });
      watcher.#rebuilt = pending.length;
      if (watcher.#state === 'running') options.broker.enqueueAll(pending);
    } catch (err) {
      await watcher.stop();
      throw err;
    }
    if (watcher.#rebuilt > 0) {
      watcher.#logger.info('Evaluation broker rebuilt from the store', {
        PendingEvaluations: watcher.#rebuilt,
      });
    }
    return watcher;
  }

  get state(): EvaluationWatcherState {
    return this.#state;
  }

  /** How many pending evaluations were found in the store at start. */
  get rebuilt(): number {
    return this.#rebuilt;
  }

  /** Unsubscribes. Idempotent. */
  stop(): Promise<void> {
    if (this.#state !== 'stopped') {
      this.#state = 'stopped';
      this.#unsubscribe();
    }
    return Promise.resolve();
  }
}
