/**
 * Logs what plans decide (Bacalhau `planner.LoggingPlanner`): job completions at info, job failures at
 * warn, other job state changes at trace; new executions, execution updates and follow-up evaluations
 * at trace, only built when trace is enabled.
 *
 * Deliberate difference from Go: the default chain runs it after the state updater, so it logs only
 * plans that were committed (Go logs first, including plans that are then refused).
 */
import { ZeroTime, type Plan } from '../../models/index.js';
import { isLevelEnabled, type LogFields, type Logger, type LogLevel } from './logger.js';
import type { Planner } from './types.js';

export class LoggingPlanner implements Planner {
  constructor(private readonly logger: Logger) {}

  process(plan: Plan): Promise<void> {
    this.#jobStateChange(plan);
    if (isLevelEnabled(this.logger, 'trace')) {
      this.#newExecutions(plan);
      this.#executionUpdates(plan);
      this.#evaluations(plan);
    }
    return Promise.resolve();
  }

  #jobStateChange(plan: Plan): void {
    if (plan.DesiredJobState === 'Undefined') return;
    let level: LogLevel = 'trace';
    let message = 'Job updated';
    if (plan.DesiredJobState === 'Completed') {
      level = 'info';
      message = 'Job completed successfully';
    } else if (plan.DesiredJobState === 'Failed') {
      level = 'warn';
      message = 'Job failed';
    }
    if (!isLevelEnabled(this.logger, level)) return;
    const details: Record<string, string> = {};
    for (const event of plan.JobEvents) Object.assign(details, event.Details);
    const fields: LogFields = {
      Details: details,
      Event: plan.JobEvents.map((e) => e.Message).join('. '),
      JobID: plan.Job.ID,
      OldState: plan.Job.State.StateType,
      NewState: plan.DesiredJobState,
      OldRevision: plan.Job.Revision,
    };
    if (plan.UpdateMessage !== '') fields['Reason'] = plan.UpdateMessage;
    this.logger[level](message, fields);
  }

  #newExecutions(plan: Plan): void {
    for (const execution of plan.NewExecutions) {
      this.logger.trace('New execution created', {
        JobID: plan.Job.ID,
        ExecutionID: execution.ID,
        NodeID: execution.NodeID,
        PartitionIndex: execution.PartitionIndex,
        DesiredState: execution.DesiredState.StateType,
        ComputeState: execution.ComputeState.StateType,
      });
    }
  }

  #executionUpdates(plan: Plan): void {
    for (const [id, update] of plan.UpdatedExecutions) {
      const fields: LogFields = {
        JobID: update.Execution.JobID,
        ExecutionID: id,
        NodeID: update.Execution.NodeID,
        PartitionIndex: update.Execution.PartitionIndex,
        OldState: update.Execution.DesiredState.StateType,
        NewState: update.DesiredState,
        OldComputeState: update.Execution.ComputeState.StateType,
        NewComputeState: update.ComputeState,
      };
      if (update.Event.Message !== '') fields['Reason'] = update.Event.Message;
      Object.assign(fields, update.Event.Details);
      this.logger.trace('Execution updated', fields);
    }
  }

  #evaluations(plan: Plan): void {
    for (const evaluation of plan.NewEvaluations) {
      const fields: LogFields = {
        JobID: plan.Job.ID,
        EvalID: evaluation.ID,
        TriggeredBy: evaluation.TriggeredBy,
      };
      if (evaluation.WaitUntil !== '' && evaluation.WaitUntil !== ZeroTime) {
        fields['WaitUntil'] = evaluation.WaitUntil;
      }
      if (evaluation.Comment !== '') fields['Reason'] = evaluation.Comment;
      this.logger.trace('New evaluation', fields);
    }
  }
}
