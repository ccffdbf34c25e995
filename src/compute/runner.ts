/**
 * Runs one accepted execution from inputs to published results (Go's compute `BaseExecutor.Run`):
 * prepare inputs → allocate ports → resolve env → Running → executor start and wait →
 * (Publishing → publish) → Completed, or Failed with the step's topic and the error as the first event.
 * The task's ExecutionTimeout covers everything up to the executor's result (deadline.ts); unlike Go's,
 * it does not cover publishing: the results exist by then, and cutting their upload would lose them.
 * A task past it is reported failed at once, as in Go, while the executor still stops it; unlike Go's,
 * the run (its capacity, ports and inputs) ends only once it has stopped.
 * A non-zero exit code is a result, not a failure; an `ErrorMsg` from the executor is. Inputs are
 * cleaned up and ports released whatever happens. The allocated ports are recorded with the Running
 * state (in the task's `Network.Ports`), so a re-run after a restart gets the same ones back. The
 * execution's folders stay for `retainOutputMs` (for `job logs`), then are removed; the folders a
 * previous process left are removed as long after they last changed ({@link removeLeftovers}).
 */
import {
  BacalhauError,
  ErrorCode,
  errorMessage,
  executionTimeoutSeconds,
  isLongRunningJob,
  NetworkType,
} from '../models/index.js';
import type { Event, Execution, Job, NetworkConfig, RunCommandResult, SpecConfig } from '../models/index.js';
import { backgroundLater } from '../lib/background-work.js';
import type { Clock, Timer } from '../lib/clock.js';
import { executionTimedOut, taskFailed } from '../executor/errors.js';
import type { Executor } from '../executor/types.js';
import { cleanupInputs, prepareInputs, type PreparedInput } from '../storage/prepare.js';
import type { StorageRegistry } from '../storage/registry.js';
import { ComputeEventTopic, eventFromError, newEvent } from '../transport/messages.js';
import type { EngineRegistry } from './engines.js';
import { Deadline } from './deadline.js';
import { allocatedResources } from './executor-buffer.js';
import { executionEnv, type EnvResolver } from './env.js';
import type { ExecutionPaths } from './paths.js';
import type { PortAllocator } from './ports/allocator.js';
import { BoundedMap } from '../lib/bounded-map.js';
import { InFlight } from '../lib/in-flight.js';
import { isDiskFull } from '../lib/error-chain.js';
import { withNodeLimitHint } from './node-limit-hint.js';
import { isPassingStoreFailure, storeRetryDelayMs } from '../store/transient-failure.js';
import { RemovalSchedule } from './removal-schedule.js';
import { isAlreadyTerminal } from './store/errors.js';
import type { ExecutionStore } from './store/types.js';
import { unpublishableEntries, unpublishedNote } from './unpublished-entries.js';
import { anySignal } from '../lib/any-signal.js';

export const CompletedMessage = 'Completed successfully';

/** Publishes an execution's results folder with the task's publisher (the composition root adapts the registry). */
export interface ResultPublisher {
  publish(execution: Execution, resultsDir: string, options: { signal: AbortSignal }): Promise<SpecConfig>;
}

export interface ExecutionRunnerOptions {
  store: ExecutionStore;
  engines: EngineRegistry;
  storages: StorageRegistry;
  publisher: ResultPublisher;
  paths: ExecutionPaths;
  env: EnvResolver;
  /** Host ports for the task's `Network.Ports` (see `ports/README.md`). */
  ports: Pick<PortAllocator, 'allocate' | 'reclaim' | 'release'>;
  clock: Clock;
  /** How long an execution's folders (its log) stay after it ended; Go: 1 hour. */
  retainOutputMs: number;
  /** Failures that have nowhere else to go (cleanup, a store write that lost a race oddly). */
  onError: (error: unknown) => void;
  /**
   * What a task's Default network becomes (Go's `DefaultNetworkType`): None on a node that rejects
   * networked jobs, which bids on Default tasks only because they get no network there; otherwise
   * Default, left for each executor to resolve.
   */
  defaultNetwork?: typeof NetworkType.None | typeof NetworkType.Default;
}

