/**
 * The job-history events the orchestrator writes, with Bacalhau's topics and messages
 * (`pkg/orchestrator/events.go`): the CLI's progress view and `job describe` show these texts.
 */
import { BacalhauError } from '../models/bacerrors.js';
import type { Execution } from '../models/execution.js';
import { EventDetail, type Event } from '../models/job-history.js';
import { shortNodeID } from '../models/ids.js';
import type { JobStateType } from '../models/state.js';
import { formatDuration, Second } from '../models/duration.js';
import { goTime } from '../models/go-time.js';

export const EventTopic = {
  JobSubmission: 'Submission',
  JobStateUpdate: 'State Update',
  JobScheduling: 'Scheduling',
  JobQueueing: 'Queueing',
  ExecutionTimeout: 'Exec Timeout',
  JobTimeout: 'Job Timeout',
  Execution: 'Execution',
} as const;

const timeoutHint = 'Increase the task timeout or allocate more resources';

/**
 * Why an execution stopped when its node announced it was shutting down (an operator's restart, an
 * upgrade): not the job's doing, so it does not count against the node when the job is placed again
 * (selection/ranking/previous-executions.ts). Go says "node has disappeared" then too.
 */
export const NodeShutdownStopMessage = 'Execution stop requested because its node shut down';

/** An execution failed with its node when the node stopped heartbeating (Go's text). */
export const NodeLostStopMessage = 'Execution stop requested because node has disappeared';

/** Builds events stamped by an injected clock, so tests and replays are deterministic. */
export class OrchestratorEvents {
  constructor(private readonly now: () => Date = () => new Date()) {}

  private event(topic: string, message: string, details?: Record<string, string>): Event {
    const event: Event = { Message: message, Topic: topic, Timestamp: goTime(this.now().getTime()) };
    if (details !== undefined && Object.keys(details).length > 0) event.Details = details;
    return event;
  }

  /** An event that reports an error: IsError, plus what a BacalhauError knows (hint, code, …). */
  fromError(topic: string, err: unknown): Event {
    const details: Record<string, string> = { [EventDetail.IsError]: 'true' };
    if (err instanceof BacalhauError) {
      Object.assign(details, err.details);
      if (err.hint !== '') details[EventDetail.Hint] = err.hint;
      if (err.retryable) details[EventDetail.Retryable] = 'true';
      if (err.failsExecution) details[EventDetail.FailsExecution] = 'true';
      details[EventDetail.ErrorCode] = `${err.component}:${err.code}`;
    }
    return this.event(topic, err instanceof Error ? err.message : String(err), details);
  }

  jobSubmitted(): Event {
    return this.event(EventTopic.JobSubmission, 'Job submitted');
  }

  jobUpdated(): Event {
    return this.event(EventTopic.JobSubmission, 'Job updated');
  }

  jobRerun(reason: string): Event {
    return this.event(EventTopic.JobSubmission, 'Job rerun requested', { Reason: reason });
  }

  /** "Running", or "Failed. <message>", with the new state in the details. */
  jobStateUpdate(state: JobStateType, message = ''): Event {
    const text = message === '' ? state : `${state}. ${message}`;
    return this.event(EventTopic.JobStateUpdate, text, { [EventDetail.NewState]: state });
  }

  jobStopped(reason: string): Event {
    return this.event(EventTopic.JobScheduling, 'Job requested to stop before completion', {
      Reason: reason,
    });
  }

  jobExhaustedRetries(): Event {
    return this.event(EventTopic.JobScheduling, 'Job failed because it has been retried too many times');
  }

  jobExecutionsFailed(): Event {
    return this.event(EventTopic.JobScheduling, 'Job failed because one or more executions failed');
  }

  /** Not in Bacalhau, which calls such an ops job Completed. `reasons`: the lines saying which node said what. */
  jobRejectedEverywhere(reasons: string): Event {
    return this.event(EventTopic.JobScheduling, `Job failed because every node rejected it.${reasons}`);
  }

  /** Not in Bacalhau, where such a daemon job stays Running without a word. `nodes`: short IDs. */
  daemonRunsNowhere(nodes: readonly string[], version: number): Event {
    return this.event(
      EventTopic.JobScheduling,
      `Job runs on no node: it failed more than once on ${nodes.join(', ')} (job version ${version}), ` +
        'and is not placed there again. Rerun the job (bacalhau job rerun) to try them again',
    );
  }

  jobQueued(reason: string): Event {
    return this.event(EventTopic.JobQueueing, reason === '' ? 'Job queued' : `Job queued. ${reason}`);
  }

  /** Not in Bacalhau: partitions of a running job that were lost (or timed out) and wait for a node. */
  partitionsQueued(count: number, reason: string): Event {
    const partitions = count === 1 ? '1 partition' : `${count} partitions`;
    return this.event(EventTopic.JobQueueing, `Queued ${partitions} to run again. ${reason}`);
  }

  jobTimeout(timeoutSeconds: number): Event {
    return this.timeoutEvent(
      EventTopic.JobTimeout,
      `Job timed out. Job took longer than ${seconds(timeoutSeconds)}`,
    );
  }

  executionTimeout(timeoutSeconds: number): Event {
    return this.timeoutEvent(
      EventTopic.ExecutionTimeout,
      `Execution timed out. Execution took longer than ${seconds(timeoutSeconds)}`,
    );
  }

  execCreated(execution: Execution): Event {
    return this.event(EventTopic.JobScheduling, `Requested execution on ${shortNodeID(execution.NodeID)}`, {
      NodeID: execution.NodeID,
    });
  }

  execRunning(): Event {
    return this.event(EventTopic.Execution, 'Running');
  }

  execCompleted(): Event {
    return this.event(EventTopic.Execution, 'Completed successfully');
  }

  execStoppedByJobStop(): Event {
    return this.event(EventTopic.JobScheduling, 'Execution stop requested because job has been stopped');
  }

  execStoppedByNodeUnhealthy(): Event {
    return this.event(EventTopic.JobScheduling, NodeLostStopMessage);
  }

  execStoppedByNodeShutdown(): Event {
    return this.event(EventTopic.JobScheduling, NodeShutdownStopMessage);
  }

  execStoppedByNodeRejected(): Event {
    return this.event(EventTopic.JobScheduling, 'Execution stop requested because node has been rejected');
  }

  execStoppedByOversubscription(): Event {
    return this.event(
      EventTopic.JobScheduling,
      'Execution stop requested because there are more executions than needed',
    );
  }

  execStoppedDueToJobFailure(): Event {
    return this.event(EventTopic.JobScheduling, 'Execution stopped due to job failure');
  }

  execStoppedForJobUpdate(): Event {
    return this.event(EventTopic.JobScheduling, 'Execution stopped for job update');
  }

  private timeoutEvent(topic: string, message: string): Event {
    return this.event(topic, message, {
      [EventDetail.IsError]: 'true',
      [EventDetail.Hint]: timeoutHint,
      [EventDetail.FailsExecution]: 'true',
    });
  }
}

const seconds = (value: number): string => formatDuration(BigInt(value) * Second);
