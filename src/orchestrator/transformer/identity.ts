/** The job's identity: a generated ID, and a name that defaults to it (`transformer/job.go`). */
import { newJobID } from '../../models/ids.js';
import type { JobTransformer } from './types.js';

/**
 * Bacalhau's `IDGenerator`: a new `j-<uuid>` when the job has no ID. Sanitizing already cleared the ID
 * of batch and ops submissions, so those always get a new one; a service or daemon job may bring its
 * own.
 */
export function idGenerator(newID: () => string = newJobID): JobTransformer {
  return (job) => (job.ID === '' ? { ...job, ID: newID() } : job);
}

/** Bacalhau's `NameOptional`: a job without a name is named after its ID. */
export const nameOptional: JobTransformer = (job) => (job.Name === '' ? { ...job, Name: job.ID } : job);
