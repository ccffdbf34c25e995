/**
 * Fixtures for tests of node selection and of the schedulers that use it: compute nodes, node states,
 * jobs and executions with sensible defaults. Not used by production code.
 */
import {
  emptyJob,
  zeroResources,
  type Execution,
  type ExecutionStateType,
  type Job,
  type NodeConnection,
  type NodeInfo,
  type NodeMembership,
  type NodeState,
  type Resources,
  type Task,
} from '../../models/index.js';

export function resources(r: Partial<Resources> = {}): Resources {
  return { ...zeroResources(), ...r };
}

export interface ComputeNodeFixture {
  labels?: Record<string, string>;
  engines?: string[];
  publishers?: string[];
  storages?: string[];
  maxCapacity?: Partial<Resources>;
  availableCapacity?: Partial<Resources>;
  queueCapacity?: Partial<Resources>;
  maxJobRequirements?: Partial<Resources>;
  /** Major, Minor, GitVersion; default 1.9 / v1.9.0. */
  version?: { Major: string; Minor: string; GitVersion: string };
}

/** A compute node offering docker/wasm, local/s3 publishing and url/s3/inline inputs, 8 CPU / 16 GB / 100 GB. */
export function computeNode(id: string, f: ComputeNodeFixture = {}): NodeInfo {
  const max = { CPU: 8, Memory: 16e9, Disk: 100e9, GPU: 0 };
  return {
    NodeID: id,
    NodeType: 'Compute',
    Labels: f.labels ?? {},
    SupportedProtocols: ['ncl/v1'],
    ComputeNodeInfo: {
      ExecutionEngines: f.engines ?? ['docker', 'wasm'],
      Publishers: f.publishers ?? ['local', 's3'],
      StorageSources: f.storages ?? ['urlDownload', 's3', 'inline'],
      MaxCapacity: resources(f.maxCapacity ?? max),
      QueueCapacity: resources(f.queueCapacity),
      AvailableCapacity: resources(f.availableCapacity ?? f.maxCapacity ?? max),
      MaxJobRequirements: resources(f.maxJobRequirements ?? f.maxCapacity ?? max),
      RunningExecutions: 0,
      EnqueuedExecutions: 0,
      address: '',
    },
    BacalhauVersion: {
      Major: '1',
      Minor: '9',
      GitVersion: 'v1.9.0',
      GitCommit: '',
      BuildDate: '0001-01-01T00:00:00Z',
      GOOS: 'linux',
      GOARCH: 'amd64',
      ...f.version,
    },
  };
}

export function nodeState(
  info: NodeInfo,
  membership: NodeMembership = 'APPROVED',
  connection: NodeConnection = 'CONNECTED',
): NodeState {
  return {
    Info: info,
    Membership: membership,
    Connection: connection,
    ConnectionState: {
      Status: connection,
      LastHeartbeat: '2024-01-01T00:00:00Z',
      ConnectedSince: '2024-01-01T00:00:00Z',
      DisconnectedSince: '0001-01-01T00:00:00Z',
    },
  };
}

/** A batch job with one docker task (1 CPU, 1 GB) publishing locally; `task` overrides task fields. */
export function job(over: Partial<Job> = {}, task: Partial<Task> = {}): Job {
  return {
    ...emptyJob(),
    ID: 'j-1',
    Name: 'j-1',
    Namespace: 'default',
    Type: 'batch',
    Count: 1,
    Version: 1,
    Tasks: [
      {
        Name: 'main',
        Engine: { Type: 'docker', Params: { Image: 'ubuntu' } },
        Publisher: { Type: 'local' },
        Resources: { CPU: '1', Memory: '1GB' },
        ...task,
      },
    ],
    ...over,
  };
}

export function execution(
  nodeID: string,
  state: ExecutionStateType,
  over: Partial<Execution> = {},
): Execution {
  return {
    ID: `e-${nodeID}-${state}`,
    Namespace: 'default',
    EvalID: '',
    Name: '',
    NodeID: nodeID,
    JobID: 'j-1',
    JobVersion: 1,
    DesiredState: { StateType: 'Pending' },
    ComputeState: { StateType: state },
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    PartitionIndex: 0,
    Revision: 1,
    CreateTime: 0,
    ModifyTime: 0,
    ...over,
  };
}
