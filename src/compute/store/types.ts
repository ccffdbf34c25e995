/**
 * The compute node's execution store (Bacalhau `pkg/compute/store`): what this node knows about the
 * executions it was asked about, on disk, so that a restarted node finds them again.
 *
 * Contract:
 * - Methods are synchronous: the store is a local file and every write is one transaction, so a check
 *   and the write it guards can never interleave with another write.
 * - Writes commit the execution, its events and the message for the orchestrator (the outbox) together;
 *   listeners run after the commit, in write order.
 * - An execution in a terminal compute state never changes again (`ExecutionAlreadyTerminal`).
 */
import type { Event, Execution, ExecutionStateType } from '../../models/index.js';
import type { ComputeMessage, Outgoing } from '../../transport/messages.js';

export interface UpdateExecutionCondition {
  /** The current state must be one of these. */
  expectedStates?: readonly ExecutionStateType[];
  /** The current revision must be this one (0 or absent: any). */
  expectedRevision?: number;
  /** The current state must not be one of these. */
  unexpectedStates?: readonly ExecutionStateType[];
}

export interface UpdateExecutionRequest {
  executionID: string;
  condition?: UpdateExecutionCondition;
  /** Fields to change; every field left out keeps its value (Go merges with `mergo`). */
  newValues: Partial<Execution>;
  /** Events explaining the change: kept in the execution's history and sent with its message. */
  events?: readonly Event[];
}

/** One committed write, as listeners see it. */
export interface ExecutionUpsert {
  readonly current: Execution;
  /** Absent for a creation. */
  readonly previous?: Execution;
  readonly events: readonly Event[];
}

/** A message for the orchestrator that a write committed, waiting to be handed to the transport. */
export interface OutboxEntry {
  readonly seq: number;
  readonly message: Outgoing<ComputeMessage>;
}

/** Decides which message (if any) a committed write owes the orchestrator. */
export type OutboxPolicy = (upsert: ExecutionUpsert) => Outgoing<ComputeMessage> | undefined;

export interface ExecutionStore {
  /** @throws ExecutionNotFound */
  get(executionID: string): Execution;
  find(executionID: string): Execution | undefined;
  /** Executions a compute process may still be working on: BidAccepted, Running, Publishing. */
  liveExecutions(): Execution[];
  /** Every execution in one of `states`, oldest first. */
  byState(states: readonly ExecutionStateType[]): Execution[];
  /** The events recorded for an execution, oldest first. */
  events(executionID: string): Event[];
  /** How many executions are in `state`, counting those forgotten in it. */
  count(state: ExecutionStateType): number;
  /**
   * Up to `limit` executions that reached a terminal state before `cutoffMs` (ms since the epoch),
   * oldest first, leaving out those a message not yet acknowledged is about.
   */
  endedBefore(cutoffMs: number, limit: number): string[];

  /**
   * Records a new execution (revision 1, create and modify times set now).
   * @throws ExecutionAlreadyExists, or a validation error for an execution without ID, job or state.
   */
  create(execution: Execution, events?: readonly Event[]): Execution;
  /**
   * Changes an execution under a condition; returns the stored result.
   * @throws ExecutionNotFound, InvalidExecutionState, InvalidExecutionRevision, ExecutionAlreadyTerminal
   */
  update(request: UpdateExecutionRequest): Execution;
  /**
   * Forgets executions, their job specs and events, in one transaction; returns how many it forgot.
   * Skips those not in a terminal state and those a message not yet acknowledged is about.
   */
  forget(executionIDs: readonly string[]): number;

  /** Messages committed but not yet acknowledged with {@link ackOutbox}, in commit order. */
  pendingOutbox(): OutboxEntry[];
  /** The orchestrator processed the entries up to and including `seq`: they need not be sent again. */
  ackOutbox(seq: number): void;

  /** Called after every committed create or update, in commit order. */
  onUpsert(listener: (upsert: ExecutionUpsert) => void): () => void;

  close(): void;
}
