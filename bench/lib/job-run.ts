/**
 * One job through the HTTP API, timed as a user sees it: from just before `PUT /orchestrator/jobs`
 * until a `GET /orchestrator/jobs/:id` first answers Completed, the client in its own thread
 * (client-thread.ts). The figure includes the detection latency, which the timeline shows apart
 * ("store: job Completed" → "API: Completed seen"): one answer with blocking reads; up to one polling
 * interval plus one request when polling, and polling faster takes more of the node's event loop from
 * the job.
 */
import type { ClientRun, ClientThread } from './client-thread.js';
import type { Marks, Timeline } from './timeline.js';

/** The mark whose time is the job's latency as the client sees it. */
export const CompletedSeen = 'API: Completed seen';

export async function runJob(
  client: ClientThread,
  timeline: Timeline,
  job: object,
  pollMs: number,
): Promise<Marks> {
  timeline.begin();
  const run = await runCompleted(client, job, pollMs);
  timeline.mark('API: submit answered', undefined, run.answeredAt);
  timeline.mark(CompletedSeen, undefined, run.seenAt);
  return timeline.marks(run.submitAt);
}

/** One job through the API until the client sees it end; one that does not complete ends the benchmark. */
export async function runCompleted(client: ClientThread, job: object, pollMs: number): Promise<ClientRun> {
  const run = await client.run(job, pollMs);
  if (run.state !== 'Completed') throw new Error(`job ${run.jobID} ended ${run.state}: ${run.message}`);
  return run;
}
