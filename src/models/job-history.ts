import type { ExecutionStateType, JobStateType } from './state.js';

export const JobHistoryType = {
  Undefined: 'Undefined',
  JobLevel: 'JobLevel',
  ExecutionLevel: 'ExecutionLevel',
} as const;
export type JobHistoryType = (typeof JobHistoryType)[keyof typeof JobHistoryType];

/** Something that happened to a job or execution, for humans (`models.Event`). */
export interface Event {
  Message: string;
  Topic: string;
  /** RFC 3339. */
  Timestamp: string;
  Details?: Record<string, string>;
}

/** Keys of `Event.Details` with a meaning to clients. */
export const EventDetail = {
  IsError: 'IsError',
  Hint: 'Hint',
  Retryable: 'Retryable',
  FailsExecution: 'FailsExecution',
  NewState: 'NewState',
  ErrorCode: 'ErrorCode',
} as const;

export interface StateChange<T> {
  Previous?: T;
  New?: T;
}

/** One entry of a job's history, ordered by a monotonic `SeqNum` (`models.JobHistory`). */
export interface JobHistory {
  SeqNum: number;
  Type: JobHistoryType;
  JobID: string;
  JobVersion: number;
  ExecutionID?: string;
  Event: Event;
  /** RFC 3339. */
  Time: string;
  /** Deprecated; only filled for clients older than v1.5. */
  JobState?: StateChange<JobStateType>;
  /** Deprecated; only filled for clients older than v1.5. */
  ExecutionState?: StateChange<ExecutionStateType>;
}
