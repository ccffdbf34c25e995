/**
 * Helpers over lists of executions (Go's `execSet` in `scheduler/types.go`). Lists keep a deterministic
 * order (the caller's, or oldest `ModifyTime` first where the order matters), where Go iterates maps.
 */
import {
  appendApprovedExecution,
  appendStoppedExecution,
  isDiscardedExecutionState,
  isExecutingExecutionState,
  isTerminalExecution,
  type Event,
  type Execution,
  type ExecutionDesiredStateType,
  type ExecutionStateType,
  type Plan,
} from '../../models/index.js';

export type Executions = readonly Execution[];

export function isDiscardedExecution(execution: Execution): boolean {
  return isDiscardedExecutionState(execution.ComputeState.StateType);
}

export const nonTerminal = (set: Executions): Execution[] => set.filter((e) => !isTerminalExecution(e));

export const inState = (set: Executions, state: ExecutionStateType): Execution[] =>
  set.filter((e) => e.ComputeState.StateType === state);

export const inDesiredState = (set: Executions, state: ExecutionDesiredStateType): Execution[] =>
  set.filter((e) => e.DesiredState.StateType === state);

export const ofVersion = (set: Executions, version: number): Execution[] =>
  set.filter((e) => e.JobVersion === version);

export const notOfVersion = (set: Executions, version: number): Execution[] =>
  set.filter((e) => e.JobVersion !== version);

/** Splits by a predicate: [matching, the rest], each in the list's order. */
export function split(set: Executions, predicate: (e: Execution) => boolean): [Execution[], Execution[]] {
  const yes: Execution[] = [];
  const no: Execution[] = [];
  for (const execution of set) (predicate(execution) ? yes : no).push(execution);
  return [yes, no];
}

/** Both lists, each execution once (by ID); `b`'s copy wins, positions follow first appearance. */
export function union(a: Executions, b: Executions): Execution[] {
  const byID = new Map<string, Execution>();
  for (const execution of a) byID.set(execution.ID, execution);
  for (const execution of b) byID.set(execution.ID, execution);
  return [...byID.values()];
}

export function difference(a: Executions, b: Executions): Execution[] {
  const drop = new Set(b.map((e) => e.ID));
  return a.filter((e) => !drop.has(e.ID));
}

/** Oldest `ModifyTime` first; equal times keep the list's order. */
export function ordered(set: Executions): Execution[] {
  return [...set].sort((a, b) => a.ModifyTime - b.ModifyTime);
}

/** The `count` oldest executions, and the others (Go `splitByCount`). */
export function splitByCount(set: Executions, count: number): [Execution[], Execution[]] {
  const sorted = ordered(set);
  return [sorted.slice(0, Math.max(0, count)), sorted.slice(Math.max(0, count))];
}

/** Executions in (compute) states that will run or are running, modified before `beforeNs`. */
export function expiredExecutions(set: Executions, beforeNs: number): [Execution[], Execution[]] {
  return split(set, (e) => isExecutingExecutionState(e.ComputeState.StateType) && e.ModifyTime < beforeNs);
}

/** Executions by partition index, partitions in ascending order. */
export function byPartition(set: Executions): Map<number, Execution[]> {
  const groups = new Map<number, Execution[]>();
  for (const execution of set) {
    const group = groups.get(execution.PartitionIndex);
    if (group === undefined) groups.set(execution.PartitionIndex, [execution]);
    else group.push(execution);
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}

/** Partitions with at least one Completed execution. */
export function completedPartitions(set: Executions): Set<number> {
  return new Set(inState(set, 'Completed').map((e) => e.PartitionIndex));
}

/** The partitions that need an execution: how many there are, and the lowest of them. */
export interface RemainingPartitions {
  count: number;
  /** The lowest `max` indices (all when there are fewer). */
  lowest: number[];
}

/**
 * Indices in 0..count−1 without a non-discarded execution. Only the lowest `max` are listed: a job's
 * Count can be far larger than anything placeable (one partition per node), and listing every one
 * of 10^12 partitions would exhaust the heap before a "not enough nodes" answer.
 */
export function remainingPartitions(set: Executions, count: number, max = count): RemainingPartitions {
  const used = new Set(
    set.filter((e) => !isDiscardedExecution(e) && e.PartitionIndex < count).map((e) => e.PartitionIndex),
  );
  const lowest: number[] = [];
  for (let i = 0; i < count && lowest.length < max; i++) if (!used.has(i)) lowest.push(i);
  return { count: Math.max(0, count - used.size), lowest };
}

export interface ApprovalDecision {
  approve: Execution[];
  reject: Execution[];
  cancel: Execution[];
}

/**
 * What to do with the executions of one partition (Go `getApprovalStatuses`), so that at most one runs:
 * - a Completed one exists: reject pending bids (AskForBidAccepted), cancel every other live one;
 * - one is desired Running: keep the oldest such, reject pending bids, cancel the rest;
 * - otherwise approve the oldest pending bid and reject the other bids; leave the rest waiting.
 */
export function approvalDecision(partition: Executions): ApprovalDecision {
  const decision: ApprovalDecision = { approve: [], reject: [], cancel: [] };
  const isBid = (e: Execution): boolean => e.ComputeState.StateType === 'AskForBidAccepted';
  if (inState(partition, 'Completed').length > 0) {
    for (const execution of partition) {
      if (isBid(execution)) decision.reject.push(execution);
      else if (!isTerminalExecution(execution)) decision.cancel.push(execution);
    }
    return decision;
  }
  const live = ordered(nonTerminal(partition));
  if (inDesiredState(live, 'Running').length > 0) {
    let kept = false;
    for (const execution of live) {
      if (!kept && execution.DesiredState.StateType === 'Running') kept = true;
      else if (isBid(execution)) decision.reject.push(execution);
      else decision.cancel.push(execution);
    }
    return decision;
  }
  for (const execution of live.filter(isBid)) {
    (decision.approve.length === 0 ? decision.approve : decision.reject).push(execution);
  }
  return decision;
}

/** Asks every execution to stop, ending in `computeState`; each gets its own event. */
export function markStopped(
  plan: Plan,
  set: Executions,
  event: () => Event,
  computeState: ExecutionStateType,
): void {
  for (const execution of set) appendStoppedExecution(plan, execution, event(), computeState);
}

export function markApproved(plan: Plan, set: Executions, event: () => Event): void {
  for (const execution of set) appendApprovedExecution(plan, execution, event());
}
