/**
 * The orchestrator's scheduling loop, assembled (the worker part of Bacalhau's `pkg/node/requester.go`):
 * the evaluation broker, the watcher that feeds it from the store, the node cache, and
 * `Orchestrator.Scheduler.WorkerCount` workers running the schedulers and the planner chain.
 *
 *   store ──EvaluationCreated──► watcher ──► broker ──► worker × N ──► scheduler ──► planner ──► store
 *
 * Start: the broker is created with callbacks that persist dead-lettered (`failed`) and superseded
 * (`canceled`) evaluations; the node cache and the watcher subscribe to the store, and the watcher
 * re-enqueues every evaluation still pending (after a restart: everything not yet applied); then the
 * workers start.
 *
 * Stop (idempotent, also on `signal`): the watcher stops feeding, the workers finish the evaluation in
 * hand and end, the broker stops, pending status writes finish. The store stays open: it is the
 * caller's.
 */
import { availableParallelism } from 'node:os';
import { systemClock, type Clock } from '../../lib/clock.js';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import type { JobStore } from '../../store/index.js';
import { EvaluationBroker, type EvaluationBrokerOptions } from '../evaluation/index.js';
import {
  ChainedPlanner,
  LoggingPlanner,
  StateUpdater,
  stderrLogger,
  type Logger,
  type Planner,
} from '../planner/index.js';
import {
  createSchedulerRegistry,
  defaultNodeSelector,
  type SchedulerOptions,
  type SchedulerRegistry,
} from '../scheduler/index.js';
import { evaluationStatusRecorder, type EvaluationStatusRecorder } from './evaluation-status.js';
import { EvaluationWatcher } from './evaluation-watcher.js';
import { NodeCache } from './node-cache.js';
import { Worker, type EvaluationOutcome, type WorkerDependencies } from './worker.js';
import { PlacementLedger } from './placement-ledger.js';

export interface SchedulingServiceOptions {
  store: JobStore;
  /** `Orchestrator.Scheduler.WorkerCount`: an integer ≥ 1. Default: the number of CPUs. */
  workerCount?: number;
  /** Default: `createSchedulerRegistry(schedulerOptions)`. */
  schedulers?: SchedulerRegistry;
  /** For the default registry, e.g. `queueBackoffMs` from `Orchestrator.Scheduler.QueueBackoff`. */
  schedulerOptions?: SchedulerOptions;
  /**
   * The broker's options (`Orchestrator.EvaluationBroker.*`); its clock is `clock`, and its dead-letter
   * and cancelable callbacks are this service's.
   */
  brokerOptions?: Omit<EvaluationBrokerOptions, 'clock' | 'onDeadLetter' | 'onCancelable'>;
  /** Default: the state updater, then the logging planner. The placement ledger wraps it. */
  planner?: Planner;
  /** Drives the broker's delays and timeouts and the schedulers' `now`. */
  clock?: Clock;
  /** Default: warnings and errors to stderr. */
  logger?: Logger;
  /** Most evaluations a worker processes together (worker.ts); default `DefaultWorkerBatchSize`. */
  batchSize?: number;
  /** Called after each evaluation was acked or nacked (metrics, tests). Must not throw. */
  onOutcome?: (outcome: EvaluationOutcome) => void;
  /** Aborting stops the service, as {@link SchedulingService.stop}. */
  signal?: AbortSignal;
}

export type SchedulingServiceState = 'running' | 'stopping' | 'stopped';

const Component = 'Scheduler';

/** @throws BacalhauError (ValidationError) for a `workerCount` that is not an integer ≥ 1 */
export function compileWorkerCount(workerCount: number | undefined): number {
  const count = workerCount ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) {
    throw new BacalhauError(`worker count must be an integer >= 1: ${count}`, {
      code: ErrorCode.ValidationError,
      component: Component,
    });
  }
  return count;
}

