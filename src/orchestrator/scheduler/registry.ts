/**
 * The schedulers by job type (Go `MappedSchedulerProvider` as wired in `pkg/node/requester.go`): batch and
 * service share one scheduler; daemon and ops have their own. All share one set of compiled options.
 */
import { BacalhauError, ErrorCode, JobType } from '../../models/index.js';
import { BatchServiceJobScheduler } from './batch-service.js';
import { DaemonJobScheduler } from './daemon.js';
import { OpsJobScheduler } from './ops.js';
import { compileSchedulerOptions } from './options.js';
import type { Scheduler, SchedulerOptions, SchedulerRegistry } from './types.js';

export function createSchedulerRegistry(options: SchedulerOptions = {}): SchedulerRegistry {
  const compiled = compileSchedulerOptions(options);
  const batchService = new BatchServiceJobScheduler(compiled);
  return Object.freeze({
    [JobType.Batch]: batchService,
    [JobType.Service]: batchService,
    [JobType.Daemon]: new DaemonJobScheduler(compiled),
    [JobType.Ops]: new OpsJobScheduler(compiled),
  });
}

/**
 * The scheduler for an evaluation's `Type`.
 *
 * @throws BacalhauError (InternalError) `scheduler not found for evaluation type: <type>`, Go's text
 */
export function schedulerFor(registry: SchedulerRegistry, evaluationType: string): Scheduler {
  if (Object.hasOwn(registry, evaluationType)) {
    const scheduler = (registry as Readonly<Record<string, Scheduler>>)[evaluationType];
    if (scheduler !== undefined) return scheduler;
  }
  throw new BacalhauError(`scheduler not found for evaluation type: ${evaluationType}`, {
    code: ErrorCode.InternalError,
    component: 'Scheduler',
  });
}
