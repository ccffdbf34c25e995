/**
 * The request and response bodies of the HTTP API v1 (`pkg/publicapi/apimodels`), as TypeScript types and
 * as codec schemas. The server encodes every response through these schemas (Go's field order, omitempty)
 * and decodes request bodies with them (case-insensitive keys, type errors naming the field); the client
 * decodes responses with them. Browser-safe.
 *
 * Field order follows Go's struct embedding: list responses embed `BaseListResponse` first, so
 * `NextToken` precedes `Items`; requests embed `BasePutRequest` (`Namespace`, `IdempotencyToken`, which Go's
 * JSON binding also reads from the body).
 */
import {
  any,
  arrayOf,
  bool,
  int,
  mapOf,
  sharedSchema,
  string,
  struct,
  uint,
  type FieldSpec,
  type StructSchema,
} from '../../models/codec.js';
import type { Execution, ExecutionLogType } from '../../models/execution.js';
import type { Job } from '../../models/job.js';
import type { JobHistory } from '../../models/job-history.js';
import type { NodeInfo, NodeState } from '../../models/node.js';
import {
  buildVersionInfoSchema,
  executionSchema,
  jobHistorySchema,
  jobSchema,
  nodeInfoSchema,
  nodeStateSchema,
  specConfigSchema,
} from '../../models/schemas.js';
import type { SpecConfig } from '../../models/spec-config.js';
import type { BuildVersionInfo } from '../../models/version.js';

// ---------------------------------------------------------------------------------------------------
// Request bodies

const basePutFields: readonly FieldSpec[] = [
  { name: 'Namespace', kind: string },
  { name: 'IdempotencyToken', kind: string },
];

/** `PUT|POST /jobs`. `Job` is decoded by the job-spec decoder, so here it is free-form. */
export interface PutJobRequestBody {
  Namespace?: string;
  Job?: unknown;
  Force?: boolean;
}
export const putJobRequestSchema = sharedSchema((): StructSchema => ({
  name: 'PutJobRequest',
  fields: [...basePutFields, { name: 'Job', kind: any }, { name: 'Force', kind: bool }],
}));

/** `PUT /jobs/diff`. */
export interface DiffJobRequestBody {
  Job?: unknown;
}
export const diffJobRequestSchema = sharedSchema((): StructSchema => ({
  name: 'DiffJobRequest',
  fields: [...basePutFields, { name: 'Job', kind: any }],
}));

/** `DELETE /jobs/{id}`: the JSON key is lower-case `reason`. */
export interface StopJobRequestBody {
  Namespace?: string;
  reason?: string;
}
export const stopJobRequestSchema = sharedSchema((): StructSchema => ({
  name: 'StopJobRequest',
  fields: [...basePutFields, { name: 'reason', kind: string }],
}));

/** `PUT /jobs/{id}/rerun`. */
export interface RerunJobRequestBody {
  Namespace?: string;
  JobVersion?: number;
  Reason?: string;
}
export const rerunJobRequestSchema = sharedSchema((): StructSchema => ({
  name: 'RerunJobRequest',
  fields: [...basePutFields, { name: 'JobVersion', kind: uint }, { name: 'Reason', kind: string }],
}));

/** `PUT /nodes/{id}`: the node is the one in the path; `NodeID` and `Message` are informational. */
export interface PutNodeRequestBody {
  Action: string;
  Message?: string;
  NodeID?: string;
}
export const putNodeRequestSchema = sharedSchema((): StructSchema => ({
  name: 'PutNodeRequest',
  fields: [
    ...basePutFields,
    { name: 'Action', kind: string },
    { name: 'Message', kind: string },
    { name: 'NodeID', kind: string },
  ],
}));

// ---------------------------------------------------------------------------------------------------
// Responses

