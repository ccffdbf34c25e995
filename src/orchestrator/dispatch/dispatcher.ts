/**
 * The orchestrator's data plane (Bacalhau's NCL dispatcher and message handler,
 * `pkg/orchestrator/watchers/ncl_message_creator.go`, `pkg/orchestrator/message_handler.go`):
 *
 * - **store → transport**: every committed execution change that calls for a message (transitions.ts)
 *   becomes `AskForBid`, `BidAccepted`, `BidRejected` or `CancelExecution` to the execution's node, in
 *   commit order. `AskForBid` carries the execution with the job spec of its version. Nothing is
 *   polled: the dispatcher listens to `store.onChange`.
 * - **transport → store**: `BidResult`, `RunResult` and `ComputeError` update their execution and
 *   create an `exec-update` evaluation in one transaction (handlers.ts), idempotently.
 *
 * A change written by the message handler is never echoed back to the node that reported it: the
 * node already knows its execution is done (or that it refused the bid), so the CancelExecution Go
 * sends after every RunResult / ComputeError / refused bid (its "any → Stopped" rule) is skipped. Changes
 * made by anyone else (the planner) are dispatched as usual.
 *
 * Delivery: the transport queues messages for absent nodes and replays them on reconnect. Change
 * events are not persisted, so a message whose change committed just before a crash may never be
 * sent; see the folder README for what reconciles that.
 */
import { sleep, systemClock, type Clock } from '../../lib/clock.js';
import { Deque } from '../../lib/deque.js';
import { InFlight } from '../../lib/in-flight.js';
import { BacalhauError, ErrorCode, errorMessage } from '../../models/index.js';
import { msToNanos, nanosToMs } from '../../models/go-time.js';
import { EventTopic } from '../events.js';
import { withOlderNetworkNames } from './network-compat.js';
import type { Event, Execution, Job } from '../../models/index.js';
import { isPassingStoreFailure, storeRetryDelayMs } from '../../store/transient-failure.js';
import type { JobStore, StoreChange } from '../../store/types.js';
import {
  askForBid,
  bidAccepted,
  bidRejected,
  cancelExecution,
  newEvent,
  type ComputeMessage,
  type OrchestratorMessage,
  type Outgoing,
} from '../../transport/messages.js';
import { handshakeRequiredError } from '../../transport/errors.js';
import type { OrchestratorTransport, Unsubscribe } from '../../transport/types.js';
import { applyComputeMessage, type HandleOutcome } from './handlers.js';
import {
  mayStillRunOnNode,
  messageTypeFor,
  messageTypeForState,
  type DispatchMessageType,
} from './transitions.js';

export const DispatcherComponent = 'Dispatcher';

/** Where a failure happened, for `onError`. */
export interface DispatchErrorContext {
  /** `outgoing`: store → node; `incoming`: node → store. */
  readonly direction: 'outgoing' | 'incoming';
  readonly nodeId: string;
  readonly executionId: string;
  readonly messageType: string;
}

export interface DispatcherOptions {
  store: JobStore;
  transport: OrchestratorTransport;
  /** Paces the retries of a compute message while the store cannot write (see #applyUntilStored). */
  clock?: Clock;
  /** Failures no caller receives (a message that could not be sent or applied). Default: console.error. */
  onError?: (error: unknown, context: DispatchErrorContext) => void;
}

export type DispatcherState = 'running' | 'stopped';

interface Pending {
  readonly nodeId: string;
  readonly type: DispatchMessageType;
  readonly execution: Execution;
  events: readonly Event[];
}

/** Job specs (per job version) kept for AskForBid. */
const JobCacheSize = 1024;

export class Dispatcher {
  readonly #store: JobStore;
  readonly #transport: OrchestratorTransport;
  readonly #clock: Clock;
  /** Aborted by stop(): ends the waits of messages for a store that cannot write. */
  readonly #stopping = new AbortController();
  readonly #onError: (error: unknown, context: DispatchErrorContext) => void;
  readonly #queue = new Deque<Pending>();
  readonly #jobs = new Map<string, Job>();
  /** Execution ID → revision written by the message handler, while its transaction commits. */
  readonly #ownWrites = new Map<string, number>();
  readonly #inflight = new InFlight();
  #unsubscribe: Unsubscribe[] = [];
  #pumping = false;
  #pump: Promise<void> = Promise.resolve();
  #state: DispatcherState = 'running';
  #stopped: Promise<void> | undefined;

  private constructor(options: DispatcherOptions) {
    this.#store = options.store;
    this.#transport = options.transport;
    this.#clock = options.clock ?? systemClock;
    this.#onError =
      options.onError ??
      ((error, context) =>
        console.error(
          `dispatcher: ${context.direction} ${context.messageType} for ${context.executionId} on ${context.nodeId} failed`,
          error,
        ));
  }

