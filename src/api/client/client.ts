/**
 * The typed REST client of the HTTP API v1 (Bacalhau's `pkg/publicapi/client/v2`), for the CLI and the
 * web UI. Browser-safe. Every method returns the decoded wire model (PascalCase, enums as in the models)
 * and throws a BacalhauError built from the server's error body (see transport.ts).
 *
 * ```ts
 * const client = new BacalhauClient({ baseUrl: 'http://127.0.0.1:1234' });
 * const { JobID } = await client.jobs.put({ job: spec });
 * for (let token = ''; ; ) {
 *   const page = await client.jobs.history({ idOrName: JobID, nextToken: token });
 *   …
 *   if (page.NextToken === '') break; // the job is terminal and every entry was read
 *   token = page.NextToken;
 * }
 * ```
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { isPlainObject, type StructSchema } from '../../models/codec.js';
import type { ExecutionLog, ExecutionLogType } from '../../models/execution.js';
import type { Job } from '../../models/job.js';
import { ApiPath, type HistoryEventType, type JobOrderBy, type NodeAction } from '../apimodels/constants.js';
import {
  diffJobResponseSchema,
  getAgentNodeResponseSchema,
  getJobResponseSchema,
  getNodeResponseSchema,
  getVersionResponseSchema,
  isAliveResponseSchema,
  listJobExecutionsResponseSchema,
  listJobHistoryResponseSchema,
  listJobResultsResponseSchema,
  listJobsResponseSchema,
  listJobVersionsResponseSchema,
  listNodesResponseSchema,
  putJobResponseSchema,
  putNodeResponseSchema,
  rerunJobResponseSchema,
  stopJobResponseSchema,
  type DiffJobResponse,
  type GetAgentConfigResponse,
  type GetAgentDebugResponse,
  type GetAgentNodeAuthConfigResponse,
  type GetAgentNodeResponse,
  type GetJobResponse,
  type GetNodeResponse,
  type GetVersionResponse,
  type IsAliveResponse,
  type ListJobExecutionsResponse,
  type ListJobHistoryResponse,
  type ListJobResultsResponse,
  type ListJobsResponse,
  type ListJobVersionsResponse,
  type ListNodesResponse,
  type PutJobResponse,
  type PutNodeResponse,
  type RerunJobResponse,
  type StopJobResponse,
} from '../apimodels/wire.js';
import { AuthApi } from './auth.js';
import { unexpectedCloseError } from './log-close.js';
import {
  ClientComponent,
  HttpTransport,
  isRefusal,
  type CallOptions,
  type ClientOptions,
} from './transport.js';

// ---------------------------------------------------------------------------------------------------
// Requests

export interface PutJobRequest {
  /** A Job, or a spec as plain data (keys are matched case-insensitively by the server). */
  job: Job | Record<string, unknown>;
  /** Submit even when identical to the existing job of the same name. */
  force?: boolean;
}
export interface DiffJobRequest {
  job: Job | Record<string, unknown>;
}
/** `idOrName`: a job name, full job ID or unique job ID prefix. */
export interface JobRef {
  idOrName: string;
  namespace?: string;
}
export interface GetJobRequest extends JobRef {
  include?: readonly ('history' | 'executions')[];
  /** 0 / absent: the current version. */
  jobVersion?: number;
  /**
   * A blocking read (bacalhau-ts servers): answered once the job's Revision is above this, or after
   * `wait`. A Bacalhau server answers at once: check the Revision of what comes back.
   */
  afterRevision?: number;
  /** How long a blocking read may wait, a duration such as "10s" (the server caps it at 25 s). */
  wait?: string;
}
export interface ListJobsRequest {
  /** '' / absent: every namespace (or the client's default); '*': every namespace. */
  namespace?: string;
  limit?: number;
  nextToken?: string;
  orderBy?: JobOrderBy;
  reverse?: boolean;
  /** k8s label selectors, ANDed. */
  labels?: readonly string[];
}
export interface ListJobHistoryRequest extends JobRef {
  limit?: number;
  nextToken?: string;
  /** Unix seconds. */
  since?: number;
  eventType?: HistoryEventType;
  /** Execution ID prefix. */
  executionID?: string;
  jobVersion?: number;
  allJobVersions?: boolean;
}
export interface ListJobExecutionsRequest extends JobRef {
  limit?: number;
  orderBy?: '' | 'created_at' | 'create_time' | 'modified_at' | 'modify_time';
  reverse?: boolean;
  jobVersion?: number;
  allJobVersions?: boolean;
}
export interface StopJobRequest extends JobRef {
  reason?: string;
}
export interface RerunJobRequest extends JobRef {
  /** The version whose spec runs again; 0 / absent = the current one. */
  jobVersion?: number;
  reason?: string;
}
export interface GetLogsRequest extends JobRef {
  executionID?: string;
  tail?: boolean;
  follow?: boolean;
  jobVersion?: number;
  allJobVersions?: boolean;
}
export interface ListNodesRequest {
  limit?: number;
  orderBy?: string;
  reverse?: boolean;
  /** PENDING, APPROVED or REJECTED. */
  filterApproval?: string;
  /** CONNECTED or DISCONNECTED. */
  filterStatus?: string;
  labels?: readonly string[];
}
export interface PutNodeRequest {
  /** Node ID or unique prefix. */
  nodeID: string;
  action: NodeAction;
  message?: string;
}

