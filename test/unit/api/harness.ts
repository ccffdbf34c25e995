/**
 * An API server over real components, for tests: an in-memory SQLite store, the job endpoint, a node
 * manager on the in-memory transport with fake compute nodes, all on one ManualClock. `withApi` always
 * cleans up, also when the test fails.
 */
import type { FastifyInstance } from 'fastify';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../../../src/api/server/index.js';
import type { ApiJobReader, ApiServerDeps } from '../../../src/api/server/types.js';
import { load, type BacalhauConfig } from '../../../src/config/index.js';
import type { ManualClock } from '../../../src/lib/clock.js';
import type { Execution, ExecutionStateType, JobStateType, SpecConfig } from '../../../src/models/index.js';
import type { BuildVersionInfo } from '../../../src/models/version.js';
import { JobEndpoint } from '../../../src/orchestrator/endpoint/index.js';
import { selfNodeInfo, withHarness, type Harness } from '../../../src/orchestrator/nodes/testing.js';
import type { SqliteJobStore } from '../../../src/store/sqlite/sqlite-store.js';
import { testExecution, type TestNodeInfoOptions } from '../../../src/transport/testing/fixtures.js';
import type { FakeComputeNode } from '../../../src/transport/testing/index.js';

export const OrchestratorID = 'n-11111111-2222-4333-8444-555555555555';

export const serverBuildInfo: BuildVersionInfo = {
  Major: '1',
  Minor: '9',
  GitVersion: 'v1.9.0',
  GitCommit: 'abc123',
  BuildDate: '2024-08-19T20:40:00Z',
  GOOS: 'linux',
  GOARCH: 'amd64',
};

/** The canonical body of reference 6.4 (`testdata/jobs/docker.yaml`). */
export function dockerJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: 'Docker Job',
    Type: 'batch',
    Count: 1,
    Tasks: [
      {
        Name: 'main',
        Engine: {
          Type: 'docker',
          Params: { Image: 'busybox:1.37.0', Entrypoint: ['/bin/sh'], Parameters: ['-c', 'echo 15'] },
        },
      },
    ],
    ...overrides,
  };
}

/** The parts of the config tests change (the loaded config is typed read-only). */
export interface TestConfig {
  DataDir: string;
  Compute: { Auth: { Token: string }; Orchestrators: string[] };
  Orchestrator: { Auth: { Token: string }; Cluster: { Peers: string[] } };
  API: {
    Auth: {
      Methods: Record<string, { Type: string; PolicyPath?: string }>;
      AccessPolicyPath: string;
      Users: {
        Alias?: string;
        Username?: string;
        Password?: string;
        APIKey?: string;
        Capabilities?: { Actions?: string[] }[];
      }[];
      Oauth2: Record<string, string>;
    };
  };
}

/** The node's config with the node tokens set (to check redaction), changed by `change`. */
export function testConfig(change: (config: TestConfig) => void = () => undefined): BacalhauConfig {
  const base = structuredClone(
    load({ env: {}, home: '/nonexistent-home', dataDir: '/nonexistent-home/.bacalhau' }),
  );
  const config = base as unknown as TestConfig;
  config.Compute.Auth.Token = 'compute-secret';
  config.Orchestrator.Auth.Token = 'orchestrator-secret';
  change(config);
  return base;
}

export interface ApiHarness {
  readonly clock: ManualClock;
  readonly store: SqliteJobStore;
  readonly harness: Harness;
  readonly endpoint: JobEndpoint;
  readonly server: ApiServer;
  readonly app: FastifyInstance;
  readonly config: BacalhauConfig;
  /** Submits through the HTTP API; returns the JobID. */
  submit(job?: Record<string, unknown>): Promise<string>;
  /** A compute node that handshakes with the node manager. */
  node(nodeId: string, info?: TestNodeInfoOptions): Promise<FakeComputeNode>;
  /** Stores an execution of the job's current version, optionally moved to `state`. */
  execution(
    jobID: string,
    options?: {
      nodeId?: string;
      state?: ExecutionStateType;
      /** The compute state's message (why a bid was refused, …). */
      message?: string;
      published?: SpecConfig;
      id?: string;
    },
  ): Promise<Execution>;
  jobState(jobID: string, state: JobStateType): Promise<void>;
}

export interface WithApiOptions {
  server?: ApiServerOptions;
  manualApproval?: boolean;
  /** Changes to the node's config (`testConfig`). */
  config?: (config: TestConfig) => void;
  deps?: (h: {
    store: SqliteJobStore;
    endpoint: JobEndpoint;
  }) => Partial<NonNullable<ApiServerDeps['orchestrator']>>;
}

