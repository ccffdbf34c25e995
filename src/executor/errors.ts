/** The errors every executor raises (Go `executor.NewExecutorError` and the compute node's timeout). */
import { isDiskFull } from '../lib/error-chain.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { formatDuration } from '../models/duration.js';
import { humanizeBytes } from '../models/resources.js';

export const ExecutorComponent = 'Executor';

export function executionNotFound(executionID: string, doing: string): BacalhauError {
  return new BacalhauError(`${doing}: execution ${executionID} not found`, {
    code: ErrorCode.ExecutionNotFound,
    component: ExecutorComponent,
    hint: 'the executor forgets executions some time after they finished; check the execution ID',
  });
}

export function executionAlreadyStarted(executionID: string): BacalhauError {
  return new BacalhauError(`starting execution ${executionID}: it is already running`, {
    code: ErrorCode.ExecutionAlreadyStarted,
    component: ExecutorComponent,
  });
}

export function executionAlreadyComplete(executionID: string): BacalhauError {
  return new BacalhauError(`starting execution ${executionID}: it has already finished`, {
    code: ErrorCode.ExecutionAlreadyComplete,
    component: ExecutorComponent,
  });
}

export function executionCancelled(executionID: string): BacalhauError {
  return new BacalhauError(`execution ${executionID} was cancelled`, {
    code: ErrorCode.ExecutionAlreadyCancelled,
    component: ExecutorComponent,
  });
}

/** Go's `compute.ErrExecTimeout`: retryable, since another node or more resources may do better. */
export function executionTimedOut(timeoutMs: number): BacalhauError {
  return new BacalhauError(`Execution timed out after ${formatDuration(BigInt(timeoutMs) * 1_000_000n)}`, {
    code: ErrorCode.TimeOut,
    component: ExecutorComponent,
    retryable: true,
    hint: 'Increase the task timeout or allocate more resources',
  });
}

/** A start refused by a stopped executor (`component` names the engine): the node is shutting down. */
export function executorStopped(component: string): BacalhauError {
  return new BacalhauError(`the ${component} executor is stopped`, {
    code: ErrorCode.ServiceUnavailable,
    component,
    hint: 'The compute node is shutting down; the execution can run on another node',
    retryable: true,
  });
}

/** The ErrorMsg of a task the kernel killed for using more memory than its limit (Go's words). */
export const MemoryLimitExceeded = 'memory limit exceeded';

/**
 * The failure an execution's `ErrorMsg` stands for (an ErrorMsg is one; a non-zero exit code alone is
 * not). A task killed for its memory is told which limit it hit and how to raise it.
 */
export function taskFailed(errorMsg: string, memoryBytes: number): BacalhauError {
  const limit = memoryBytes > 0 ? ` of ${humanizeBytes(memoryBytes)}` : '';
  return new BacalhauError(errorMsg, {
    component: ExecutorComponent,
    ...(errorMsg === MemoryLimitExceeded
      ? {
          hint: `the task needs more than its memory limit${limit}: raise Resources.Memory (--memory with docker run)`,
        }
      : {}),
  });
}

/**
 * Output the node could not write to the execution's files (a full disk, most often). It ends the
 * execution on every engine: its results would be wrong, and a task whose output nobody reads any more
 * blocks at its next write until its timeout, if it has one.
 */
export function outputNotRecorded(err: unknown, resultsDir: string): BacalhauError {
  return BacalhauError.wrap(err, "recording the task's output", {
    code: ErrorCode.IOError,
    component: ExecutorComponent,
    ...(isDiskFull(err) && { hint: `free space on the disk that holds ${resultsDir}` }),
  });
}
