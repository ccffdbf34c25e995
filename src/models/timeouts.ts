import { formatDuration, Second } from './duration.js';

const formatSeconds = (seconds: number): string => formatDuration(BigInt(seconds) * Second);

/** Task timeouts in whole seconds; 0 means none (`models.TimeoutConfig`). */
export interface TimeoutConfig {
  ExecutionTimeout?: number;
  QueueTimeout?: number;
  TotalTimeout?: number;
}

/** ExecutionTimeout falls back to TotalTimeout when unset. */
export function executionTimeoutSeconds(t: TimeoutConfig): number {
  return (t.ExecutionTimeout ?? 0) > 0 ? (t.ExecutionTimeout ?? 0) : (t.TotalTimeout ?? 0);
}

/** Checks made when a job is submitted. */
export function validateTimeoutsSubmission(t: TimeoutConfig): string[] {
  const problems: string[] = [];
  if ((t.ExecutionTimeout ?? 0) < 0) {
    // Go prints GetExecutionTimeout() here, which falls back to TotalTimeout for a negative value and so
    // names the wrong number; this prints the value the user wrote.
    problems.push(`invalid execution timeout value: ${formatSeconds(t.ExecutionTimeout ?? 0)}`);
  }
  if ((t.QueueTimeout ?? 0) < 0) {
    problems.push(`invalid queue timeout value: ${formatSeconds(t.QueueTimeout ?? 0)}`);
  }
  if ((t.TotalTimeout ?? 0) < 0) {
    problems.push(`invalid total timeout value: ${formatSeconds(t.TotalTimeout ?? 0)}`);
  }
  return problems;
}

/** The check made when a job is stored: execution and queue time must fit in the total. */
export function validateTimeoutBudget(t: TimeoutConfig): string[] {
  const total = t.TotalTimeout ?? 0;
  if (total > 0 && (t.ExecutionTimeout ?? 0) + (t.QueueTimeout ?? 0) > total) {
    return [
      `execution timeout ${formatSeconds(executionTimeoutSeconds(t))} and queue timeout ` +
        `${formatSeconds(t.QueueTimeout ?? 0)} should be less than total timeout ` +
        `${formatSeconds(total)}`,
    ];
  }
  return [];
}
