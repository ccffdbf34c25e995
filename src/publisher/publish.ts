/**
 * Publishing one execution's results, as the compute node does after a successful run (Go's
 * `BaseExecutor.publish`): find the job's publisher, check its spec, publish.
 */
import { BacalhauError, type SpecConfig } from '../models/index.js';
import { PublisherComponent } from './errors.js';
import type { PublisherRegistry } from './registry.js';
import type { IoOptions, PublishRequest } from './types.js';

/**
 * The execution's `PublishedResult`. Call it only when the job's publisher spec is not empty (see
 * registry.ts); the results folder is only read.
 * @throws BacalhauError `failed to publish result: <cause>`, keeping the cause's code, hint and field.
 */
export async function publishExecution(
  registry: PublisherRegistry,
  request: PublishRequest,
  options: IoOptions = {},
): Promise<SpecConfig> {
  try {
    const publisher = await registry.get(request.job.Tasks[0]?.Publisher?.Type ?? '');
    // it checks the job's publisher spec first (the contract)
    return await publisher.publishResult(request, options);
  } catch (err) {
    throw BacalhauError.wrap(err, 'failed to publish result', { component: PublisherComponent });
  }
}