// ---------------------------------------------------------------------------------------------------

const orNull = <T>(v: T[] | null | undefined): T[] | null => v ?? null;
const orEmpty = <T>(v: T[] | null | undefined): T[] => v ?? [];

export class AgentApi {
  constructor(private readonly http: HttpTransport) {}

  alive(options: CallOptions = {}): Promise<IsAliveResponse> {
    return this.http.request('GET', this.http.url(ApiPath.agentAlive), {
      ...options,
      schema: isAliveResponseSchema,
    });
  }

  version(options: CallOptions = {}): Promise<GetVersionResponse> {
    return this.http.request('GET', this.http.url(ApiPath.agentVersion), {
      ...options,
      schema: getVersionResponseSchema,
    });
  }

  node(options: CallOptions = {}): Promise<GetAgentNodeResponse> {
    return this.http.request('GET', this.http.url(ApiPath.agentNode), {
      ...options,
      schema: getAgentNodeResponseSchema,
    });
  }

  /** The node's configuration as JSON (Bacalhau's field order), secrets shown as `********`. */
  async config(options: CallOptions = {}): Promise<GetAgentConfigResponse> {
    const raw = await this.http.request<unknown>('GET', this.http.url(ApiPath.agentConfig), options);
    if (!isPlainObject(raw) || !isPlainObject(raw['config'])) throw invalidResponse('GetAgentConfigResponse');
    return { config: raw['config'] };
  }

  async debug(options: CallOptions = {}): Promise<GetAgentDebugResponse> {
    const raw = await this.http.request<unknown>('GET', this.http.url(ApiPath.agentDebug), options);
    if (!isPlainObject(raw)) throw invalidResponse('debug info');
    return raw;
  }

  async authConfig(options: CallOptions = {}): Promise<GetAgentNodeAuthConfigResponse> {
    const raw = await this.http.request<unknown>('GET', this.http.url(ApiPath.agentAuthConfig), options);
    if (!isPlainObject(raw) || typeof raw['Version'] !== 'string')
      throw invalidResponse('GetAgentNodeAuthConfigResponse');
    return { Version: raw['Version'], Config: isPlainObject(raw['Config']) ? raw['Config'] : {} };
  }
}

export class JobsApi {
  constructor(private readonly http: HttpTransport) {}

  /** Submits a job: created, or a new version of the job with the same name. */
  async put(request: PutJobRequest, options: CallOptions = {}): Promise<PutJobResponse> {
    const res = await this.http.request<PutJobResponse>('PUT', this.http.url(ApiPath.jobs), {
      ...options,
      body: { Job: request.job, Force: request.force ?? false },
      schema: putJobResponseSchema,
    });
    return { ...res, Warnings: orNull(res.Warnings) };
  }

  async diff(request: DiffJobRequest, options: CallOptions = {}): Promise<DiffJobResponse> {
    const res = await this.http.request<DiffJobResponse>('PUT', this.http.url(ApiPath.jobsDiff), {
      ...options,
      body: { Job: request.job },
      schema: diffJobResponseSchema,
    });
    return { ...res, Warnings: orNull(res.Warnings) };
  }

