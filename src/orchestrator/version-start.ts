/**
 * When a job's current version was submitted: the time its `TotalTimeout` and `QueueTimeout` count
 * from. For the first version that is the job's `CreateTime`; an update or a rerun starts a new
 * version, whose first history entry ("Job updated", "Job rerun requested") says when. Go counts from
 * `CreateTime` whatever the version, so rerunning a job that timed out failed it again at once, without
 * running it (Go's code has a TODO about it).
 */
import { parseGoTime, msToNanos } from '../models/go-time.js';
import type { Job } from '../models/index.js';
import type { JobStoreReader } from '../store/types.js';

/** Unix nanoseconds; read from the history only for a later version of a job that has such timeouts. */
export function versionSubmitTime(tx: JobStoreReader, job: Job): number {
  const timeouts = job.Tasks[0]?.Timeouts ?? {};
  if (job.Version <= 1 || ((timeouts.TotalTimeout ?? 0) <= 0 && (timeouts.QueueTimeout ?? 0) <= 0)) {
    return job.CreateTime;
  }
  const first = tx.getJobHistory(job.ID, { jobVersion: job.Version, limit: 1 }).items[0];
  const ms = parseGoTime(first?.Time);
  return ms === undefined ? job.CreateTime : Math.max(job.CreateTime, msToNanos(ms));
}
