/**
 * An orchestrator cluster in one process, for tests: a real {@link Orchestrator} (SQLite store, in
 * memory or in a file), the in-memory transport, and scriptable fake compute nodes, all on one clock
 * (a ManualClock by default, or the wall clock). Not for production: fake nodes run nothing.
 *
 * ```ts
 * await withTestCluster({ nodes: 3 }, async (cluster) => {
 *   const { JobID } = await cluster.submit(batchJob({ Count: 3 }));
 *   await cluster.waitForJobState(JobID, 'Completed');
 * });
 * ```
 *
 * Waiting never polls: `waitFor` re-checks its probe after each committed store change (and after
 * `advance` steps), with a wall-clock limit that only turns a hang into a readable failure. Everything
 * is stopped at the end, also when the test fails.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '../config/index.js';
import { ManualClock, settle, systemClock, type Clock } from '../lib/clock.js';
import type { Job, JobStateType } from '../models/index.js';
import type { SubmitJobRequest, SubmitJobResponse } from '../orchestrator/endpoint/index.js';
import type { Logger } from '../orchestrator/planner/index.js';
import { RecordingLogger } from '../orchestrator/planner/testing.js';
import type { EvaluationOutcome } from '../orchestrator/worker/index.js';
import { InMemoryTransportHub, type CopyMode } from '../transport/in-memory/index.js';
import { FakeComputeNode, type FakeComputeNodeOptions } from '../transport/testing/index.js';
import { Orchestrator } from './orchestrator.js';
import type { OrchestratorOptions, OrchestratorTunables } from './options.js';

export const TestOrchestratorID = 'n-00000000-0000-4000-8000-00000000000a';

/** The compute heartbeat interval (`Compute.Heartbeat.Interval`), used by fake nodes on a ManualClock. */
export const TestHeartbeatIntervalMs = 5_000;

export type TestNodeOptions = Omit<FakeComputeNodeOptions, 'transport' | 'clock'>;

export interface TestClusterOptions {
  /** Fake compute nodes started with the cluster: a count (`n-1`, `n-2`, …) or their IDs. Default none. */
  nodes?: number | readonly string[];
  /** Options of every fake node; heartbeats default to every 15 s on a ManualClock. */
  nodeOptions?: TestNodeOptions;
  /** `manual` (default): a ManualClock at 2024-01-01; `system`: the wall clock; or a clock of your own. */
  clock?: 'manual' | 'system' | ManualClock;
  /** `key=value` config overrides, as `-c` takes them, e.g. `Orchestrator.NodeManager.DisconnectTimeout=30s`. */
  config?: readonly string[];
  /** The database; default `:memory:`. A file path allows `restart()`. */
  storePath?: string;
  nodeID?: string;
  tunables?: OrchestratorTunables;
  /** Default: a RecordingLogger (`cluster.logger`). */
  logger?: Logger;
  /**
   * How messages cross the in-memory hub. Default `wire` (Bacalhau's JSON both ways, as over NATS, so
   * tests catch what the wire form loses); benchmarks use `none`, as the embedded mode does.
   */
  transportCopy?: CopyMode;
  /**
   * Keep every evaluation outcome in `outcomes`. Default true; benchmarks with many jobs turn it off,
   * as every outcome holds its plan (jobs, executions, events) for good.
   */
  recordOutcomes?: boolean;
}

export interface ComponentError {
  readonly component: string;
  readonly error: unknown;
}

const terminalJobStates: readonly JobStateType[] = ['Completed', 'Failed', 'Stopped'];

/** A batch job spec as a client would submit it (docker engine, one task), with `overrides` on top. */
export function jobSpec(type = 'batch', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Type: type,
    ...(type === 'batch' || type === 'service' ? { Count: 1 } : {}),
    Tasks: [
      {
        Name: 'main',
        Engine: { Type: 'docker', Params: { Image: 'busybox:1.37.0', Entrypoint: ['echo', 'hello'] } },
        Publisher: { Type: 'noop' },
      },
    ],
    ...overrides,
  };
}

/** A task with timeouts (seconds), for `jobSpec(type, { Tasks: [taskWith({...})] })`. */
export function taskWith(overrides: Record<string, unknown>): Record<string, unknown> {
  const base = (jobSpec().Tasks as Record<string, unknown>[])[0] ?? {};
  return { ...base, ...overrides };
}

export class TestCluster {
  readonly clock: Clock;
  /** The ManualClock, unless the cluster runs on the wall clock. */
  readonly manualClock: ManualClock | undefined;
  readonly hub: InMemoryTransportHub;
  readonly logger: Logger;
  /** Every failure reported by a component (`onError`) or a transport handler. */
  readonly errors: ComponentError[];
  /** Every evaluation the workers acked or nacked, across restarts (unless `recordOutcomes` is false). */
  readonly outcomes: EvaluationOutcome[];
  readonly #nodes = new Map<string, FakeComputeNode>();
  readonly #options: TestClusterOptions;
  readonly #orchestratorOptions: OrchestratorOptions;
  #orchestrator: Orchestrator;
  #stopped: Promise<void> | undefined;