  /** Subscribes to the store's changes and the transport's compute messages. */
  static create(options: DispatcherOptions): Promise<Dispatcher> {
    const dispatcher = new Dispatcher(options);
    dispatcher.#unsubscribe = [
      options.store.onChange(dispatcher.#onChange),
      options.transport.onMessage(dispatcher.#onMessage),
    ];
    return Promise.resolve(dispatcher);
  }

  get state(): DispatcherState {
    return this.#state;
  }

  /**
   * Applies one compute message from `nodeId` (what the transport handler does). Resolves with what
   * happened: `applied` (execution updated, evaluation created) or `ignored` with the reason.
   * @throws ServiceUnavailable after stop(); the store's errors (a message from the transport is tried
   *   again while the store fails in a way that may pass: #applyUntilStored).
   */
  async handle(nodeId: string, message: ComputeMessage): Promise<HandleOutcome> {
    if (this.#state !== 'running') throw stoppedError();
    let written: Execution | undefined;
    try {
      return await this.#store.transaction(
        (tx) => {
          const result = applyComputeMessage(tx, nodeId, message);
          if (result.status === 'applied') {
            written = result.execution;
            this.#ownWrites.set(written.ID, written.Revision);
          }
          return result;
        },
        { background: true },
      );
    } finally {
      if (written !== undefined && this.#ownWrites.get(written.ID) === written.Revision) {
        this.#ownWrites.delete(written.ID);
      }
    }
  }

  /**
   * Re-sends, for every execution still in progress, the message its stored state calls for
   * (`messageTypeForState`): change events are not persisted, so what was committed but not yet
   * delivered when the previous orchestrator died is sent again. Call it once at start, after
   * `create`; messages for nodes not connected wait for their handshake. Resolves with how many were
   * queued.
   */
  async reconcile(): Promise<number> {
    const executions = await this.#store.read((tx) =>
      tx.listExecutions({ inProgressOnly: true, allJobVersions: true }),
    );
    let queued = 0;
    for (const execution of executions) {
      const type = messageTypeForState(execution);
      if (type === undefined) continue;
      this.#enqueue(type, execution, []);
      queued++;
    }
    this.#kick();
    return queued;
  }

