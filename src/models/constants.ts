/** Wire constants shared by every component (Bacalhau's `pkg/models/constants.go`). */

export const DefaultNamespace = 'default';
/** Task env vars may not use this prefix: the compute node owns it. */
export const EnvVarPrefix = 'BACALHAU_';

export const JobType = {
  Batch: 'batch',
  Service: 'service',
  Daemon: 'daemon',
  Ops: 'ops',
} as const;
export type JobType = (typeof JobType)[keyof typeof JobType];
export const jobTypes: readonly string[] = Object.values(JobType);

export const Engine = { Noop: 'noop', Docker: 'docker', Wasm: 'wasm' } as const;

export const StorageSource = {
  Noop: 'noop',
  IPFS: 'ipfs',
  URL: 'urlDownload',
  S3: 's3',
  S3Managed: 's3managed',
  S3PreSigned: 's3PreSigned',
  Inline: 'inline',
  /** @deprecated use Local */
  LocalDirectory: 'localDirectory',
  Local: 'local',
} as const;

export const Publisher = {
  Noop: 'noop',
  IPFS: 'ipfs',
  S3: 's3',
  S3Managed: 's3managed',
  Local: 'local',
} as const;

/** Meta keys under this prefix are set by the server; users may not submit them. */
export const MetaReservedPrefix = 'bacalhau.org/';
export const MetaKey = {
  OrchestratorIDLegacy: 'bacalhau.org/requester.id',
  OrchestratorID: 'bacalhau.org/orchestrator.id',
  OrchestratorProtocol: 'bacalhau.org/orchestrator.protocol',
  ServerInstallationID: 'bacalhau.org/server.installation.id',
  ServerInstanceID: 'bacalhau.org/server.instance.id',
  ClientInstallationID: 'bacalhau.org/client.installation.id',
  ClientInstanceID: 'bacalhau.org/client.instance.id',
} as const;

/** Files every execution's results contain besides the ResultPaths folders. */
export const DownloadFilename = { Stdout: 'stdout', Stderr: 'stderr', ExitCode: 'exitCode' } as const;