export class SchedulingService {
  readonly broker: EvaluationBroker;
  readonly workers: readonly Worker[];
  readonly #watcher: EvaluationWatcher;
  readonly #nodes: NodeCache;
  readonly #status: EvaluationStatusRecorder;
  /** What was placed on each node since its last capacity report (feed it the node manager's reports). */
  readonly placements: PlacementLedger;
  readonly #unwatchPlacements: () => void;
  #state: SchedulingServiceState = 'running';
  #stopping: Promise<void> | undefined;

  private constructor(parts: {
    broker: EvaluationBroker;
    workers: Worker[];
    watcher: EvaluationWatcher;
    nodes: NodeCache;
    status: EvaluationStatusRecorder;
    placements: PlacementLedger;
    unwatchPlacements: () => void;
  }) {
    this.broker = parts.broker;
    this.workers = Object.freeze(parts.workers);
    this.#watcher = parts.watcher;
    this.#nodes = parts.nodes;
    this.#status = parts.status;
    this.placements = parts.placements;
    this.#unwatchPlacements = parts.unwatchPlacements;
  }

  /**
   * Starts everything (see the file comment).
   *
   * @throws BacalhauError (ValidationError) for bad options; the store's error when it cannot be read
   *   (nothing keeps running then)
   */
  static async create(options: SchedulingServiceOptions): Promise<SchedulingService> {
    const { store } = options;
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? stderrLogger;
    const workerCount = compileWorkerCount(options.workerCount);
    // what was placed since each node's last capacity report counts as taken (placement-ledger.ts)
    const placements = new PlacementLedger({ clock });
    const schedulerOptions = options.schedulerOptions ?? {};
    const schedulers =
      options.schedulers ??
      createSchedulerRegistry({
        ...schedulerOptions,
        selector: placements.selector(schedulerOptions.selector ?? defaultNodeSelector()),
      });
    const planner = placements.planner(
      options.planner ?? new ChainedPlanner(new StateUpdater(store), new LoggingPlanner(logger)),
    );
    const status = evaluationStatusRecorder(store, logger);
    const broker = await EvaluationBroker.create({
      ...options.brokerOptions,
      clock,
      onDeadLetter: status.onDeadLetter,
      onCancelable: status.onCancelable,
    });

    let nodes: NodeCache | undefined;
    let watcher: EvaluationWatcher | undefined;
    try {
      nodes = await NodeCache.create(store);
      watcher = await EvaluationWatcher.create({ store, broker, logger });
    } catch (err) {
      await watcher?.stop();
      nodes?.close();
      await broker.stop();
      throw err;
    }

    const deps: WorkerDependencies = {
      store,
      broker,
      schedulers,
      planner,
      nodes,
      clock,
      logger,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.onOutcome === undefined ? {} : { onOutcome: options.onOutcome }),
    };
    const workers: Worker[] = [];
    for (let i = 1; i <= workerCount; i++) workers.push(await Worker.create(deps, { name: `worker-${i}` }));

    const unwatchPlacements = store.onChange(placements.onChange);
    const service = new SchedulingService({
      broker,
      workers,
      watcher,
      nodes,
      status,
      placements,
      unwatchPlacements,
    });
    const { signal } = options;
    if (signal !== undefined) {
      if (signal.aborted) void service.stop();
      else signal.addEventListener('abort', () => void service.stop(), { once: true });
    }
    logger.debug('Scheduling service started', { Workers: workerCount, Restored: watcher.rebuilt });
    return service;
  }

  get state(): SchedulingServiceState {
    return this.#state;
  }

  /** The nodes the schedulers currently see. */
  get nodes(): NodeCache {
    return this.#nodes;
  }

  /** Stops the watcher, the workers (after the evaluations in hand), the broker. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#state = 'stopping';
      await this.#watcher.stop();
      await Promise.all(this.workers.map((w) => w.stop()));
      this.#unwatchPlacements();
      await this.broker.stop();
      this.#nodes.close();
      await this.#status.settled();
      this.#state = 'stopped';
    })();
    return this.#stopping;
  }
}
