/**
 * Why a job whose executions kept failing failed. Go ends such a job with a summary that names no cause
 * ("Job failed because it has been retried too many times", "Job failed because one or more executions
 * failed", or "not enough nodes … job already executed on this node more than once" / "… job
 * rejected"), so its users must look through the executions for it. Here the summary keeps Go's text
 * and gains one more line, the most recent failure's (or refused bid's) own message, so `job describe`
 * and the job's history say why at once.
 */
import { shortNodeID, shortUUID, type Event, type Execution, type Plan } from '../../models/index.js';

/**
 * `event` with a line naming the most recent of `failed` of the plan's job version (an older
 * version's failures say nothing of this one) that says why it failed:
 * `\n• Last failure (execution e-… on node n-…): <its message>`. Executions failed by `plan` itself
 * (lost nodes, timeouts) are the most recent, with the message the plan gives them. `event` unchanged
 * when none of them has a message.
 */
export function withLastFailure(event: Event, failed: readonly Execution[], plan: Plan): Event {
  let last: { execution: Execution; message: string; at: number } | undefined;
  for (const execution of failed) {
    if (execution.JobVersion !== plan.Job.Version) continue;
    const update = plan.UpdatedExecutions.get(execution.ID);
    const message = update?.Event.Message ?? execution.ComputeState.Message ?? '';
    const at = update === undefined ? execution.ModifyTime : Number.POSITIVE_INFINITY;
    if (message !== '' && (last === undefined || at > last.at)) last = { execution, message, at };
  }
  if (last === undefined) return event;
  const { execution, message } = last;
  const where = `execution ${shortUUID(execution.ID)} on node ${shortNodeID(execution.NodeID)}`;
  return { ...event, Message: `${event.Message}\n• Last failure (${where}): ${message}` };
}
