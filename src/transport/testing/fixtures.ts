/**
 * Small, complete model values for transport tests. Every value here survives Bacalhau's JSON round
 * trip unchanged (no empty `omitempty` maps or lists; optional strings the decoder fills in, such as a
 * state's `Message`, are present), so tests can compare them whole in every copy mode.
 */
import type { Execution, Job, NodeInfo, Resources } from '../../models/index.js';

export function resources(partial: Partial<Resources> = {}): Resources {
  return { CPU: 0, Memory: 0, Disk: 0, GPU: 0, ...partial };
}

export interface TestNodeInfoOptions {
  engines?: string[];
  publishers?: string[];
  storages?: string[];
  labels?: Record<string, string>;
  /** MaxCapacity, AvailableCapacity (unless given) and MaxJobRequirements. */
  capacity?: Partial<Resources>;
  availableCapacity?: Partial<Resources>;
  queueUsedCapacity?: Partial<Resources>;
}

/** A compute node's NodeInfo speaking NCL v1. Defaults: every engine, publisher and storage, 4 CPU / 8 GiB. */
export function testNodeInfo(nodeId: string, options: TestNodeInfoOptions = {}): NodeInfo {
  const capacity = resources({ CPU: 4, Memory: 8 * 2 ** 30, Disk: 100 * 2 ** 30, ...options.capacity });
  return {
    NodeID: nodeId,
    NodeType: 'Compute',
    Labels: { ...options.labels },
    SupportedProtocols: ['ncl/v1'],
    ComputeNodeInfo: {
      ExecutionEngines: options.engines ?? ['docker', 'wasm', 'noop'],
      Publishers: options.publishers ?? ['noop', 'local', 's3', 'ipfs'],
      StorageSources: options.storages ?? ['inline', 'urlDownload', 'local', 's3', 'ipfs'],
      MaxCapacity: capacity,
      QueueCapacity: resources(options.queueUsedCapacity),
      AvailableCapacity:
        options.availableCapacity === undefined ? capacity : resources(options.availableCapacity),
      MaxJobRequirements: capacity,
      RunningExecutions: 0,
      EnqueuedExecutions: 0,
      address: '',
    },
    BacalhauVersion: {
      Major: '1',
      Minor: '7',
      GitVersion: 'v1.7.0',
      GitCommit: '',
      BuildDate: '',
      GOOS: 'linux',
      GOARCH: 'amd64',
    },
  };
}

export function testJob(partial: Partial<Job> = {}): Job {
  return {
    ID: 'j-00000000-0000-0000-0000-000000000001',
    Name: 'test-job',
    Namespace: 'default',
    Type: 'batch',
    Priority: 0,
    Count: 1,
    Constraints: [],
    Meta: { 'bacalhau.org/orchestrator.protocol': 'ncl/v1' },
    Labels: {},
    Tasks: [
      {
        Name: 'main',
        Engine: { Type: 'docker', Params: { Image: 'ubuntu:24.04', Entrypoint: ['echo', 'hello'] } },
        Publisher: { Type: 'noop' },
      },
    ],
    State: { StateType: 'Running', Message: '' },
    Version: 1,
    Revision: 2,
    CreateTime: 1_700_000_000_000_000_000,
    ModifyTime: 1_700_000_000_000_000_000,
    ...partial,
  };
}

let executionCounter = 0;

/**
 * An execution of `job` on `nodeId` as the orchestrator sends it with AskForBid: compute state New,
 * desired Pending (bid first) unless `desired` says Running (direct run, daemon and ops jobs).
 */
export function testExecution(
  options: { id?: string; nodeId?: string; job?: Job; desired?: 'Pending' | 'Running'; cpu?: number } = {},
): Execution {
  const job = options.job ?? testJob();
  const id = options.id ?? `e-00000000-0000-0000-0000-${String(++executionCounter).padStart(12, '0')}`;
  return {
    ID: id,
    Namespace: job.Namespace,
    EvalID: 'v-00000000-0000-0000-0000-000000000001',
    Name: job.Name,
    NodeID: options.nodeId ?? 'n-1',
    JobID: job.ID,
    Job: job,
    JobVersion: job.Version,
    AllocatedResources: { Tasks: { main: resources({ CPU: options.cpu ?? 0.5, Memory: 2 ** 20 }) } },
    DesiredState: { StateType: options.desired ?? 'Pending', Message: '' },
    ComputeState: { StateType: 'New', Message: '' },
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    PartitionIndex: 0,
    Revision: 1,
    CreateTime: 1_700_000_000_000_000_000,
    ModifyTime: 1_700_000_000_000_000_000,
  };
}
