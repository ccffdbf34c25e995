/**
 * `devstack --bad-computes`: compute nodes that accept work and then fail every execution at start,
 * as Bacalhau's failure injection does, to watch the orchestrator retry elsewhere.
 */
import type { Executor } from '../executor/types.js';
import { intercept } from '../lib/intercept.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';

/** `executor` in every respect except that each start fails with Bacalhau's bad-actor message. */
export function badActorExecutor(executor: Executor): Executor {
  const start: Executor['start'] = (request) =>
    Promise.reject(
      new BacalhauError(`i am a bad node. i failed execution ${request.executionID}`, {
        code: ErrorCode.InternalError,
        component: 'Compute',
      }),
    );
  return intercept(executor, { start });
}
