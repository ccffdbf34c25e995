import type { Job } from './job.js';
import type { Resources } from './resources.js';
import type { SpecConfig } from './spec-config.js';
import { isTerminalExecutionState } from './state.js';
import type { ExecutionDesiredStateType, ExecutionStateType, State } from './state.js';

/** The outcome of running a task; `stderr` is lower-case on the wire (`models.RunCommandResult`). */
export interface RunCommandResult {
  Stdout: string;
  StdoutTruncated: boolean;
  stderr: string;
  StderrTruncated: boolean;
  ExitCode: number;
  ErrorMsg: string;
}

/** A result with nothing in it: what an execution carries before it has run. */
export function emptyRunCommandResult(): RunCommandResult {
  return {
    Stdout: '',
    StdoutTruncated: false,
    stderr: '',
    StderrTruncated: false,
    ExitCode: 0,
    ErrorMsg: '',
  };
}

/** Resources a compute node set aside for an execution, per task name. */
export interface AllocatedResources {
  Tasks: Record<string, Resources>;
}

/** One attempt to run a job (or one partition of it) on one node (`models.Execution`). */
export interface Execution {
  ID: string;
  Namespace: string;
  EvalID: string;
  Name: string;
  NodeID: string;
  JobID: string;
  /** The job spec, only when the execution travels to a compute node or is asked for. */
  Job?: Job;
  JobVersion: number;
  AllocatedResources?: AllocatedResources;
  DesiredState: State<ExecutionDesiredStateType>;
  ComputeState: State<ExecutionStateType>;
  PublishedResult?: SpecConfig;
  RunOutput?: RunCommandResult;
  PreviousExecution: string;
  NextExecution: string;
  FollowupEvalID: string;
  PartitionIndex: number;
  Revision: number;
  CreateTime: number;
  ModifyTime: number;
}

export const ExecutionLogType = { Stdout: 1, Stderr: 2 } as const;
export type ExecutionLogType = (typeof ExecutionLogType)[keyof typeof ExecutionLogType];

/** One line of an execution's output, as streamed by the logs endpoint. */
export interface ExecutionLog {
  Type: ExecutionLogType;
  Line: string;
}

/** Terminal when stopped by the orchestrator or finished on the compute node (Go `IsTerminalState`). */
export function isTerminalExecution(execution: Execution): boolean {
  return (
    execution.DesiredState.StateType === 'Stopped' ||
    isTerminalExecutionState(execution.ComputeState.StateType)
  );
}
