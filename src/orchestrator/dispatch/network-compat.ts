/**
 * A job's task networks as Go's orchestrator words them in an AskForBid (its NCL message creator's
 * `transformNetworkConfig`, Bacalhau ≥ 1.7): Host travels under its older name Full, and a Default
 * network is left out. Compute nodes of Bacalhau 1.6 speak NCL v1 but know neither name; one of them
 * cannot decode an AskForBid naming either, refuses the message and is sent it again forever, so its
 * stream stalls. Both sides read the older form the same way: Full is Host, no network is Default.
 */
import { NetworkType, type Job, type NetworkConfig, type Task } from '../../models/index.js';

/** `job` with its task networks named so; the same object when no task needs it (no copy). */
export function withOlderNetworkNames(job: Job): Job {
  if (!job.Tasks.some((task) => needsRenaming(task.Network))) return job;
  return { ...job, Tasks: job.Tasks.map(renamed) };
}

function needsRenaming(network: NetworkConfig | undefined): boolean {
  return network?.Type === NetworkType.Host || network?.Type === NetworkType.Default;
}

function renamed(task: Task): Task {
  if (!needsRenaming(task.Network)) return task;
  const { Network: network, ...rest } = task;
  return network?.Type === NetworkType.Host
    ? { ...rest, Network: { ...network, Type: NetworkType.Full } }
    : rest;
}
