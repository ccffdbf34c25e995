import type { Evaluation } from './evaluation.js';
import type { Execution } from './execution.js';
import type { Event } from './job-history.js';
import type { Job } from './job.js';
import type { ExecutionDesiredStateType, ExecutionStateType, JobStateType } from './state.js';

/** A change a scheduler wants for an existing execution (`models.PlanExecutionUpdate`). */
export interface PlanExecutionUpdate {
  Execution: Execution;
  DesiredState: ExecutionDesiredStateType;
  ComputeState: ExecutionStateType;
  Event: Event;
}

/**
 * What a scheduler decided for one evaluation (`models.Plan`). Schedulers only build plans; the planner
 * applies a plan to the store in one transaction.
 */
export interface Plan {
  EvalID: string;
  EvalReceipt: string;
  Eval: Evaluation;
  Priority: number;
  Job: Job;
  /** 'Undefined' = leave the job state as it is. */
  DesiredJobState: JobStateType;
  UpdateMessage: string;
  NewExecutions: Execution[];
  UpdatedExecutions: Map<string, PlanExecutionUpdate>;
  NewEvaluations: Evaluation[];
  JobEvents: Event[];
  ExecutionEvents: Map<string, Event[]>;
}

export function newPlan(evaluation: Evaluation, job: Job, receipt = ''): Plan {
  return {
    EvalID: evaluation.ID,
    EvalReceipt: receipt,
    Eval: evaluation,
    Priority: evaluation.Priority,
    Job: job,
    DesiredJobState: 'Undefined',
    UpdateMessage: '',
    NewExecutions: [],
    UpdatedExecutions: new Map(),
    NewEvaluations: [],
    JobEvents: [],
    ExecutionEvents: new Map(),
  };
}

export function appendExecutionEvent(plan: Plan, executionID: string, event: Event): void {
  const events = plan.ExecutionEvents.get(executionID);
  if (events) events.push(event);
  else plan.ExecutionEvents.set(executionID, [event]);
}

export function appendNewExecution(plan: Plan, execution: Execution, event: Event): void {
  plan.NewExecutions.push(execution);
  appendExecutionEvent(plan, execution.ID, event);
}

/** Asks for an execution to stop, recording the compute state it ends in (Cancelled, Failed, BidRejected). */
export function appendStoppedExecution(
  plan: Plan,
  execution: Execution,
  event: Event,
  computeState: ExecutionStateType,
): void {
  plan.UpdatedExecutions.set(execution.ID, {
    Execution: execution,
    DesiredState: 'Stopped',
    ComputeState: computeState,
    Event: event,
  });
  appendExecutionEvent(plan, execution.ID, event);
}

/** Approves a bid: the execution may run. */
export function appendApprovedExecution(plan: Plan, execution: Execution, event: Event): void {
  plan.UpdatedExecutions.set(execution.ID, {
    Execution: execution,
    DesiredState: 'Running',
    ComputeState: 'BidAccepted',
    Event: event,
  });
  appendExecutionEvent(plan, execution.ID, event);
}

export function markJobCompleted(plan: Plan, event: Event): void {
  plan.DesiredJobState = 'Completed';
  plan.NewExecutions = [];
  plan.JobEvents.push(event);
}

export function markJobQueued(plan: Plan, event: Event): void {
  plan.DesiredJobState = 'Queued';
  plan.UpdateMessage = event.Message;
  plan.JobEvents.push(event);
}

/**
 * Fails the job: no new executions, and only the stop requests of the plan survive. The events of the
 * updates dropped go with them (Go keeps them: an approval dropped here left a "Running" event in the
 * history of an execution that never ran).
 */
export function markJobFailed(plan: Plan, event: Event): void {
  plan.DesiredJobState = 'Failed';
  plan.UpdateMessage = event.Message;
  plan.JobEvents.push(event);
  plan.NewExecutions = [];
  for (const [id, update] of plan.UpdatedExecutions) {
    if (update.DesiredState === 'Stopped') continue;
    plan.UpdatedExecutions.delete(id);
    const events = plan.ExecutionEvents.get(id)?.filter((e) => e !== update.Event) ?? [];
    if (events.length > 0) plan.ExecutionEvents.set(id, events);
    else plan.ExecutionEvents.delete(id);
  }
}

/** Moves a pending or queued job to Running when the plan lets an execution run. */
export function markJobRunningIfEligible(plan: Plan, event: Event): boolean {
  if (plan.DesiredJobState !== 'Undefined') return false;
  const current = plan.Job.State.StateType;
  if (current !== 'Pending' && current !== 'Queued') return false;
  if (!hasRunningExecutions(plan)) return false;
  plan.DesiredJobState = 'Running';
  plan.JobEvents.push(event);
  return true;
}

export function isPlanJobFailed(plan: Plan): boolean {
  return plan.DesiredJobState === 'Failed';
}

function hasRunningExecutions(plan: Plan): boolean {
  return (
    plan.NewExecutions.some((e) => e.DesiredState.StateType === 'Running') ||
    [...plan.UpdatedExecutions.values()].some((u) => u.DesiredState === 'Running')
  );
}
