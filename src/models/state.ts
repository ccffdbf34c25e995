/**
 * State enums and their wire encodings. Job states travel as their names (strings); execution compute
 * and desired states travel as integers (reference §2.1). Both sides are modelled as string unions in
 * code; the codec converts execution states to and from their integer form.
 */

/** `State[T]`: a state with an optional human message and details. */
export interface State<T> {
  StateType: T;
  Message?: string;
  Details?: Record<string, string>;
}

/** A state for people: `Failed: <message>`, or the type alone when there is no message. */
export function stateText(state: State<string>): string {
  return state.Message === undefined || state.Message === ''
    ? state.StateType
    : `${state.StateType}: ${state.Message}`;
}

export const JobStateType = {
  Undefined: 'Undefined',
  Pending: 'Pending',
  Queued: 'Queued',
  Running: 'Running',
  Completed: 'Completed',
  Failed: 'Failed',
  Stopped: 'Stopped',
} as const;
export type JobStateType = (typeof JobStateType)[keyof typeof JobStateType];
const jobStateOrder: readonly JobStateType[] = Object.values(JobStateType);

/** Go's `UnmarshalText`: trimmed, case-insensitive; anything unknown silently becomes Undefined. */
export function parseJobStateType(text: string): JobStateType {
  const wanted = text.trim().toLowerCase();
  return jobStateOrder.find((s) => s !== 'Undefined' && s.toLowerCase() === wanted) ?? 'Undefined';
}

export function isTerminalJobState(state: JobStateType): boolean {
  return state === 'Completed' || state === 'Failed' || state === 'Stopped';
}

/** A job can be rerun unless it has not started yet. */
export function isRerunnableJobState(state: JobStateType): boolean {
  return state !== 'Undefined' && state !== 'Pending' && state !== 'Queued';
}

export const ExecutionStateType = {
  Undefined: 'Undefined',
  New: 'New',
  AskForBid: 'AskForBid',
  AskForBidAccepted: 'AskForBidAccepted',
  AskForBidRejected: 'AskForBidRejected',
  BidAccepted: 'BidAccepted',
  Running: 'Running',
  Publishing: 'Publishing',
  BidRejected: 'BidRejected',
  Completed: 'Completed',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
} as const;
export type ExecutionStateType = (typeof ExecutionStateType)[keyof typeof ExecutionStateType];
/** Index = wire integer. */
export const executionStateCodes: readonly ExecutionStateType[] = Object.values(ExecutionStateType);

export const ExecutionDesiredStateType = {
  Pending: 'Pending',
  Running: 'Running',
  Stopped: 'Stopped',
} as const;
export type ExecutionDesiredStateType =
  (typeof ExecutionDesiredStateType)[keyof typeof ExecutionDesiredStateType];
/** Index = wire integer. */
export const executionDesiredStateCodes: readonly ExecutionDesiredStateType[] =
  Object.values(ExecutionDesiredStateType);

const terminalExecutionStates: ReadonlySet<ExecutionStateType> = new Set([
  'Completed',
  'Failed',
  'Cancelled',
  'AskForBidRejected',
  'BidRejected',
]);
const discardedExecutionStates: ReadonlySet<ExecutionStateType> = new Set([
  'AskForBidRejected',
  'BidRejected',
  'Cancelled',
  'Failed',
]);
const executingExecutionStates: ReadonlySet<ExecutionStateType> = new Set([
  'BidAccepted',
  'Running',
  'Publishing',
]);

export function isTerminalExecutionState(state: ExecutionStateType): boolean {
  return terminalExecutionStates.has(state);
}
/** Executions that will never produce a result: the scheduler may place their partition again. */
export function isDiscardedExecutionState(state: ExecutionStateType): boolean {
  return discardedExecutionStates.has(state);
}
export function isExecutingExecutionState(state: ExecutionStateType): boolean {
  return executingExecutionStates.has(state);
}