export interface PutJobResponse {
  JobID: string;
  EvaluationID: string;
  Warnings: string[] | null;
}
export const putJobResponseSchema = sharedSchema((): StructSchema => ({
  name: 'PutJobResponse',
  fields: [
    { name: 'JobID', kind: string },
    { name: 'EvaluationID', kind: string },
    { name: 'Warnings', kind: arrayOf(string) },
  ],
}));

export interface DiffJobResponse {
  Diff: string;
  Warnings: string[] | null;
}
export const diffJobResponseSchema = sharedSchema((): StructSchema => ({
  name: 'DiffJobResponse',
  fields: [
    { name: 'Diff', kind: string },
    { name: 'Warnings', kind: arrayOf(string) },
  ],
}));

export interface ListResponse<T> {
  NextToken: string;
  Items: T[];
}
export type ListJobsResponse = ListResponse<Job>;
export type ListJobHistoryResponse = ListResponse<JobHistory>;
export type ListJobExecutionsResponse = ListResponse<Execution>;
export type ListJobVersionsResponse = ListResponse<Job>;
export type ListJobResultsResponse = ListResponse<SpecConfig>;

function listSchema(name: string, item: () => StructSchema): () => StructSchema {
  return sharedSchema(() => ({
    name,
    fields: [
      { name: 'NextToken', kind: string },
      { name: 'Items', kind: arrayOf(struct(item)) },
    ],
  }));
}
export const listJobsResponseSchema = listSchema('ListJobsResponse', jobSchema);
export const listJobHistoryResponseSchema = listSchema('ListJobHistoryResponse', jobHistorySchema);
export const listJobExecutionsResponseSchema = listSchema('ListJobExecutionsResponse', executionSchema);
export const listJobVersionsResponseSchema = listSchema('ListJobVersionsResponse', jobSchema);
export const listJobResultsResponseSchema = listSchema('ListJobResultsResponse', specConfigSchema);

export interface GetJobResponse {
  Job: Job;
  /** Present with `include=history`: every entry of the job's (requested) version; NextToken ''. */
  History?: ListJobHistoryResponse;
  /** Present with `include=executions`: the executions of the job's (requested) version; NextToken ''. */
  Executions?: ListJobExecutionsResponse;
}
export const getJobResponseSchema = sharedSchema((): StructSchema => ({
  name: 'GetJobResponse',
  fields: [
    { name: 'Job', kind: struct(jobSchema) },
    { name: 'History', kind: struct(listJobHistoryResponseSchema), omitEmpty: true },
    { name: 'Executions', kind: struct(listJobExecutionsResponseSchema), omitEmpty: true },
  ],
}));

export interface StopJobResponse {
  /** '' when the job was already stopped. */
  EvaluationID: string;
}
export const stopJobResponseSchema = sharedSchema((): StructSchema => ({
  name: 'StopJobResponse',
  fields: [{ name: 'EvaluationID', kind: string }],
}));

export interface RerunJobResponse {
  EvaluationID: string;
  JobID: string;
  JobVersion: number;
  Warnings: string[] | null;
}
export const rerunJobResponseSchema = sharedSchema((): StructSchema => ({
  name: 'RerunJobResponse',
  fields: [
    { name: 'EvaluationID', kind: string },
    { name: 'JobID', kind: string },
    { name: 'JobVersion', kind: uint },
    { name: 'Warnings', kind: arrayOf(string) },
  ],
}));

export interface GetNodeResponse {
  Node: NodeState;
}
export const getNodeResponseSchema = sharedSchema((): StructSchema => ({
  name: 'GetNodeResponse',
  fields: [{ name: 'Node', kind: struct(nodeStateSchema) }],
}));

export interface ListNodesResponse {
  /** Always '' (Go truncates at `limit` without a token). */
  NextToken: string;
  Nodes: NodeState[];
}
export const listNodesResponseSchema = sharedSchema((): StructSchema => ({
  name: 'ListNodesResponse',
  fields: [
    { name: 'NextToken', kind: string },
    { name: 'Nodes', kind: arrayOf(struct(nodeStateSchema)) },
  ],
}));

