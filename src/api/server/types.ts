/**
 * What the API server needs from the rest of the node, as narrow interfaces. The API layer may not import
 * the store, the transport or the node (layer rule), so the composition root (`src/node`) passes objects
 * that satisfy these. `SqliteJobStore` satisfies {@link ApiJobReader} as it is (the method names,
 * parameters and results are a subset of `JobStore`'s); `NodeManager` satisfies {@link ApiNodeService};
 * `JobEndpoint` satisfies {@link ApiJobCommands}.
 *
 * Errors: implementations throw `BacalhauError`s; the server maps their code to the HTTP status
 * (`apiErrorBody`). Anything else becomes a 500 `Internal server error` without details.
 */
import type { BacalhauConfig } from '../../config/index.js';
import type { DebugInfoProvider } from '../../models/debug.js';
import type { Execution, ExecutionLog } from '../../models/execution.js';
import type { Job } from '../../models/job.js';
import type { JobHistory } from '../../models/job-history.js';
import type { NodeInfo, NodeState } from '../../models/node.js';
import type { SpecConfig } from '../../models/spec-config.js';
import type { BuildVersionInfo } from '../../models/version.js';
import type { JobEndpoint } from '../../orchestrator/endpoint/index.js';
import type { JobOrderBy } from '../apimodels/constants.js';

// ---------------------------------------------------------------------------------------------------
// Reads of jobs, executions and history

/** `GET /jobs` query, after the API resolved paging tokens and label selectors. */
export interface ApiJobListQuery {
  /** `undefined`, '' and '*' mean every namespace. */
  namespace?: string;
  /** A predicate on each job's labels, applied after ordering and before paging (see JobQuery). */
  labels?: (labels: Readonly<Record<string, string>>) => boolean;
  orderBy?: JobOrderBy;
  reverse?: boolean;
  /** 0 or absent: every remaining job. */
  limit?: number;
  offset?: number;
  /** Only the jobs held when the listing's first page was read (its page's `addedUpTo`; see JobQuery). */
  addedUpTo?: number;
  /** Aborted when the client has gone: a long listing stops (see JobQuery). */
  signal?: AbortSignal;
}

export interface ApiJobListPage {
  items: Job[];
  /** Absent when this page is the last one. */
  nextOffset?: number;
  /** With `nextOffset`: the `addedUpTo` to read the next page with. */
  addedUpTo?: number;
}

export interface ApiExecutionListQuery {
  jobID: string;
  /** Only executions of this version; 0 / absent with `allJobVersions` false: the latest version. */
  jobVersion?: number;
  allJobVersions?: boolean;
  orderBy?: '' | 'created_at' | 'create_time' | 'modified_at' | 'modify_time';
  reverse?: boolean;
  /** 0 or absent: no limit. */
  limit?: number;
}

export interface ApiJobHistoryQuery {
  /** Only entries of this version; without it (and without `allJobVersions`) the latest version's. */
  jobVersion?: number;
  allJobVersions?: boolean;
  /** Unix seconds: earlier entries are skipped. */
  since?: number;
  excludeJobLevel?: boolean;
  excludeExecutionLevel?: boolean;
  /** Prefix of the execution ID of execution-level entries. */
  executionID?: string;
  /** Page size; absent = 100. */
  limit?: number;
  /** The first `SeqNum` to consider (a previous page's `next`). */
  offset?: number;
}

export interface ApiJobHistoryPage {
  items: JobHistory[];
  /**
   * Present while the history can still grow: more entries are stored after this page, or the job (the
   * execution, when filtering by execution) is not terminal. The API turns it into `NextToken`.
   */
  next?: number;
}

/** What the API needs to know of a committed change: which job it changed, if any. */
export interface ApiJobChange {
  readonly type: string;
  readonly job?: { readonly ID: string };
  /** Of `ExecutionCreated` / `ExecutionUpdated`: the execution as committed. */
  readonly execution?: Pick<Execution, 'ID' | 'ComputeState'>;
  /** Of `NodeUpdated` / `NodeDeleted`: the node as committed. */
  readonly node?: Pick<NodeState, 'Info' | 'ConnectionState'>;
}

/** The store's change feed (`JobStore.onChange` satisfies it): listeners hear of every commit. */
export interface ApiJobChangeFeed {
  onChange(listener: (changes: readonly ApiJobChange[]) => void): () => void;
}

/**
 * The reads the routes make. Every method rejects with a `BacalhauError`: NotFound for an unknown job or
 * version, MultipleJobsFound for an ambiguous ID prefix, BadRequest for a query the store refuses.
 */