  /**
   * Cancels again, on a node that connects, its executions stopped since `sinceMs` (epoch ms) that
   * it may still hold (`mayStillRunOnNode`): their CancelExecution may never have reached it (sent
   * while it was away, and lost with a previous orchestrator's in-memory outbox), and a node that
   * never hears it runs them on; a daemon or service, forever. The node ignores a cancel of an
   * execution it no longer holds. Resolves with how many were queued.
   */
  async cancelMissed(nodeId: string, sinceMs: number): Promise<number> {
    const executions = await this.#store.read((tx) =>
      tx.listExecutions({ nodeIDs: [nodeId], allJobVersions: true, modifiedSince: msToNanos(sinceMs) }),
    );
    const missed = executions.filter(mayStillRunOnNode);
    for (const execution of missed) {
      const message = execution.DesiredState.Message ?? '';
      const when = new Date(nanosToMs(execution.ModifyTime));
      const events = message === '' ? [] : [newEvent(EventTopic.Execution, message, { now: when })];
      this.#enqueue('CancelExecution', execution, events);
    }
    this.#kick();
    return missed.length;
  }

  /** Resolves once every message of the changes seen so far was handed to the transport. */
  async idle(): Promise<void> {
    while (this.#pumping) await this.#pump;
  }

  /**
   * Stops listening, then waits for compute messages being applied and for queued messages to be
   * handed to the transport. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#state = 'stopped';
      this.#stopping.abort();
      for (const unsubscribe of this.#unsubscribe) unsubscribe();
      await this.#inflight.settled();
      await this.idle();
    })();
    return this.#stopped;
  }

  // --- transport → store ------------------------------------------------------------------------------

  readonly #onMessage = (nodeId: string, message: ComputeMessage): Promise<void> => {
    const context: DispatchErrorContext = {
      direction: 'incoming',
      nodeId,
      executionId: message.payload.ExecutionID,
      messageType: message.type,
    };
    const run = this.#applyUntilStored(nodeId, message, context).catch((err: unknown) => {
      // Stopping (or stopped) before the message was stored: the transport leaves it unprocessed, and
      // the node sends it again to the orchestrator it reconnects to, rather than it being lost.
      if (this.#state !== 'running') throw handshakeRequiredError(nodeId);
      this.#onError(err, context);
    });
    // the transport hears of a refusal; the stop only waits
    this.#inflight.add(run.catch(() => undefined));
    return run;
  };

  /**
   * Applies a compute message, waiting out a store that cannot write (a full disk) for as long as it
   * lasts: the transport counts a settled message as processed and the node never sends it again, so a
   * result given up on would be lost, its execution Running for good. The node's stream waits
   * meanwhile, keeping its order. The first failure is reported; stop() ends the wait, leaving the
   * message to be sent again.
   */
  async #applyUntilStored(
    nodeId: string,
    message: ComputeMessage,
    context: DispatchErrorContext,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.handle(nodeId, message);
        return;
      } catch (err) {
        if (!isPassingStoreFailure(err) || this.#state !== 'running') throw err;
        if (attempt === 0) {
          const waiting = `cannot store ${message.type} of execution ${message.payload.ExecutionID} yet, trying again until the store can write: ${errorMessage(err)}`;
          this.#onError(
            new BacalhauError(waiting, {
              code: ErrorCode.DatastoreFailure,
              component: DispatcherComponent,
              cause: err,
            }),
            context,
          );
        }
        // Stopping ends the wait; the message is then left for the node to send again (see #onMessage).
        await sleep(this.#clock, storeRetryDelayMs(attempt), { signal: this.#stopping.signal });
      }
    }
  }

  // --- store → transport ------------------------------------------------------------------------------

  readonly #onChange = (changes: readonly StoreChange[]): void => {
    if (this.#state !== 'running') return;
    let created: Map<string, Pending> | undefined;
    for (const change of changes) {
      if (change.type === 'JobCreated' || change.type === 'JobUpdated') {
        this.#cacheJob(change.job);
      } else if (change.type === 'ExecutionCreated') {
        const type = messageTypeFor(change.execution);
        if (type === undefined) continue;
        const pending = this.#enqueue(type, change.execution, []);
        (created ??= new Map()).set(change.execution.ID, pending);
      } else if (change.type === 'ExecutionUpdated') {
        const { execution, previous } = change;
        if (this.#ownWrites.get(execution.ID) === execution.Revision) continue;
        const type = messageTypeFor(execution, previous);
        if (type !== undefined) this.#enqueue(type, execution, change.events);
      }
    }
    // A new execution's events are the history its transaction wrote for it ("Requested execution on …").
    if (created !== undefined) {
      for (const change of changes) {
        if (change.type !== 'HistoryAppended') continue;
        for (const entry of change.entries) {
          const pending = entry.ExecutionID === undefined ? undefined : created.get(entry.ExecutionID);
          if (pending !== undefined) pending.events = [...pending.events, entry.Event];
        }
      }
    }
    this.#kick();
  };

  #enqueue(type: DispatchMessageType, execution: Execution, events: readonly Event[]): Pending {
    const pending: Pending = { nodeId: execution.NodeID, type, execution, events };
    if (execution.NodeID !== '') this.#queue.push(pending);
    return pending;
  }

  #kick(): void {
    if (this.#pumping || this.#queue.length === 0) return;
    this.#pumping = true;
    this.#pump = this.#drain();
  }

  /** Sends queued messages one after the other, so each node's stream follows commit order. */
  async #drain(): Promise<void> {
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        try {
          await this.#transport.send(next.nodeId, await this.#message(next));
        } catch (err) {
          this.#onError(err, {
            direction: 'outgoing',
            nodeId: next.nodeId,
            executionId: next.execution.ID,
            messageType: next.type,
          });
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #message(pending: Pending): Promise<Outgoing<OrchestratorMessage>> {
    const { execution } = pending;
    const events = [...pending.events];
    switch (pending.type) {
      case 'AskForBid': {
        const job = await this.#job(execution.JobID, execution.JobVersion);
        return askForBid({ ...execution, Job: withOlderNetworkNames(job) }, events);
      }
      case 'BidAccepted':
        return bidAccepted(execution.ID, events);
      case 'BidRejected':
        return bidRejected(execution.ID, events);
      case 'CancelExecution':
        return cancelExecution(execution.ID, events);
    }
  }

  async #job(jobID: string, version: number): Promise<Job> {
    const key = jobKey(jobID, version);
    const cached = this.#jobs.get(key);
    if (cached !== undefined) return cached;
    const job = await this.#store.getJobVersion(jobID, version);
    this.#cacheJob(job);
    return job;
  }

  /** A version's spec never changes, so it can be kept; the oldest entry makes room. */
  #cacheJob(job: Job): void {
    const key = jobKey(job.ID, job.Version);
    this.#jobs.delete(key);
    this.#jobs.set(key, job);
    if (this.#jobs.size > JobCacheSize) {
      const oldest = this.#jobs.keys().next();
      if (oldest.done !== true) this.#jobs.delete(oldest.value);
    }
  }
}

function jobKey(jobID: string, version: number): string {
  return `${jobID}\u0000${version}`;
}

function stoppedError(): BacalhauError {
  return new BacalhauError('dispatcher stopped', {
    code: ErrorCode.ServiceUnavailable,
    component: DispatcherComponent,
    retryable: true,
  });
}
