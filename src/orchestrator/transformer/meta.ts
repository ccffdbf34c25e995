/**
 * Reserved `bacalhau.org/` meta keys the server sets (`transformer/job.go`, `BaseEndpoint.SubmitJob`).
 * Sanitizing removed any the user sent, so these values are always the server's.
 */
import { MetaKey } from '../../models/constants.js';
import type { Job } from '../../models/job.js';
import type { JobTransformer } from './types.js';

function withMeta(job: Job, entries: Readonly<Record<string, string>>): Job {
  const set = Object.entries(entries).filter(([, value]) => value !== '');
  if (set.length === 0) return job;
  return { ...job, Meta: { ...job.Meta, ...Object.fromEntries(set) } };
}

/**
 * Bacalhau's `RequesterInfo`: the orchestrator that accepted the job, under the current key and the
 * legacy `requester.id` older compute nodes read. Set even when `nodeID` is empty, as in Go.
 */
export function requesterInfo(nodeID: string): JobTransformer {
  return (job) => ({
    ...job,
    Meta: { ...job.Meta, [MetaKey.OrchestratorID]: nodeID, [MetaKey.OrchestratorIDLegacy]: nodeID },
  });
}

/** Bacalhau's `OrchestratorInstallationID`: set only when known. */
export function orchestratorInstallationID(installationID: string): JobTransformer {
  return (job) => withMeta(job, { [MetaKey.ServerInstallationID]: installationID });
}

/** Bacalhau's `OrchestratorInstanceID`: set only when known. */
export function orchestratorInstanceID(instanceID: string): JobTransformer {
  return (job) => withMeta(job, { [MetaKey.ServerInstanceID]: instanceID });
}

/** What the submitting client said about itself, from its request headers. */
export interface ClientInfo {
  /** Header `X-Bacalhau-InstallationID`. */
  installationID?: string;
  /** Header `X-Bacalhau-InstanceID`. */
  instanceID?: string;
}

/**
 * The client's installation and instance IDs, each set only when the client sent one. Go does this in
 * `SubmitJob` just before running the chain; it is a transformer here so the pipeline reads as one list.
 */
export function clientInfo(client: ClientInfo): JobTransformer {
  return (job) =>
    withMeta(job, {
      [MetaKey.ClientInstallationID]: client.installationID ?? '',
      [MetaKey.ClientInstanceID]: client.instanceID ?? '',
    });
}