export interface PutNodeResponse {
  Success: boolean;
  Error?: string;
}
export const putNodeResponseSchema = sharedSchema((): StructSchema => ({
  name: 'PutNodeResponse',
  fields: [
    { name: 'Success', kind: bool },
    { name: 'Error', kind: string, omitEmpty: true },
  ],
}));

export interface IsAliveResponse {
  Status: string;
}
export const isAliveResponseSchema = sharedSchema((): StructSchema => ({
  name: 'IsAliveResponse',
  fields: [{ name: 'Status', kind: string }],
}));

/** `GET /agent/version`: the flattened BuildVersionInfo. */
export type GetVersionResponse = BuildVersionInfo;
export const getVersionResponseSchema = buildVersionInfoSchema;

/** `GET /agent/node`: the flattened NodeInfo. */
export type GetAgentNodeResponse = NodeInfo;
export const getAgentNodeResponseSchema = nodeInfoSchema;

/** `GET /agent/config`: the node's configuration, secrets replaced by `********`. */
export interface GetAgentConfigResponse {
  config: Record<string, unknown>;
}
export const getAgentConfigResponseSchema = sharedSchema((): StructSchema => ({
  name: 'GetAgentConfigResponse',
  fields: [{ name: 'config', kind: mapOf(any) }],
}));

/** `GET /agent/debug`: debug information by component. */
export type GetAgentDebugResponse = Record<string, unknown>;

/** `GET /agent/authconfig`. */
export interface GetAgentNodeAuthConfigResponse {
  Version: string;
  Config: Record<string, unknown>;
}
export const getAgentNodeAuthConfigResponseSchema = sharedSchema((): StructSchema => ({
  name: 'GetAgentNodeAuthConfigResponse',
  fields: [
    { name: 'Version', kind: string },
    { name: 'Config', kind: mapOf(any) },
  ],
}));

/** The error body (`apimodels.APIError`). */
export const apiErrorSchema = sharedSchema((): StructSchema => ({
  name: 'APIError',
  fields: [
    { name: 'Status', kind: int },
    { name: 'Message', kind: string },
    { name: 'RequestID', kind: string },
    { name: 'Code', kind: string },
    { name: 'Component', kind: string },
    { name: 'Hint', kind: string, omitEmpty: true },
    { name: 'Details', kind: mapOf(string), omitEmpty: true },
  ],
}));

/** The body of the version check's refusals (not an APIError, as in Go). */
export interface VersionCheckError {
  Error: string;
  MinVersion?: string;
  ClientVersion?: string;
  ServerVersion?: string;
}

// ---------------------------------------------------------------------------------------------------
// Log stream frames

export interface ExecutionLogWire {
  Type: ExecutionLogType | 0;
  Line: string;
}
export const executionLogSchema = sharedSchema((): StructSchema => ({
  name: 'ExecutionLog',
  fields: [
    { name: 'Type', kind: int },
    { name: 'Line', kind: string },
  ],
}));

/**
 * One WebSocket text frame of `GET /jobs/{id}/logs` (Go's `concurrency.AsyncResult[ExecutionLog]`):
 * `{"value":{"Type":1,"Line":"…"}}`, or `{"error":"…","value":{"Type":0,"Line":""}}` for an error.
 */
export interface LogFrame {
  error?: string;
  /** Not in Go: what to do about `error`, when the failure says (Go's clients ignore the field). */
  hint?: string;
  value: ExecutionLogWire;
}
export const logFrameSchema = sharedSchema((): StructSchema => ({
  name: 'AsyncResult[ExecutionLog]',
  fields: [
    { name: 'error', kind: string, omitEmpty: true },
    { name: 'hint', kind: string, omitEmpty: true },
    { name: 'value', kind: struct(executionLogSchema) },
  ],
}));
