/** HTTP names shared by the server and the client (`pkg/publicapi/apimodels/constants.go`). Browser-safe. */

/** Go's net/http answer (400, plain text) to a plain HTTP request on a TLS port; ours answers the same. */
export const PlainHttpOnTlsAnswer = 'Client sent an HTTP request to an HTTPS server.';

export const HTTPHeader = {
  RequestID: 'X-Request-Id',
  ClientID: 'X-Bacalhau-Client-ID',
  JobID: 'X-Bacalhau-Job-ID',
  AppID: 'X-Bacalhau-App-ID',
  GitVersion: 'X-Bacalhau-Git-Version',
  GitCommit: 'X-Bacalhau-Git-Commit',
  BuildDate: 'X-Bacalhau-Build-Date',
  BuildOS: 'X-Bacalhau-Build-OS',
  Arch: 'X-Bacalhau-Arch',
  InstallationID: 'X-Bacalhau-InstallationID',
  InstanceID: 'X-Bacalhau-InstanceID',
} as const;

/** Route paths. `{id}` is a job name, job ID or unique ID prefix; for nodes a node ID or unique prefix. */
export const ApiPath = {
  jobs: '/api/v1/orchestrator/jobs',
  jobsDiff: '/api/v1/orchestrator/jobs/diff',
  job: (id: string): string => `/api/v1/orchestrator/jobs/${encodeURIComponent(id)}`,
  jobRerun: (id: string): string => `/api/v1/orchestrator/jobs/${encodeURIComponent(id)}/rerun`,
  jobHistory: (id: string): string => `/api/v1/orchestrator/jobs/${encodeURIComponent(id)}/history`,
  jobExecutions: (id: string): string => `/api/v1/orchestrator/jobs/${encodeURIComponent(id)}/executions`,
  jobVersions: (id: string): string => `/api/v1/orchestrator/jobs/${encodeURIComponent(id)}/versions`,
  jobResults: (id: string): string => `/api/v1/orchestrator/jobs/${encodeURIComponent(id)}/results`,
  jobLogs: (id: string): string => `/api/v1/orchestrator/jobs/${encodeURIComponent(id)}/logs`,
  nodes: '/api/v1/orchestrator/nodes',
  node: (id: string): string => `/api/v1/orchestrator/nodes/${encodeURIComponent(id)}`,
  agentAlive: '/api/v1/agent/alive',
  agentVersion: '/api/v1/agent/version',
  agentNode: '/api/v1/agent/node',
  agentConfig: '/api/v1/agent/config',
  agentDebug: '/api/v1/agent/debug',
  agentAuthConfig: '/api/v1/agent/authconfig',
  /** The authentication methods, and one of them by name (a key of `API.Auth.Methods`). */
  auth: '/api/v1/auth',
  authMethod: (name: string): string => `/api/v1/auth/${encodeURIComponent(name)}`,
  /** The OpenAPI 3 document generated from the route schemas (bacalhau-ts; Go ships a static swagger.json). */
  openapi: '/api/v1/openapi.json',
} as const;

/** `PUT /nodes/{id}` actions (`apimodels.NodeAction`). */
export const NodeAction = { Approve: 'approve', Reject: 'reject', Delete: 'delete' } as const;
export type NodeAction = (typeof NodeAction)[keyof typeof NodeAction];
export const nodeActions: readonly NodeAction[] = Object.values(NodeAction);

/** `GET /jobs/{id}/history?event_type=`. */
export const HistoryEventType = { All: 'all', Job: 'job', Execution: 'execution' } as const;
export type HistoryEventType = (typeof HistoryEventType)[keyof typeof HistoryEventType];

/** `order_by` values `GET /jobs` accepts ('' = created_at). */
export const jobOrderByValues = ['', 'created_at', 'modified_at', 'id'] as const;
export type JobOrderBy = (typeof jobOrderByValues)[number];
/** `order_by` values `GET /jobs/{id}/executions` accepts ('' = created_at). */
export const executionOrderByValues = [
  '',
  'created_at',
  'create_time',
  'modified_at',
  'modify_time',
] as const;
export type ExecutionOrderBy = (typeof executionOrderByValues)[number];
/** `order_by` values `GET /nodes` accepts ('' = id); the capacities sort largest first. */
export const nodeOrderByValues = [
  '',
  'id',
  'type',
  'available_cpu',
  'available_memory',
  'available_disk',
  'available_gpu',
  'approval',
  'status',
] as const;
export type NodeOrderBy = (typeof nodeOrderByValues)[number];