  async get(request: GetJobRequest, options: CallOptions = {}): Promise<GetJobResponse> {
    const url = this.http.url(ApiPath.job(request.idOrName), {
      namespace: request.namespace,
      include: request.include?.join(','),
      job_version: request.jobVersion,
      index: request.afterRevision,
      wait: request.wait,
    });
    const res = await this.http.request<GetJobResponse>('GET', url, {
      ...options,
      schema: getJobResponseSchema,
    });
    if (res.History !== undefined) res.History.Items = orEmpty(res.History.Items);
    if (res.Executions !== undefined) res.Executions.Items = orEmpty(res.Executions.Items);
    return res;
  }

  async list(request: ListJobsRequest = {}, options: CallOptions = {}): Promise<ListJobsResponse> {
    const url = this.http.url(ApiPath.jobs, {
      namespace: request.namespace,
      limit: request.limit,
      next_token: request.nextToken,
      order_by: request.orderBy,
      reverse: request.reverse,
      labels: request.labels,
    });
    return this.#list('GET', url, listJobsResponseSchema, options);
  }

  /** One page of the history; follow `NextToken` until it is '' (the job is terminal). */
  history(request: ListJobHistoryRequest, options: CallOptions = {}): Promise<ListJobHistoryResponse> {
    const url = this.http.url(ApiPath.jobHistory(request.idOrName), {
      namespace: request.namespace,
      limit: request.limit,
      next_token: request.nextToken,
      since: request.since,
      event_type: request.eventType,
      execution_id: request.executionID,
      job_version: request.jobVersion,
      all_job_versions: request.allJobVersions,
    });
    return this.#list('GET', url, listJobHistoryResponseSchema, options);
  }

  executions(
    request: ListJobExecutionsRequest,
    options: CallOptions = {},
  ): Promise<ListJobExecutionsResponse> {
    const url = this.http.url(ApiPath.jobExecutions(request.idOrName), {
      namespace: request.namespace,
      limit: request.limit,
      order_by: request.orderBy,
      reverse: request.reverse,
      job_version: request.jobVersion,
      all_job_versions: request.allJobVersions,
    });
    return this.#list('GET', url, listJobExecutionsResponseSchema, options);
  }

  versions(request: JobRef, options: CallOptions = {}): Promise<ListJobVersionsResponse> {
    const url = this.http.url(ApiPath.jobVersions(request.idOrName), { namespace: request.namespace });
    return this.#list('GET', url, listJobVersionsResponseSchema, options);
  }

  results(request: JobRef, options: CallOptions = {}): Promise<ListJobResultsResponse> {
    const url = this.http.url(ApiPath.jobResults(request.idOrName), { namespace: request.namespace });
    return this.#list('GET', url, listJobResultsResponseSchema, options);
  }

  stop(request: StopJobRequest, options: CallOptions = {}): Promise<StopJobResponse> {
    const namespace = request.namespace ?? this.http.namespace;
    return this.http.request('DELETE', this.http.url(ApiPath.job(request.idOrName), { namespace }), {
      ...options,
      body: { Namespace: namespace, reason: request.reason ?? '' },
      schema: stopJobResponseSchema,
    });
  }

  async rerun(request: RerunJobRequest, options: CallOptions = {}): Promise<RerunJobResponse> {
    const namespace = request.namespace ?? this.http.namespace;
    const res = await this.http.request<RerunJobResponse>(
      'PUT',
      this.http.url(ApiPath.jobRerun(request.idOrName), { namespace }),
      {
        ...options,
        body: { Namespace: namespace, JobVersion: request.jobVersion ?? 0, Reason: request.reason ?? '' },
        schema: rerunJobResponseSchema,
      },
    );
    return { ...res, Warnings: orNull(res.Warnings) };
  }

  /**
   * Streams an execution's log lines over WebSocket. The iteration ends when the server closes the
   * stream normally (1000); an error frame, or any other close (the node died or stopped, see
   * log-close.ts), is thrown as a BacalhauError; aborting `signal` (or leaving the loop) closes the socket.
   */
  logs(request: GetLogsRequest, options: CallOptions = {}): AsyncIterable<ExecutionLog> {
    const url = this.http.url(ApiPath.jobLogs(request.idOrName), {
      namespace: request.namespace,
      execution_id: request.executionID,
      tail: request.tail,
      follow: request.follow,
      job_version: request.jobVersion,
      all_job_versions: request.allJobVersions,
    });
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return renewingLogStream(this.http, url.toString(), options.signal);
  }

  async #list<T extends { Items: unknown[]; NextToken: string }>(
    method: string,
    url: URL,
    schema: () => StructSchema,
    options: CallOptions,
  ): Promise<T> {
    const res = await this.http.request<T>(method, url, { ...options, schema });
    return { ...res, Items: orEmpty(res.Items), NextToken: res.NextToken ?? '' };
  }
}