  private constructor(
    options: TestClusterOptions,
    parts: {
      clock: Clock;
      hub: InMemoryTransportHub;
      logger: Logger;
      orchestrator: Orchestrator;
      orchestratorOptions: OrchestratorOptions;
      errors: ComponentError[];
      outcomes: EvaluationOutcome[];
    },
  ) {
    this.errors = parts.errors;
    this.outcomes = parts.outcomes;
    this.#options = options;
    this.clock = parts.clock;
    this.manualClock = parts.clock instanceof ManualClock ? parts.clock : undefined;
    this.hub = parts.hub;
    this.logger = parts.logger;
    this.#orchestrator = parts.orchestrator;
    this.#orchestratorOptions = parts.orchestratorOptions;
  }

  /** Starts the hub, the orchestrator and the initial nodes. Stops what started if a step fails. */
  static async create(options: TestClusterOptions = {}): Promise<TestCluster> {
    const clock =
      options.clock === 'system'
        ? systemClock
        : options.clock instanceof ManualClock
          ? options.clock
          : new ManualClock();
    const errors: ComponentError[] = [];
    const outcomes: EvaluationOutcome[] = [];
    const logger = options.logger ?? new RecordingLogger((level) => level !== 'trace' && level !== 'debug');
    const hub = await InMemoryTransportHub.create({
      copy: options.transportCopy ?? 'wire',
      onHandlerError: (error, context) => errors.push({ component: `transport:${context.side}`, error }),
    });
    const config = load({
      env: {},
      home: tmpdir(),
      numCpu: 2,
      dataDir: join(tmpdir(), `bacalhau-ts-test-${randomUUID()}`),
      config: options.config ?? [],
    });
    const orchestratorOptions: OrchestratorOptions = {
      config,
      transport: hub.orchestrator,
      nodeID: options.nodeID ?? TestOrchestratorID,
      clock,
      storePath: options.storePath ?? ':memory:',
      logger,
      onError: (error, component) => errors.push({ component, error }),
      ...(options.recordOutcomes === false
        ? {}
        : { onEvaluationOutcome: (outcome: EvaluationOutcome) => outcomes.push(outcome) }),
      ...(options.tunables === undefined ? {} : { tunables: options.tunables }),
    };
    let orchestrator: Orchestrator | undefined;
    try {
      orchestrator = await Orchestrator.create(orchestratorOptions);
      const cluster = new TestCluster(options, {
        clock,
        hub,
        logger,
        orchestrator,
        orchestratorOptions,
        errors,
        outcomes,
      });
      try {
        const ids =
          typeof options.nodes === 'number'
            ? Array.from({ length: options.nodes }, (_, i) => `n-${i + 1}`)
            : (options.nodes ?? []);
        for (const id of ids) await cluster.addNode(id);
      } catch (err) {
        await cluster.stop();
        throw err;
      }
      return cluster;
    } catch (err) {
      await orchestrator?.stop();
      await hub.stop();
      throw err;
    }
  }

  /** The orchestrator now running (a new one after `restart`). */
  get orchestrator(): Orchestrator {
    return this.#orchestrator;
  }

  get nodes(): ReadonlyMap<string, FakeComputeNode> {
    return this.#nodes;
  }

  node(id: string): FakeComputeNode {
    const node = this.#nodes.get(id);
    if (node === undefined) throw new Error(`no fake compute node ${id}`);
    return node;
  }

