/** Test helpers for transformers. */
import { emptyJob, type Job } from '../../models/job.js';
import type { Task } from '../../models/task.js';

/** A minimal valid batch job with one docker task; `overrides` replace top-level fields. */
export function makeJob(overrides: Partial<Job> = {}, task: Partial<Task> = {}): Job {
  return {
    ...emptyJob(),
    Name: 'test-job',
    Namespace: 'default',
    Type: 'batch',
    Count: 1,
    Tasks: [{ Name: 'main', Engine: { Type: 'docker', Params: { Image: 'busybox:1.37.0' } }, ...task }],
    ...overrides,
  };
}

/** The job's only task; fails the test when there is none. */
export function taskOf(job: Job): Task {
  const task = job.Tasks[0];
  if (task === undefined) throw new Error('job has no task');
  return task;
}