export interface ApiJobReader extends ApiJobChangeFeed {
  /** By name in `namespace` ('' = default) first, then by full ID or unique ID prefix. */
  getJobByIDOrName(idOrName: string, namespace: string): Promise<Job>;
  getJobVersion(jobID: string, version: number): Promise<Job>;
  /** Oldest first; the last one is the current job. */
  getJobVersions(jobID: string): Promise<Job[]>;
  listJobs(query: ApiJobListQuery): Promise<ApiJobListPage>;
  /** `Execution.Job` is not wanted (the API never asks for it). */
  listExecutions(query: ApiExecutionListQuery): Promise<Execution[]>;
  getJobHistory(jobID: string, query: ApiJobHistoryQuery): Promise<ApiJobHistoryPage>;
}

// ---------------------------------------------------------------------------------------------------
// Writes of jobs: the orchestrator's endpoint

/** Submit, diff, stop and rerun (see `src/orchestrator/endpoint`); responses are the wire bodies. */
export type ApiJobCommands = Pick<JobEndpoint, 'submitJob' | 'diffJob' | 'stopJob' | 'rerunJob'>;

// ---------------------------------------------------------------------------------------------------
// Nodes

/** The node manager's reads and actions. IDs are full IDs or unique prefixes. */
export interface ApiNodeService {
  /** NotFound `node not found: %s`; MultipleNodesFound. */
  get(idOrPrefix: string): Promise<NodeState>;
  list(filter?: (node: NodeState) => boolean): Promise<NodeState[]>;
  /** ConflictNodeState `node %s already approved`. */
  approveNode(idOrPrefix: string): Promise<void>;
  rejectNode(idOrPrefix: string): Promise<void>;
  deleteNode(idOrPrefix: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Logs and results: supplied by the compute side and the publishers once they exist

/** What the orchestrator asks a compute node for (Go's `messages.ExecutionLogsRequest`). */
export interface ExecutionLogsRequest {
  ExecutionID: string;
  NodeID: string;
  Tail: boolean;
  Follow: boolean;
}

/** One item of a log stream: a line, or the error that ended the stream. */
export type ExecutionLogResult =
  { value: ExecutionLog; error?: undefined } | { error: Error; value?: undefined };

/**
 * Streams an execution's logs from the node that ran it. The stream ends when the execution's output
 * ends (or at once without `Follow`); aborting `signal` (the client went away) must end it.
 */
export interface ApiLogSource {
  streamLogs(
    request: ExecutionLogsRequest,
    options: { signal: AbortSignal },
  ): AsyncIterable<ExecutionLogResult>;
}

/**
 * Rewrites a published result before it is returned (Bacalhau's result transformers: S3 results become
 * pre-signed `s3PreSigned` URLs). A result whose `Type` ends up empty is dropped.
 */
export type ApiResultTransformer = (
  result: SpecConfig,
  options: { signal: AbortSignal },
) => Promise<SpecConfig>;

// ---------------------------------------------------------------------------------------------------
// Agent

export interface ApiAgentDeps {
  /** This node's NodeInfo (`GET /agent/node`). */
  nodeInfo(): Promise<NodeInfo> | NodeInfo;
  /**
   * The node's configuration: served by `GET /agent/config` (secrets redacted) and `/agent/authconfig`;
   * `API.Auth` chooses the authorizer and the authentication methods; the challenge method signs tokens
   * with `<DataDir>/user_id.pem` (created when first needed, as Go does).
   */
  config: BacalhauConfig;
  /** Default: this build's (`src/lib/build-info.ts`). */
  buildInfo?: BuildVersionInfo;
  /** `GET /agent/debug`; a provider that fails is left out, as in Go. */
  debugInfoProviders?: readonly DebugInfoProvider[];
}

/** Everything the server serves from. Only `agent` is needed for a compute-only node (no orchestrator). */
export interface ApiServerDeps {
  agent: ApiAgentDeps;
  /** The orchestrator's parts; without them the orchestrator routes answer 404 like a compute-only node. */
  orchestrator?: {
    jobs: ApiJobReader;
    endpoint: ApiJobCommands;
    nodes: ApiNodeService;
    /** Absent until the compute-side log stream exists: the logs route then sends an error frame. */
    logs?: ApiLogSource;
    /** Absent: published results are returned as the compute node reported them. */
    resultTransformer?: ApiResultTransformer;
  };
}
