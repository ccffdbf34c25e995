/**
 * The orchestrator's options: the config tree (plus the few things a config cannot say: transport,
 * clock, IDs) in, compiled and frozen options out (design example 7). Every Go duration string of the
 * config is parsed here, once, with Go's parser; every problem is reported at once, naming its key.
 */
import { join } from 'node:path';
import type { BacalhauConfig } from '../config/index.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { ConfigReader } from './config-values.js';
import { isBlank } from '../models/validate.js';
import type { Logger } from '../orchestrator/planner/index.js';
import { stderrLogger } from '../orchestrator/planner/index.js';
import type { NodeSelector } from '../orchestrator/selection/index.js';
import type { RetryStrategy } from '../orchestrator/scheduler/index.js';
import type { EvaluationOutcome } from '../orchestrator/worker/index.js';
import type { OrchestratorTransport } from '../transport/types.js';

export const OrchestratorComponent = 'Orchestrator';

/** Where the orchestrator keeps its state under `DataDir` unless `storePath` says otherwise. */
export const DefaultStoreFile = join('orchestrator', 'state.db');

/**
 * Bacalhau's hidden system tunables (`pkg/node/config.go` `SystemConfig`), for tests and benchmarks.
 * Every field defaults to Bacalhau's value.
 */
export interface OrchestratorTunables {
  /** Most executions one evaluation creates (20). */
  maxExecutionsPerEval?: number;
  /** Delay of the `exec-limit` evaluation that continues the work (100 ms). */
  executionLimitBackoffMs?: number;
  /** How long node-join / node-leave events are batched (15 s); 0 = on the next clock turn. */
  nodeReEvaluatorBatchDelayMs?: number;
  /** Nodes per re-evaluation batch (50). */
  nodeReEvaluatorMaxBatchSize?: number;
  /** How often buffered heartbeats are written (15 s, the compute heartbeat interval). */
  heartbeatPersistIntervalMs?: number;
  /** Node selection; default Bacalhau's ranker chain (with random jitter). */
  selector?: NodeSelector;
  /** Consulted before replacing failed executions; default: always retry. */
  retryStrategy?: RetryStrategy;
}

export interface OrchestratorOptions {
  /** The loaded config (`load()`); read: `DataDir`, `Labels`, `Orchestrator.*`, `JobDefaults`. */
  config: BacalhauConfig;
  /** How compute nodes are reached. The caller's: it is not stopped with the orchestrator. */
  transport: OrchestratorTransport;
  /** This orchestrator's node ID (`n-<uuid>` with the default name provider). */
  nodeID: string;
  /** Drives every timer and timestamp (store times, history, schedulers, timeouts). Default: wall clock. */
  clock?: Clock;
  /** The SQLite database; default `<DataDir>/orchestrator/state.db`; `:memory:` for a private one. */
  storePath?: string;
  /** `bacalhau.org/server.installation.id` written into submitted jobs; not written when empty. */
  installationID?: string;
  /** `bacalhau.org/server.instance.id` written into submitted jobs; not written when empty. */
  instanceID?: string;
  /** Default: warnings and errors to stderr. */
  logger?: Logger;
  /** Failures no caller receives (background work of any component). Default: `logger.error`. */
  onError?: (error: unknown, component: string) => void;
  /** Every evaluation a worker acked or nacked (metrics, tests). Must not throw. */
  onEvaluationOutcome?: (outcome: EvaluationOutcome) => void;
  tunables?: OrchestratorTunables;
  /** Aborting stops the orchestrator, as `stop()`. */
  signal?: AbortSignal;
}