export class NodesApi {
  constructor(private readonly http: HttpTransport) {}

  get(nodeID: string, options: CallOptions = {}): Promise<GetNodeResponse> {
    return this.http.request('GET', this.http.url(ApiPath.node(nodeID)), {
      ...options,
      schema: getNodeResponseSchema,
    });
  }

  async list(request: ListNodesRequest = {}, options: CallOptions = {}): Promise<ListNodesResponse> {
    const url = this.http.url(ApiPath.nodes, {
      limit: request.limit,
      order_by: request.orderBy,
      reverse: request.reverse,
      'filter-approval': request.filterApproval,
      'filter-status': request.filterStatus,
      labels: request.labels,
    });
    url.searchParams.delete('namespace');
    const res = await this.http.request<ListNodesResponse>('GET', url, {
      ...options,
      schema: listNodesResponseSchema,
    });
    return { NextToken: res.NextToken ?? '', Nodes: orEmpty(res.Nodes) };
  }

  /** Approve, reject or delete a node (`PUT /nodes/{id}`). */
  async put(request: PutNodeRequest, options: CallOptions = {}): Promise<PutNodeResponse> {
    const url = this.http.url(ApiPath.node(request.nodeID));
    url.searchParams.delete('namespace');
    const res = await this.http.request<PutNodeResponse>('PUT', url, {
      ...options,
      body: { Action: request.action, Message: request.message ?? '', NodeID: request.nodeID },
      schema: putNodeResponseSchema,
    });
    return res.Error === undefined || res.Error === '' ? { Success: res.Success } : res;
  }

  approve(nodeID: string, options: CallOptions & { message?: string } = {}): Promise<PutNodeResponse> {
    return this.put(
      { nodeID, action: 'approve', ...(options.message === undefined ? {} : { message: options.message }) },
      options,
    );
  }

  reject(nodeID: string, options: CallOptions & { message?: string } = {}): Promise<PutNodeResponse> {
    return this.put(
      { nodeID, action: 'reject', ...(options.message === undefined ? {} : { message: options.message }) },
      options,
    );
  }

  delete(nodeID: string, options: CallOptions & { message?: string } = {}): Promise<PutNodeResponse> {
    return this.put(
      { nodeID, action: 'delete', ...(options.message === undefined ? {} : { message: options.message }) },
      options,
    );
  }
}

export class BacalhauClient {
  readonly agent: AgentApi;
  readonly jobs: JobsApi;
  readonly nodes: NodesApi;
  readonly auth: AuthApi;
  readonly #http: HttpTransport;

