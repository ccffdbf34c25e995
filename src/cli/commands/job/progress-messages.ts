/** What the progress of `job run` says when it stops waiting (Bacalhau's `JobProgressPrinter`). */
import { formatDuration } from '../../../models/duration.js';

/** The wait is written as Bacalhau writes a duration (`10m0s`, not `600s`). */
export function progressTimedOut(waitSecs: number): string {
  const wait = formatDuration(BigInt(Math.round(waitSecs * 1e9)));
  return `Progress tracking timed out after ${wait}. The job is still running.`;
}
