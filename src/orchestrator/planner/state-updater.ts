/**
 * The state updater (Bacalhau `planner.StateUpdater`): the only code that writes what a scheduler
 * decided. A plan is applied in ONE store transaction, in Go's order:
 *
 * 1. new executions are created (without the embedded `Job`: the store keeps specs per version);
 * 2. updated executions get their desired and compute state, each with the event's message and details
 *    as the state message, on the condition that the execution still has the revision the scheduler
 *    read;
 * 3. the job moves to `DesiredJobState` (unless Undefined) with `UpdateMessage`, on the condition that
 *    it still has the revision the scheduler read;
 * 4. follow-up evaluations are created;
 * 5. job events and then execution events are appended to the job history, all under the plan's job
 *    version (as Go does, so "stopped for job update" entries of old executions show in the new
 *    version's history);
 * 6. the plan's evaluation is marked `complete`.
 *
 * Any failure (a revision or state conflict above all) rolls the whole transaction back: nothing of the
 * plan is written, the error propagates, and the worker nacks the evaluation so that it is scheduled
 * again from fresh state.
 *
 * Deliberate differences from Go, each making a plan apply at most once and only to what it was
 * computed from:
 * - Go never records that an evaluation was processed. Here step 6 does, in the same transaction, and a
 *   plan whose evaluation is no longer `pending` is refused (`ConcurrentUpdate`): a redelivered
 *   evaluation (visibility timeout) cannot apply a second plan, and after a restart only unprocessed
 *   evaluations are re-enqueued. An evaluation that is not in the store at all (never persisted) is
 *   applied without this check.
 * - A plan that creates executions without changing the job state still checks the job's revision, so
 *   executions are never created for a job that was stopped or updated after the scheduler read it.
 * - Go skips a plan without execution, evaluation or job-state changes entirely (its events are
 *   dropped). Here such a plan still writes its events (the daemon scheduler's when the job runs on no
 *   node, say) and completes its evaluation.
 */
import {
  BacalhauError,
  ErrorCode,
  EvalStatus,
  type Evaluation,
  type Execution,
  type Job,
  type JobHistory,
  type Plan,
  type PlanExecutionUpdate,
  type State,
  unlessNotFound,
} from '../../models/index.js';
import { invalidJobRevision, type JobStore, type JobStoreTx } from '../../store/index.js';
import type { Planner } from './types.js';

export const PlannerComponent = 'Planner';

/** What a plan wrote, as stored (fresh copies). */
export interface AppliedPlan {
  /** The job after its state change; absent when the plan left the job state alone. */
  job?: Job;
  createdExecutions: Execution[];
  updatedExecutions: Execution[];
  createdEvaluations: Evaluation[];
  /** Job-level entries first, then execution-level ones, in `SeqNum` order. */
  history: JobHistory[];
  /** The plan's evaluation, now `complete`; absent when it is not in the store. */
  evaluation?: Evaluation;
}

/**
 * Applies `plan` in one transaction of `store` (see the file comment).
 *
 * @throws BacalhauError with the store's code, message prefixed with the evaluation: ConflictJobRevision
 *   (an execution or the job changed since the scheduler read it), ConflictJobState (the job or an
 *   execution reached a terminal state meanwhile), ConcurrentUpdate (the evaluation was already
 *   processed), NotFound (the job was deleted), DatastoreFailure. Nothing is written in any of these cases.
 */
export async function applyPlan(store: JobStore, plan: Plan): Promise<AppliedPlan> {
  try {
    return await store.transaction((tx) => writePlan(tx, plan), { background: true });
  } catch (err) {
    throw BacalhauError.wrap(err, `failed to apply plan of evaluation ${plan.EvalID}`, {
      ...(err instanceof BacalhauError ? {} : { code: ErrorCode.InternalError, component: PlannerComponent }),
    });
  }
}

/**
 * Writes `plan` through `tx`, for callers that group several plans or other writes in one transaction.
 * Throws as {@link applyPlan} (unwrapped); the caller's transaction then rolls back.
 */
export function writePlan(tx: JobStoreTx, plan: Plan): AppliedPlan {
  const evaluation = pendingEvaluation(tx, plan.EvalID);
  const result: AppliedPlan = {
    createdExecutions: [],
    updatedExecutions: [],
    createdEvaluations: [],
    history: [],
  };

  if (plan.NewExecutions.length > 0 && plan.DesiredJobState === 'Undefined') {
    const stored = tx.peekJob(plan.Job.ID);
    if (stored.Revision !== plan.Job.Revision) {
      throw invalidJobRevision(stored.ID, stored.Revision, plan.Job.Revision);
    }
  }
  for (const execution of plan.NewExecutions) {
    result.createdExecutions.push(tx.createExecution(withoutJob(execution)));
  }
  for (const update of plan.UpdatedExecutions.values()) {
    result.updatedExecutions.push(
      tx.updateExecution({
        executionID: update.Execution.ID,
        newValues: {
          DesiredState: stateFromEvent(update.DesiredState, update),
          ComputeState: stateFromEvent(update.ComputeState, update),
        },
        condition: { expectedRevision: update.Execution.Revision },
      }),
    );
  }

  if (plan.DesiredJobState !== 'Undefined') {
    result.job = tx.updateJobState({
      jobID: plan.Job.ID,
      newState: plan.DesiredJobState,
      message: plan.UpdateMessage,
      condition: { expectedRevision: plan.Job.Revision },
    });
  }

  for (const next of plan.NewEvaluations) {
    result.createdEvaluations.push(tx.createEvaluation(next));
  }

  if (plan.JobEvents.length > 0) {
    result.history.push(...tx.addJobHistory(plan.Job.ID, plan.Job.Version, plan.JobEvents));
  }
  for (const [executionID, events] of plan.ExecutionEvents) {
    if (events.length === 0) continue;
    result.history.push(...tx.addExecutionHistory(plan.Job.ID, plan.Job.Version, executionID, events));
  }

  if (evaluation !== undefined) {
    result.evaluation = tx.updateEvaluation(evaluation.ID, { Status: EvalStatus.Complete });
  }
  return result;
}

/** The stored evaluation if it is still pending; undefined if it is not stored. */
function pendingEvaluation(tx: JobStoreTx, id: string): Evaluation | undefined {
  const stored = unlessNotFound(() => tx.getEvaluation(id));
  if (stored === undefined) return undefined;
  if (stored.Status !== EvalStatus.Pending) {
    throw new BacalhauError(`evaluation ${id} was already processed: its status is ${stored.Status}`, {
      code: ErrorCode.ConcurrentUpdate,
      component: PlannerComponent,
    });
  }
  return stored;
}

function withoutJob(execution: Execution): Execution {
  if (execution.Job === undefined) return execution;
  const copy = { ...execution };
  delete copy.Job;
  return copy;
}

/** Go sets both states' Message and Details from the update's event. */
function stateFromEvent<T>(type: T, update: PlanExecutionUpdate): State<T> {
  const state: State<T> = { StateType: type };
  if (update.Event.Message !== '') state.Message = update.Event.Message;
  if (update.Event.Details !== undefined && Object.keys(update.Event.Details).length > 0) {
    state.Details = { ...update.Event.Details };
  }
  return state;
}

/** {@link applyPlan} as a planner, for the chain. */
export class StateUpdater implements Planner {
  constructor(private readonly store: JobStore) {}

  async process(plan: Plan): Promise<void> {
    await applyPlan(this.store, plan);
  }
}
