import { BacalhauError, jobTask, toResources, type Job, type Resources } from '../../../models/index.js';

/**
 * The resources the job's task asks for (Go `job.Task().ResourcesConfig.ToResources()`); zero when the
 * job has no task or no resources.
 *
 * @throws BacalhauError (ValidationError) when a resource string does not parse, which submission
 *   validation prevents; the message names the job
 */
export function jobResources(job: Job): Resources {
  try {
    return toResources(jobTask(job)?.Resources);
  } catch (err) {
    throw BacalhauError.wrap(err, `failed to convert resources of job ${job.ID} to resources`);
  }
}
