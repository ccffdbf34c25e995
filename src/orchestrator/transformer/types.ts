/**
 * Job transformers: the steps that turn a validated, sanitized submission into the job the orchestrator
 * stores (Bacalhau's `pkg/orchestrator/transformer`). Unlike Go's, which mutate the job in place, ours
 * are pure: each returns a new job and leaves its argument untouched, so a chain can be composed once
 * and shared by every request.
 */
import type { Job } from '../../models/job.js';
import type { Task } from '../../models/task.js';

/**
 * Returns the transformed copy of `job`. Throws a BacalhauError (ValidationError) when the job cannot
 * be transformed; the submission then fails with that error.
 */
export type JobTransformer = (job: Job) => Job;

/** Runs transformers in order, each on the previous one's output (Go's `ChainedTransformer`). */
export function chain(...transformers: readonly JobTransformer[]): JobTransformer {
  const steps = [...transformers];
  return (job) => steps.reduce((current, transform) => transform(current), job);
}

/** Applies `fn` to every task, returning a job with fresh copies of the tasks `fn` replaced. */
export function mapTasks(job: Job, fn: (task: Task) => Task): Job {
  return { ...job, Tasks: job.Tasks.map(fn) };
}