  /** A fake compute node on this hub and clock, connected unless `connect: false`. */
  async addNode(id: string, options: TestNodeOptions = {}): Promise<FakeComputeNode> {
    if (this.#nodes.has(id)) throw new Error(`fake compute node ${id} exists already`);
    const transport = await this.hub.createComputeTransport({
      nodeId: id,
      startTime: new Date(this.clock.now()),
    });
    const heartbeat = this.manualClock === undefined ? {} : { heartbeatIntervalMs: TestHeartbeatIntervalMs };
    const node = await FakeComputeNode.create({
      ...heartbeat,
      ...this.#options.nodeOptions,
      ...options,
      transport,
      clock: this.clock,
    });
    this.#nodes.set(id, node);
    return node;
  }

  /** A new process of a node that stopped (`stop()`, its shutdown notice sent): it connects again. */
  async startNodeAgain(id: string, options: TestNodeOptions = {}): Promise<FakeComputeNode> {
    if (this.node(id).state !== 'stopped') throw new Error(`fake compute node ${id} has not stopped`);
    this.#nodes.delete(id);
    return this.addNode(id, options);
  }

  /** Submits a job spec (plain data, as an API body's `Job`) through the job endpoint. */
  submit(job: unknown, request: Omit<SubmitJobRequest, 'job'> = {}): Promise<SubmitJobResponse> {
    return this.#orchestrator.endpoint.submitJob({ ...request, job });
  }

  /**
   * Moves the ManualClock forward in steps of at most `stepMs`, letting the asynchronous work each step
   * starts (store transactions, transport deliveries, scheduler runs) finish before the next one.
   */
  async advance(ms: number, stepMs = 1_000): Promise<void> {
    const clock = this.manualClock;
    if (clock === undefined) throw new Error('advance needs a ManualClock');
    for (let remaining = ms; remaining > 0; remaining -= stepMs) {
      await clock.advanceAsync(Math.min(stepMs, remaining));
      await this.settle();
    }
  }

  /** A few turns of the event loop: lets in-flight messages and transactions finish. */
  settle(turns = 10): Promise<void> {
    return settle(turns);
  }

  /**
   * Resolves with the first defined value `probe` returns, checking now and after every committed store
   * change. Rejects after `timeoutMs` of wall-clock time (a hang, not a slow test) with `description`
   * and the last value seen by `describe`. Listens to the orchestrator running when called: do not
   * `restart` while waiting.
   */
  waitFor<T>(
    probe: () => Promise<T | undefined>,
    description: string,
    options: { timeoutMs?: number; describe?: () => Promise<unknown> } = {},
  ): Promise<T> {
    const store = this.#orchestrator.components.store;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      let running = false;
      let again = false;
      const finish = (): void => {
        done = true;
        clearTimeout(timer);
        unsubscribe();
      };
      const check = async (): Promise<void> => {
        if (done) return;
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            const value = await probe();
            if (value !== undefined && !done) {
              finish();
              resolve(value);
              return;
            }
          } while (again && !done);
        } catch (err) {
          if (!done) {
            finish();
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        } finally {
          running = false;
        }
      };
      const unsubscribe = store.onChange(() => void check());
      const timer = setTimeout(() => {
        if (done) return;
        finish();
        void (async () => {
          const seen = options.describe === undefined ? undefined : await options.describe().catch(String);
          reject(
            new Error(
              `timed out waiting for ${description}` +
                (seen === undefined ? '' : `; last seen: ${JSON.stringify(seen, undefined, 1)}`),
            ),
          );
        })();
      }, options.timeoutMs ?? 10_000);
      void check();
    });
  }

  /** Resolves with the job once its state is `state` (or one of `states`). */
  waitForJobState(
    jobID: string,
    state: JobStateType | readonly JobStateType[],
    timeoutMs?: number,
  ): Promise<Job> {
    const states: readonly JobStateType[] = typeof state === 'string' ? [state] : state;
    const jobs = (): Orchestrator['jobs'] => this.#orchestrator.jobs;
    return this.waitFor(
      async () => {
        const job = await jobs().getJob(jobID);
        return states.includes(job.State.StateType) ? job : undefined;
      },
      `job ${jobID} to be ${states.join(' or ')}`,
      {
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        describe: async () => {
          const job = await jobs().getJob(jobID);
          const executions = await jobs().listExecutions({ jobID, allJobVersions: true });
          const history = await jobs().getJobHistory(jobID, { allJobVersions: true });
          return {
            state: job.State,
            executions: executions.map(
              (e) => `${e.ID} on ${e.NodeID}: ${e.DesiredState.StateType}/${e.ComputeState.StateType}`,
            ),
            history: history.items.map((h) => h.Event.Message),
          };
        },
      },
    );
  }

  /** Resolves with the job once it reaches a terminal state. */
  waitForTerminal(jobID: string, timeoutMs?: number): Promise<Job> {
    return this.waitForJobState(jobID, terminalJobStates, timeoutMs);
  }

  /**
   * Stops the orchestrator and starts a new one on the same database (a file store) and hub, as after
   * a process restart. The fake nodes stay: they notice on their next heartbeat and handshake again.
   */
  async restart(): Promise<Orchestrator> {
    if (this.#orchestratorOptions.storePath === ':memory:') {
      throw new Error('restart needs a file store (storePath)');
    }
    await this.#orchestrator.stop();
    this.#orchestrator = await Orchestrator.create(this.#orchestratorOptions);
    return this.#orchestrator;
  }

  /** Stops the nodes, the orchestrator and the hub. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      for (const node of this.#nodes.values()) await node.stop().catch(() => undefined);
      await this.#orchestrator.stop();
      await this.hub.stop();
    })();
    return this.#stopped;
  }
}

/** Runs `fn` with a started cluster and always stops it afterwards. */
export async function withTestCluster<T>(
  options: TestClusterOptions,
  fn: (cluster: TestCluster) => Promise<T>,
): Promise<T> {
  const cluster = await TestCluster.create(options);
  try {
    return await fn(cluster);
  } finally {
    await cluster.stop();
  }
}
