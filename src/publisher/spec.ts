/** Reading the job's publisher spec, checking that it is of the type of the publisher reading it. */
import { ErrorCode, isSpecType, type Job, type SpecConfig } from '../models/index.js';
import { fieldError, PublisherField } from './errors.js';

/**
 * The publisher spec of `job`'s task, which must be of `type`.
 * @throws BacalhauError ValidationError (field `Tasks`) for a job without a task; InternalError (field
 *   `Tasks[0].Publisher.Type`) for a spec of another type: the compute node chose the wrong publisher.
 */
export function publisherSpec(job: Job, type: string): SpecConfig {
  const task = job.Tasks[0];
  if (task === undefined) throw fieldError('Tasks', 'missing', { hint: 'Give the job one task.' });
  const spec = task.Publisher ?? { Type: '' };
  if (!isSpecType(spec, type)) {
    throw fieldError(`${PublisherField}.Type`, `expected "${type}", got "${spec.Type}"`, {
      code: ErrorCode.InternalError,
      hint: 'Send the job to the publisher of its type.',
    });
  }
  return spec;
}