/** The store as the API reads it: SqliteJobStore satisfies ApiJobReader without an adapter. */
export function storeReader(store: SqliteJobStore): ApiJobReader {
  return store;
}

export async function withApi<T>(options: WithApiOptions, fn: (api: ApiHarness) => Promise<T>): Promise<T> {
  return withHarness(
    {
      dispatcher: false,
      manager: { manualApproval: options.manualApproval ?? false, selfInfo: selfNodeInfo(OrchestratorID) },
    },
    async (harness) => {
      const { store, clock, manager } = harness;
      const endpoint = new JobEndpoint({ store, nodeID: OrchestratorID, clock });
      const config = testConfig(options.config);
      const server = await createApiServer(
        {
          agent: {
            nodeInfo: () => selfNodeInfo(OrchestratorID),
            config,
            buildInfo: serverBuildInfo,
            debugInfoProviders: [
              { getDebugInfo: () => ({ Component: 'NodeManager', Info: { nodes: 0 } }) },
              { getDebugInfo: () => ({ Component: 'ActiveJobs', Info: [] }) },
              {
                getDebugInfo: () => Promise.reject(new Error('broken provider')),
              },
            ],
          },
          orchestrator: {
            jobs: storeReader(store),
            endpoint,
            nodes: manager,
            ...options.deps?.({ store, endpoint }),
          },
        },
        options.server,
      );
      let counter = 0;
      const api: ApiHarness = {
        clock,
        store,
        harness,
        endpoint,
        server,
        app: server.app,
        config,
        async submit(job = dockerJob()) {
          const res = await server.app.inject({
            method: 'PUT',
            url: '/api/v1/orchestrator/jobs',
            payload: { Job: job },
          });
          if (res.statusCode !== 200) throw new Error(`submit failed: ${res.statusCode} ${res.body}`);
          return res.json<{ JobID: string }>().JobID;
        },
        async node(nodeId, info = {}) {
          const node = await harness.node(nodeId, { nodeInfo: info });
          await manager.flush();
          return node;
        },
        async execution(jobID, opts = {}) {
          const job = await store.getJob(jobID);
          const id = opts.id ?? `e-00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
          clock.advance(1000);
          const execution = testExecution({ id, job, nodeId: opts.nodeId ?? 'n-1' });
          delete execution.Job;
          const created = await store.createExecution({
            ...execution,
            AllocatedResources: { Tasks: {} },
            CreateTime: clock.now() * 1e6,
            ModifyTime: clock.now() * 1e6,
          });
          if (opts.state === undefined) return created;
          clock.advance(1000);
          return store.updateExecution({
            executionID: created.ID,
            newValues: {
              ComputeState:
                opts.message === undefined
                  ? { StateType: opts.state }
                  : { StateType: opts.state, Message: opts.message },
              ...(opts.state === 'Completed'
                ? { DesiredState: { StateType: 'Stopped', Message: 'execution completed' } }
                : {}),
              ...(opts.published === undefined ? {} : { PublishedResult: opts.published }),
              ModifyTime: clock.now() * 1e6,
            },
          });
        },
        async jobState(jobID, state) {
          await store.updateJobState({ jobID, newState: state });
        },
      };
      try {
        return await fn(api);
      } finally {
        await server.close();
      }
    },
  );
}

/** The JSON keys tests read from answers (a finite union, so reads are not `| undefined`). */
type Key =
  | 'ID'
  | 'Name'
  | 'Namespace'
  | 'Type'
  | 'Priority'
  | 'Count'
  | 'Constraints'
  | 'Meta'
  | 'Labels'
  | 'Tasks'
  | 'State'
  | 'Version'
  | 'Revision'
  | 'CreateTime'
  | 'ModifyTime'
  | 'Engine'
  | 'Publisher'
  | 'Env'
  | 'InputSources'
  | 'ResultPaths'
  | 'Resources'
  | 'Network'
  | 'Timeouts'
  | 'Params'
  | 'StateType'
  | 'Message'
  | 'Details'
  | 'EvalID'
  | 'NodeID'
  | 'JobID'
  | 'JobVersion'
  | 'AllocatedResources'
  | 'DesiredState'
  | 'ComputeState'
  | 'PublishedResult'
  | 'RunOutput'
  | 'PreviousExecution'
  | 'NextExecution'
  | 'FollowupEvalID'
  | 'PartitionIndex'
  | 'Stdout'
  | 'StdoutTruncated'
  | 'stderr'
  | 'StderrTruncated'
  | 'ExitCode'
  | 'ErrorMsg'
  | 'SeqNum'
  | 'ExecutionID'
  | 'Event'
  | 'Time'
  | 'JobState'
  | 'ExecutionState'
  | 'Topic'
  | 'Timestamp'
  | 'Info'
  | 'Membership'
  | 'Connection'
  | 'ConnectionState'
  | 'NodeType'
  | 'SupportedProtocols'
  | 'ComputeNodeInfo'
  | 'BacalhauVersion'
  | 'ExecutionEngines'
  | 'Publishers'
  | 'StorageSources'
  | 'MaxCapacity'
  | 'QueueCapacity'
  | 'AvailableCapacity'
  | 'MaxJobRequirements'
  | 'RunningExecutions'
  | 'EnqueuedExecutions'
  | 'address'
  | 'Status'
  | 'LastHeartbeat'
  | 'ConnectedSince'
  | 'DisconnectedSince'
  | 'LastError'
  | 'CPU'
  | 'Memory'
  | 'Disk'
  | 'GPU'
  | 'Major'
  | 'Minor'
  | 'GitVersion'
  | 'GitCommit'
  | 'BuildDate'
  | 'GOOS'
  | 'GOARCH'
  | 'EvaluationID'
  | 'Warnings'
  | 'Diff'
  | 'NextToken'
  | 'Items'
  | 'History'
  | 'Executions'
  | 'Job'
  | 'Node'
  | 'Nodes'
  | 'Success'
  | 'Error'
  | 'RequestID'
  | 'Code'
  | 'Component'
  | 'Hint'
  | 'config'
  | 'Config'
  | 'Authentication'
  | 'Methods'
  | 'responses'
  | 'API'
  | 'Compute'
  | 'Orchestrator'
  | 'Auth'
  | 'Users'
  | 'Token'
  | 'Port'
  | 'Host'
  | 'Password'
  | 'APIKey'
  | 'error'
  | 'value'
  | 'Line'
  | 'openapi'
  | 'info'
  | 'paths'
  | 'components'
  | 'schemas'
  | 'get'
  | 'put'
  | 'post'
  | 'delete'
  | 'parameters'
  | 'requestBody'
  | 'content'
  | 'schema'
  | 'operationId'
  | 'properties'
  | 'type'
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5';

/**
 * A parsed JSON value whose parts tests read without casts and compare with `expect`. `list` turns an
 * array value into an array, `str` a string value into a string, `at` reads any other key.
 */
export type W = { readonly [K in Key]: W };
export const str = (value: W): string => value as unknown as string;
export const at = (value: W, ...path: string[]): W =>
  path.reduce((v, key) => (v as unknown as Record<string, W>)[key] as W, value);
export const list = (value: W): W[] => value as unknown as W[];
export const keys = (value: W): string[] => Object.keys(value);

export interface Answer {
  status: number;
  /** The parsed JSON body (undefined when empty). */
  body: W;
  text: string;
  headers: Record<string, string | string[] | number | undefined>;
}

/** One request through `inject`, answer parsed. */
export async function call(
  api: Pick<ApiHarness, 'app'>,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD' | 'OPTIONS',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await api.app.inject({
    method,
    url,
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(payload === undefined
      ? {}
      : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  return {
    status: res.statusCode,
    body: (res.body === '' ? undefined : JSON.parse(res.body)) as W,
    text: res.body,
    headers: res.headers,
  };
}

/** Asserts Bacalhau's error body, field by field, in Go's field order. */
export function expectApiError(
  answer: Answer,
  expected: { status: number; code: string; component: string; message?: string | RegExp },
): void {
  if (answer.status !== expected.status) {
    throw new Error(`expected HTTP ${expected.status}, got ${answer.status}: ${answer.text}`);
  }
  const raw = answer.body as unknown as Record<string, unknown>;
  const found = Object.keys(raw);
  const order = ['Status', 'Message', 'RequestID', 'Code', 'Component', 'Hint', 'Details'];
  const present = order.filter((k) => found.includes(k));
  if (JSON.stringify(found) !== JSON.stringify(present)) {
    throw new Error(`unexpected error body keys ${found.join(',')}`);
  }
  if (raw['Status'] !== expected.status) throw new Error(`Status in body: ${answer.text}`);
  if (raw['Code'] !== expected.code) throw new Error(`Code (expected ${expected.code}): ${answer.text}`);
  if (raw['Component'] !== expected.component) {
    throw new Error(`Component (expected ${expected.component}): ${answer.text}`);
  }
  if (typeof raw['RequestID'] !== 'string' || raw['RequestID'] === '') throw new Error('RequestID missing');
  if (raw['RequestID'] !== answer.headers['x-request-id'])
    throw new Error('RequestID differs from X-Request-Id');
  if (expected.message !== undefined) {
    const message = String(raw['Message']);
    const ok =
      typeof expected.message === 'string' ? message === expected.message : expected.message.test(message);
    if (!ok) throw new Error(`Message ${JSON.stringify(message)} does not match ${String(expected.message)}`);
  }
}
