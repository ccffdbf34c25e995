/** Test helpers of the bid strategies: a complete job whose one task the test shapes. */
import type { Job } from '../../models/job.js';
import type { Task } from '../../models/task.js';
import { testJob } from '../../transport/testing/fixtures.js';
import type { BidRequest } from './types.js';

export function jobWith(task: Partial<Task> = {}): Job {
  const job = testJob();
  return { ...job, Tasks: job.Tasks.map((t) => ({ ...t, ...task })) };
}

export function requestWith(task: Partial<Task> = {}): BidRequest {
  return { nodeID: 'n-test', job: jobWith(task) };
}