export interface CompiledOrchestratorOptions {
  readonly config: BacalhauConfig;
  readonly transport: OrchestratorTransport;
  readonly nodeID: string;
  readonly clock: Clock;
  readonly storePath: string;
  readonly installationID: string;
  readonly instanceID: string;
  readonly logger: Logger;
  readonly onError: (error: unknown, component: string) => void;
  readonly onEvaluationOutcome: ((outcome: EvaluationOutcome) => void) | undefined;
  readonly tunables: Readonly<OrchestratorTunables>;
  readonly signal: AbortSignal | undefined;
  /** `Orchestrator.Scheduler.WorkerCount`. */
  readonly workerCount: number;
  /** `Orchestrator.Scheduler.QueueBackoff`. */
  readonly queueBackoffMs: number;
  /** `Orchestrator.Scheduler.HousekeepingInterval`. */
  readonly housekeepingIntervalMs: number;
  /** `Orchestrator.Scheduler.HousekeepingTimeout`: the buffer added to every timeout. */
  readonly housekeepingTimeoutMs: number;
  /** `Orchestrator.EvaluationBroker.VisibilityTimeout`. */
  readonly visibilityTimeoutMs: number;
  /** `Orchestrator.EvaluationBroker.MaxRetryCount`. */
  readonly maxRetryCount: number;
  /** `Orchestrator.NodeManager.DisconnectTimeout`. */
  readonly disconnectTimeoutMs: number;
  /** `Orchestrator.NodeManager.ManualApproval`. */
  readonly manualApproval: boolean;
}

/**
 * Applies defaults, parses the config's durations and checks everything.
 * @throws BacalhauError (ConfigurationError) listing every problem, each naming its config key
 */
export function compileOrchestratorOptions(options: OrchestratorOptions): CompiledOrchestratorOptions {
  const read = new ConfigReader();
  const { problems } = read;
  const { config } = options;
  const o = config.Orchestrator;
  const duration = read.duration.bind(read);
  const integer = read.integer.bind(read);

  if (typeof options.nodeID !== 'string' || isBlank(options.nodeID)) problems.push('node ID is required');
  if ((options.transport as OrchestratorTransport | undefined) === undefined) {
    problems.push('transport is required');
  }
  const storePath = options.storePath ?? join(config.DataDir, DefaultStoreFile);
  if (options.storePath === undefined && isBlank(config.DataDir)) {
    problems.push('DataDir is required when no store path is given');
  }

  const compiled: CompiledOrchestratorOptions = {
    config,
    transport: options.transport,
    nodeID: options.nodeID,
    clock: options.clock ?? systemClock,
    storePath,
    installationID: options.installationID ?? '',
    instanceID: options.instanceID ?? '',
    logger: options.logger ?? stderrLogger,
    onError: options.onError ?? defaultOnError(options.logger ?? stderrLogger),
    onEvaluationOutcome: options.onEvaluationOutcome,
    tunables: Object.freeze({ ...options.tunables }),
    signal: options.signal,
    workerCount: integer('Orchestrator.Scheduler.WorkerCount', o.Scheduler.WorkerCount, 1),
    // 0 would look at a queued job again at once, and again, spinning the orchestrator (Go takes it)
    queueBackoffMs: duration('Orchestrator.Scheduler.QueueBackoff', o.Scheduler.QueueBackoff, 'positive'),
    housekeepingIntervalMs: duration(
      'Orchestrator.Scheduler.HousekeepingInterval',
      o.Scheduler.HousekeepingInterval,
      'positive',
    ),
    housekeepingTimeoutMs: duration(
      'Orchestrator.Scheduler.HousekeepingTimeout',
      o.Scheduler.HousekeepingTimeout,
      'non-negative',
    ),
    visibilityTimeoutMs: duration(
      'Orchestrator.EvaluationBroker.VisibilityTimeout',
      o.EvaluationBroker.VisibilityTimeout,
      'positive',
    ),
    maxRetryCount: integer(
      'Orchestrator.EvaluationBroker.MaxRetryCount',
      o.EvaluationBroker.MaxRetryCount,
      1,
    ),
    disconnectTimeoutMs: duration(
      'Orchestrator.NodeManager.DisconnectTimeout',
      o.NodeManager.DisconnectTimeout,
      'positive',
    ),
    manualApproval: o.NodeManager.ManualApproval,
  };
  read.throwIfInvalid('orchestrator', OrchestratorComponent);
  return Object.freeze(compiled);
}

function defaultOnError(logger: Logger): (error: unknown, component: string) => void {
  return (error, component) => logger.error(`${component}: background failure`, { error });
}