export class ExecutionRunner {
  readonly #o: ExecutionRunnerOptions;
  readonly #removals: RemovalSchedule;
  /** Failures waiting to be written again (see #recordFailure). */
  readonly #retries = new Set<Timer>();
  /** Removals of ended runs' inputs under way (see #removeInputsLater). */
  readonly #inputRemovals = new InFlight();
  /** Executions whose folders went as soon as they failed, for a full disk (see #freeSpace). */
  readonly #removedEarly = new BoundedMap<string, true>(1024);
  #stopped = false;

  constructor(options: ExecutionRunnerOptions) {
    this.#o = options;
    this.#removals = new RemovalSchedule(options.clock, (executionID) => {
      options.paths.remove(executionID).catch(options.onError);
    });
  }

  /** Where the execution's log file is, while its folders are kept. */
  logFile(executionID: string): string {
    return this.#o.paths.logFile(executionID);
  }

  /**
   * Whether the log of an ended execution, not found, was removed with its folders rather than never
   * written. Its folders are made before anything else the run does and kept `retainOutputMs` after
   * it ends: still there, or ended more recently than that and not there, it never started its task
   * (it failed or was cancelled before: bidding, inputs, or the executor refusing it).
   */
  async logRemoved(execution: Execution): Promise<boolean> {
    if (this.#removedEarly.get(execution.ID) === true) return true;
    if (await this.#o.paths.hasFolders(execution.ID)) return false;
    const endedMs = execution.ModifyTime / 1e6;
    return this.#o.clock.now() - endedMs >= this.#o.retainOutputMs;
  }

  /** Runs `execution` to a terminal state; `signal` aborts it (cancel, node stop). Never rejects. */
  async run(execution: Execution, signal: AbortSignal): Promise<void> {
    let topic: string = ComputeEventTopic.ExecutionRunning;
    const cleanups: (() => Promise<unknown>)[] = [];
    let prepared: PreparedInput[] = [];
    /** A timed-out task's stop, which the run's end waits for (its failure is recorded before). */
    let stopping: Promise<void> | undefined;
    /** Events worth passing on with the outcome (what publishing said). */
    const notes: Event[] = [];
    /**
     * Which network a Default task got, worth telling the user. It travels with the outcome (no message
     * goes to the orchestrator before), stamped as it is sent: the job's history lists events in the
     * order they arrive, and one stamped at the start would show among other executions' later ones.
     */
    let networkNote: string | undefined;
    const outcomeNotes = (): Event[] =>
      networkNote === undefined
        ? notes
        : [newEvent(ComputeEventTopic.ExecutionRunning, networkNote, { now: this.#now() }), ...notes];
    try {
      const job = execution.Job;
      const task = job?.Tasks[0];
      if (job === undefined || task?.Engine === undefined)
        throw new BacalhauError('the execution has no job task', { code: ErrorCode.BadRequest });
      const longRunning = isLongRunningJob(job);
      const timeoutMs = longRunning ? 0 : executionTimeoutSeconds(task.Timeouts ?? {}) * 1000;
      const allocated = allocatedResources(execution);
      const deadline = timeoutMs > 0 ? new Deadline(this.#o.clock, timeoutMs) : undefined;
      if (deadline !== undefined) cleanups.push(() => Promise.resolve(deadline.cancel()));
      // a step cut short by the deadline (not by a cancel) failed for the timeout, in Go's words
      const timedOutOr = (err: unknown): unknown =>
        deadline?.signal.aborted === true && !signal.aborted ? executionTimedOut(timeoutMs) : err;
      // what the steps before the task's own run wait on: a cancel, or the deadline
      const bounded = deadline === undefined ? signal : anySignal([signal, deadline.signal]);
      const executor = await this.#o.engines.get(task.Engine.Type);
      // Running already: a restarted node runs it again, maybe re-attaching to its container
      const rerun = execution.ComputeState.StateType === 'Running';
      const dirs = await this.#o.paths.prepare(execution.ID, { keepResults: rerun });
      topic = ComputeEventTopic.ExecutionDownloading;
      // fetched into the execution's folder: what a crash leaves of them goes with it (paths.ts)
      prepared = await prepareInputs(this.#o.storages, dirs.root, task.InputSources ?? [], {
        signal: bounded,
      }).catch((err: unknown) => {
        throw timedOutOr(err);
      });
      signal.throwIfAborted();
      topic = ComputeEventTopic.ExecutionPreparing;
      cleanups.push(() => Promise.resolve(this.#o.ports.release(execution.ID)));
      const given = task.Network ?? { Type: NetworkType.Default };
      const requested =
        given.Type === NetworkType.Default
          ? { ...given, Type: this.#o.defaultNetwork ?? NetworkType.Default }
          : given;
      // a re-run after a restart: its container may still hold the ports recorded for it
      const ports = await (rerun
        ? this.#o.ports.reclaim(execution.ID, requested)
        : this.#o.ports.allocate(execution.ID, requested));
      const network: NetworkConfig = ports.length === 0 ? requested : { ...requested, Ports: ports };
      const running = ports.length === 0 ? job : withNetwork(job, network);
      const env = executionEnv({ ...execution, Job: running }, this.#o.env);
      this.#o.store.update({
        executionID: execution.ID,
        // Running too: a restarted node re-runs its long-running executions.
        condition: { expectedStates: ['BidAccepted', 'Running'] },
        newValues: {
          ComputeState: { StateType: 'Running', Message: '' },
          ...(ports.length === 0 ? {} : { Job: running }),
          // the GPUs the queue gave it (executor-buffer.ts): a restarted node re-running it books
          // the ones its container holds
          ...((allocated.GPUs?.length ?? 0) > 0 && {
            AllocatedResources: execution.AllocatedResources,
          }),
        },
      });
      topic = ComputeEventTopic.ExecutionRunning;
      if (network.Type === 'Default' && resolvesNetwork(executor)) {
        const resolution = await executor
          .resolveNetwork(network, { signal: bounded })
          .catch((err: unknown) => {
            throw timedOutOr(err);
          });
        networkNote = resolution.description;
      }
      // what the downloads left of the timeout bounds the task (the executor counts from its start)
      const remainingMs = deadline?.remainingMs();
      if (remainingMs !== undefined && remainingMs <= 0) throw executionTimedOut(timeoutMs);
      const timedOut = (stop: Promise<void>): void => {
        stopping = stop.catch(this.#o.onError);
      };
      const result = await this.#execute(executor, signal, bounded, timedOut, {
        jobID: execution.JobID,
        executionID: execution.ID,
        engine: task.Engine,
        inputs: prepared.map(({ volume }) => volume),
        outputs: task.ResultPaths ?? [],
        resultsDir: dirs.results,
        logsDir: dirs.logs,
        // the execution's own folder: what the executor leaves there goes with the inputs (paths.ts)
        scratchDir: dirs.root,
        resources: allocated,
        network,
        env,
        longRunning,
        ...(remainingMs === undefined ? {} : { timeoutMs: remainingMs }),
      }).catch((err: unknown) => {
        // the executor names the time it was given: the task's timeout is what the user set
        throw isTimeOut(err) ? executionTimedOut(timeoutMs) : timedOutOr(err);
      });
      if (result === undefined) return; // cancelled, or the node is stopping
      if (result.ErrorMsg !== '') throw taskFailed(result.ErrorMsg, allocated.Memory);
      const published = await this.#publish(
        execution,
        dirs.results,
        result,
        signal,
        (t) => (topic = t),
        notes,
      );
      this.#o.store.update({
        executionID: execution.ID,
        condition: { expectedStates: [published === undefined ? 'Running' : 'Publishing'] },
        newValues: {
          ComputeState: { StateType: 'Completed', Message: '' },
          RunOutput: result,
          ...(published === undefined ? {} : { PublishedResult: published }),
        },
        events: [
          ...outcomeNotes(),
          newEvent(ComputeEventTopic.Execution, CompletedMessage, { now: this.#now() }),
        ],
      });
      // Published, the results are the publisher's to keep: a copy here would take as much disk again
      // for the hour the folders stay (Go removes it at once too). The log stays for `job logs`.
      if (published !== undefined) await this.#o.paths.removeResults(execution.ID).catch(this.#o.onError);
    } catch (err) {
      // Aborted: cancelled (already recorded) or the node is stopping (a restart decides its fate).
      if (signal.aborted) return;
      if (isDiskFull(err)) notes.push(await this.#freeSpace(execution.ID, topic));
      this.#fail(execution, err, topic, outcomeNotes());
    } finally {
      await stopping;
      for (const cleanup of cleanups) await cleanup().catch(this.#o.onError);
      if (prepared.length > 0) this.#removeInputsLater(prepared);
      this.#scheduleRemoval(execution.ID);
    }
  }

  /**
   * Removes a run's inputs through the thread pool once its outcome is on its way
   * (lib/background-work.ts), without holding the run's end: that end frees the execution's capacity,
   * and the next execution queued for it would wait the delay too. stop() waits for these removals.
   */
  #removeInputsLater(prepared: readonly PreparedInput[]): void {
    this.#inputRemovals.add(
      backgroundLater()
        .then(() => cleanupInputs(this.#o.storages, prepared))
        .then((errors) => errors.forEach(this.#o.onError))
        .catch(this.#o.onError),
    );
  }

  /**
   * Starts (or re-attaches to) the execution and waits; undefined when it was cancelled. The start (an
   * image pull, say) stops at `startSignal`, the deadline included; the task's run is the executor's to
   * bound, with the time left. A wait that timed out is given to `timedOut` with the task's stop.
   */
  async #execute(
    executor: Executor,
    signal: AbortSignal,
    startSignal: AbortSignal,
    timedOut: (stop: Promise<void>) => void,
    request: Parameters<Executor['start']>[0],
  ): Promise<RunCommandResult | undefined> {
    try {
      await executor.start(request, { signal: startSignal });
    } catch (err) {
      // Already under way (a re-run after a restart found it): wait for it like a fresh start.
      if (!(err instanceof BacalhauError && err.code === ErrorCode.ExecutionAlreadyStarted)) throw err;
    }
    const onAbort = (): void => {
      executor.cancel(request.executionID).catch(this.#o.onError);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      return await executor.wait(request.executionID);
    } catch (err) {
      if (signal.aborted && isCancelled(err)) return undefined;
      // the executor tells of the timeout when it comes, still stopping the task; cancel waits for that
      if (isTimeOut(err)) timedOut(executor.cancel(request.executionID));
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Publishes when the task has a publisher; the published result, or undefined when it has none. What
   * the results leave out of its outputs (links and the like) becomes a note.
   */
  async #publish(
    execution: Execution,
    resultsDir: string,
    result: RunCommandResult,
    signal: AbortSignal,
    setTopic: (topic: string) => void,
    notes: Event[],
  ): Promise<SpecConfig | undefined> {
    const task = execution.Job?.Tasks[0];
    const publisher = task?.Publisher;
    if (publisher === undefined || publisher.Type === '') return undefined;
    setTopic(ComputeEventTopic.ExecutionPublishing);
    const outputs = (task?.ResultPaths ?? []).map((output) => output.Name);
    const leftOut = outputs.length === 0 ? [] : await unpublishableEntries(resultsDir, outputs);
    if (leftOut.length > 0) {
      const note = unpublishedNote(leftOut);
      notes.push(newEvent(ComputeEventTopic.ExecutionPublishing, note, { now: this.#now() }));
    }
    this.#o.store.update({
      executionID: execution.ID,
      condition: { expectedStates: ['Running'] },
      newValues: { ComputeState: { StateType: 'Publishing', Message: '' }, RunOutput: result },
    });
    return this.#o.publisher.publish(execution, resultsDir, { signal });
  }

  /**
   * Removes the folders of an execution that failed for a full disk at once rather than after
   * `retainOutputMs`: what it wrote is most often what filled the disk, and until there is room again
   * neither this failure nor any other execution's progress can be recorded. Returns the event that
   * says so.
   */
  async #freeSpace(executionID: string, topic: string): Promise<Event> {
    await this.#o.paths.remove(executionID).catch(this.#o.onError);
    this.#removedEarly.set(executionID, true);
    const message =
      "The disk is full: this execution's files (its logs, results and inputs) were removed to make room";
    return newEvent(topic, message, { now: this.#now() });
  }

  #fail(execution: Execution, err: unknown, topic: string, notes: readonly Event[]): void {
    const failure = withNodeLimitHint(err);
    this.#recordFailure({
      executionID: execution.ID,
      newValues: { ComputeState: { StateType: 'Failed', Message: errorMessage(failure) } },
      events: [eventFromError(topic, failure, this.#now()), ...notes],
    });
  }

  /**
   * Writes a failure, trying again while the database cannot write (a full disk, which may also be
   * what failed the execution): unwritten, it would never be reported, and the execution would stay
   * Running on both sides with its capacity given back. The first failure is reported; stop() ends the
   * attempts (a restarted node fails what it finds unfinished).
   */
  #recordFailure(update: Parameters<ExecutionStore['update']>[0], attempt = 0): void {
    try {
      this.#o.store.update(update);
    } catch (updateError) {
      // Cancelled or finished meanwhile: its outcome is already recorded.
      if (isAlreadyTerminal(updateError)) return;
      if (attempt === 0) this.#o.onError(updateError);
      if (!isPassingStoreFailure(updateError) || this.#stopped) return;
      const timer = this.#o.clock.setTimer(storeRetryDelayMs(attempt), () => {
        this.#retries.delete(timer);
        this.#recordFailure(update, attempt + 1);
      });
      this.#retries.add(timer);
    }
  }

  /**
   * Cancels the pending folder removals (a restarted node sweeps what is left, see startup); settles
   * once the removals of ended runs' inputs are done. Never rejects.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#removals.stop();
    for (const timer of this.#retries) timer.cancel();
    this.#retries.clear();
    await this.#inputRemovals.settled();
  }

  /**
   * Schedules the removal of the folders a previous process left for executions that are not
   * `kept` (not running or queued here any more): `retainOutputMs` after each folder last changed,
   * so after a restart too an execution's log and results stay about as long as they would have.
   * The node runs this while it already takes work: `kept` is asked only after the listing, so an
   * execution started meanwhile is kept while live, and one that already ended gets a second removal
   * at the same time as its own, which finds nothing left to remove.
   * Resolves with the executions whose folders it found but the store has no record of (see
   * unknown-executions.ts).
   */
  async removeLeftovers(kept: (executionID: string) => boolean): Promise<string[]> {
    const existing = await this.#o.paths.existing();
    // the node may have stopped while the folders were listed: its removals are cancelled
    if (this.#stopped) return [];
    const now = this.#o.clock.now();
    const unknown: string[] = [];
    for (const { executionID, modifiedMs } of existing) {
      if (kept(executionID)) continue;
      this.#scheduleRemoval(executionID, modifiedMs + this.#o.retainOutputMs - now);
      if (this.#o.store.find(executionID) === undefined) unknown.push(executionID);
    }
    // An execution forgotten since the listing had its folders removed first (retention.ts): only
    // folders still there belong to executions the store never knew.
    const stillThere = await Promise.all(unknown.map((id) => this.#o.paths.hasFolders(id)));
    return unknown.filter((_, i) => stillThere[i]);
  }

  /** Removes the inputs of an execution that ended in a previous process (see ExecutionPaths). */
  removeInputs(executionID: string): Promise<void> {
    return this.#o.paths.removeInputs(executionID);
  }

  #scheduleRemoval(executionID: string, delayMs = this.#o.retainOutputMs): void {
    this.#removals.add(executionID, delayMs);
  }

  #now(): Date {
    return new Date(this.#o.clock.now());
  }
}

/** The job with its (only) task's network replaced: the ports as this node allocated them. */
function withNetwork(job: Job, network: NetworkConfig): Job {
  return { ...job, Tasks: job.Tasks.map((task, i) => (i === 0 ? { ...task, Network: network } : task)) };
}

/** An engine that decides what the `Default` network is (Docker: bridge when there is one). */
interface NetworkResolver {
  resolveNetwork(config: NetworkConfig, options: { signal?: AbortSignal }): Promise<{ description: string }>;
}

function resolvesNetwork(executor: Executor): executor is Executor & NetworkResolver {
  return typeof (executor as Partial<NetworkResolver>).resolveNetwork === 'function';
}

function isCancelled(err: unknown): boolean {
  return (
    err instanceof BacalhauError &&
    (err.code === ErrorCode.ExecutionAlreadyCancelled || err.code === ErrorCode.RequestCancelled)
  );
}

function isTimeOut(err: unknown): boolean {
  return err instanceof BacalhauError && err.code === ErrorCode.TimeOut;
}