  constructor(options: ClientOptions) {
    this.#http = new HttpTransport(options);
    this.agent = new AgentApi(this.#http);
    this.jobs = new JobsApi(this.#http);
    this.nodes = new NodesApi(this.#http);
    this.auth = new AuthApi(this.#http);
  }

  /** The API's base URL. */
  get baseUrl(): string {
    return this.#http.baseUrl.toString();
  }
}

function invalidResponse(what: string): BacalhauError {
  return new BacalhauError(`invalid response from server (${what})`, {
    code: ErrorCode.InternalError,
    component: ClientComponent,
  });
}

// ---------------------------------------------------------------------------------------------------
// The log stream

type Pending = { resolve: (r: IteratorResult<ExecutionLog>) => void; reject: (e: unknown) => void };

/**
 * {@link logStream}, opened once more when the node refuses the first (401) and the client has another
 * `Authorization` to send (`ClientOptions.reauthenticate`), as REST requests are sent again.
 */
async function* renewingLogStream(
  http: HttpTransport,
  url: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<ExecutionLog> {
  const sent = http.authorization;
  const open = (): AsyncIterable<ExecutionLog> => ({
    [Symbol.asyncIterator]: () => logStream(http, url, signal),
  });
  let received = false;
  try {
    for await (const line of open()) {
      received = true;
      yield line;
    }
    return;
  } catch (err) {
    if (received || !isRefusal(err) || !(await http.renewAuthorization(sent))) throw err;
  }
  yield* open();
}

/**
 * Characters of lines received and not yet read past which a log stream stops reading from its
 * connection, and below which it reads again.
 */
const QueuedCharsHighWater = 1024 * 1024;
const QueuedCharsLowWater = 256 * 1024;

function logStream(
  http: HttpTransport,
  url: string,
  signal: AbortSignal | undefined,
): AsyncIterator<ExecutionLog> {
  const queue: ExecutionLog[] = [];
  let failure: BacalhauError | undefined;
  let done = false;
  let opened = false;
  let waiter: Pending | undefined;

  // A reader slower than the server (output to a slow pipe) stops reading from the connection while
  // much waits here, where the socket can (Node), so that TCP slows the server down instead of a large
  // log piling up in this process.
  let paused = false;
  let queuedChars = 0;
  const settle = (): void => {
    if (waiter === undefined) return;
    const w = waiter;
    const next = queue.shift();
    queuedChars -= next?.Line.length ?? 0;
    if (paused && queuedChars <= QueuedCharsLowWater) {
      paused = false;
      socket.resume?.();
    }
    if (next !== undefined) {
      waiter = undefined;
      w.resolve({ value: next, done: false });
    } else if (failure !== undefined) {
      waiter = undefined;
      const err = failure;
      failure = undefined;
      done = true;
      w.reject(err);
    } else if (done) {
      waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  };

  let socket: ReturnType<HttpTransport['webSocket']>;
  try {
    socket = http.webSocket(url);
  } catch (err) {
    failure =
      err instanceof BacalhauError ? err : new BacalhauError(String(err), { component: ClientComponent });
    done = true;
    return iterator();
  }
  const close = (): void => {
    done = true;
    try {
      if (paused) socket.resume?.(); // to read the server's answer to the close
      socket.close(1000);
    } catch {
      // already closed
    }
    settle();
  };
  const onAbort = (): void => close();
  signal?.addEventListener('abort', onAbort, { once: true });

  socket.onopen = () => {
    opened = true;
  };
  socket.onmessage = (event: { data: unknown }) => {
    if (done) return;
    const frame = parseFrame(event.data);
    if (frame === undefined) {
      failure = invalidResponse('log frame');
      close();
      return;
    }
    if (frame.error !== undefined) {
      failure = new BacalhauError(frame.error, {
        code: ErrorCode.UnknownError,
        component: 'LogStream',
        hint: frame.hint ?? '',
      });
      close();
      return;
    }
    queue.push(frame.value);
    queuedChars += frame.value.Line.length;
    if (!paused && queuedChars >= QueuedCharsHighWater && socket.pause !== undefined) {
      paused = true;
      socket.pause();
    }
    settle();
  };
  socket.onerror = (event: { error?: unknown }) => {
    if (done) return;
    // before the socket opened, a failure is the connection's: the server was not reached
    failure =
      (event.error instanceof BacalhauError ? event.error : http.explainFailure(event.error, new URL(url))) ??
      (opened
        ? new BacalhauError('the log stream broke off', {
            code: ErrorCode.ServiceUnavailable,
            component: ClientComponent,
          })
        : http.unreachableError('GET', new URL(url), event.error));
    done = true;
    settle();
  };
  socket.onclose = (event: { code?: number; reason?: string }) => {
    signal?.removeEventListener('abort', onAbort);
    // Not closed by this side, nor after an error frame: only a normal closure is the stream's end.
    if (!done) failure = unexpectedCloseError(event.code ?? 1006, event.reason ?? '');
    done = true;
    settle();
  };

  function iterator(): AsyncIterator<ExecutionLog> {
    return {
      next() {
        return new Promise<IteratorResult<ExecutionLog>>((resolve, reject) => {
          waiter = { resolve, reject };
          settle();
        });
      },
      return() {
        if (!done) close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
  return iterator();
}

function parseFrame(data: unknown): { error?: string; hint?: string; value: ExecutionLog } | undefined {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
    text = new TextDecoder().decode(data as ArrayBuffer);
  else return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(raw)) return undefined;
  const value = isPlainObject(raw['value']) ? raw['value'] : {};
  const error = typeof raw['error'] === 'string' && raw['error'] !== '' ? raw['error'] : undefined;
  const hint = typeof raw['hint'] === 'string' && raw['hint'] !== '' ? raw['hint'] : undefined;
  return {
    ...(error === undefined ? {} : { error }),
    ...(hint === undefined ? {} : { hint }),
    value: {
      Type: (typeof value['Type'] === 'number' ? value['Type'] : 0) as ExecutionLogType,
      Line: typeof value['Line'] === 'string' ? value['Line'] : '',
    },
  };
}
