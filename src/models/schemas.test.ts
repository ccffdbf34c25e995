/**
 * The JSON encoding of every model type, field by field, against Bacalhau's wire shapes (reference §1, §2,
 * §5.4, §6.4 and the Go struct tags in pkg/models). Field ORDER is checked too: Go writes struct fields
 * in declaration order, and the CLI's JSON/YAML output and golden files depend on it.
 */
import { describe, expect, it } from 'vitest';
import { decodeStruct, encode, encodeStruct, struct, type StructSchema } from './codec.js';
import type { Evaluation } from './evaluation.js';
import type { Execution } from './execution.js';
import type { JobHistory } from './job-history.js';
import type { Job } from './job.js';
import type { NodeInfo, NodeState } from './node.js';
import type { Resources } from './resources.js';
import {
  computeNodeInfoSchema,
  connectionKind,
  evaluationSchema,
  executionDesiredStateTypeKind,
  executionSchema,
  executionStateTypeKind,
  historyTypeKind,
  jobHistorySchema,
  jobSchema,
  jobStateTypeKind,
  membershipKind,
  nodeInfoSchema,
  nodeStateSchema,
  nodeTypeKind,
  specConfigSchema,
  taskSchema,
} from './schemas.js';
import type { Task } from './task.js';

/** The JSON a value becomes on the wire, parsed back: what another process really sees. */
function wire(value: unknown, schema: () => StructSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(encode(value, struct(schema)))) as Record<string, unknown>;
}

function obj(value: unknown): Record<string, unknown> {
  expect(value).toBeTypeOf('object');
  expect(value).not.toBeNull();
  expect(Array.isArray(value)).toBe(false);
  return value as Record<string, unknown>;
}

function keysOf(value: unknown): string[] {
  return Object.keys(obj(value));
}

function first(value: unknown): Record<string, unknown> {
  expect(Array.isArray(value)).toBe(true);
  return obj((value as unknown[])[0]);
}

// ---------------------------------------------------------------------------------------------------
// Fully populated values: every field set to a non-zero value, so nothing is omitted.
// ---------------------------------------------------------------------------------------------------

function fullTask(): Task {
  return {
    Name: 'main',
    Engine: {
      Type: 'docker',
      Params: { Image: 'busybox:1.37.0', Entrypoint: ['/bin/sh'], Parameters: ['-c', 'echo 15'] },
    },
    Publisher: { Type: 's3', Params: { Bucket: 'results', Key: 'jobs/' } },
    Env: { B_VAR: 'b', A_VAR: 'env:HOST_A' },
    Meta: { 'z.note': 'last', 'a.note': 'first' },
    InputSources: [
      {
        Source: { Type: 'urlDownload', Params: { URL: 'https://example.com/data.csv' } },
        Alias: 'data',
        Target: '/inputs/data',
      },
    ],
    ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
    Resources: { CPU: '500m', Memory: '512mb', Disk: '1gb', GPU: '1' },
    Network: {
      Type: 'Bridge',
      Domains: ['example.com'],
      Ports: [{ Name: 'web', Static: 8080, Target: 80, HostNetwork: '127.0.0.1' }],
    },
    Timeouts: { ExecutionTimeout: 60, QueueTimeout: 30, TotalTimeout: 120 },
  };
}

function fullJob(): Job {
  return {
    ID: 'j-2b6f0c1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
    Name: 'Docker Job',
    Namespace: 'default',
    Type: 'batch',
    Priority: 50,
    Count: 2,
    Constraints: [{ Key: 'region', Operator: 'in', Values: ['eu-west-1', 'us-east-1'] }],
    Meta: { 'bacalhau.org/requester.id': 'n-1', 'bacalhau.org/orchestrator.id': 'n-1', owner: 'me' },
    Labels: { tier: 'gold', env: 'prod' },
    Tasks: [fullTask()],
    State: { StateType: 'Running', Message: 'scheduled', Details: { reason: 'ok', attempt: '1' } },
    Version: 3,
    Revision: 7,
    // Safe integers: JSON numbers beyond 2^53 are covered by a separate test below.
    CreateTime: 1724100000123,
    ModifyTime: 1724100003123,
  };
}

function fullResources(): Resources {
  return {
    CPU: 1.5,
    Memory: 2147483648,
    Disk: 10000000000,
    GPU: 1,
    GPUs: [{ Index: 0, Name: 'Tesla T4', Vendor: 'NVIDIA', Memory: 15360, PCIAddress: '0000:00:1e.0' }],
  };
}

function fullExecution(): Execution {
  return {
    ID: 'e-91a0',
    Namespace: 'default',
    EvalID: 'v-8c1e',
    Name: 'exec-name',
    NodeID: 'n-7d3',
    JobID: 'j-2b6f',
    Job: fullJob(),
    JobVersion: 3,
    AllocatedResources: { Tasks: { main: fullResources() } },
    DesiredState: { StateType: 'Stopped', Message: 'execution completed', Details: { by: 'scheduler' } },
    ComputeState: { StateType: 'Completed', Message: 'done', Details: { ExitCode: '0' } },
    PublishedResult: { Type: 's3', Params: { Bucket: 'results', Key: 'jobs/e-91a0.tar.gz' } },
    RunOutput: {
      Stdout: '15\n',
      StdoutTruncated: true,
      stderr: 'warning\n',
      StderrTruncated: true,
      ExitCode: 3,
      ErrorMsg: 'exit status 3',
    },
    PreviousExecution: 'e-0001',
    NextExecution: 'e-0003',
    FollowupEvalID: 'v-0002',
    PartitionIndex: 4,
    Revision: 6,
    CreateTime: 1724100001000,
    ModifyTime: 1724100002000,
  };
}

function fullHistory(): JobHistory {
  return {
    SeqNum: 12,
    Type: 'ExecutionLevel',
    JobID: 'j-2b6f',
    JobVersion: 2,
    ExecutionID: 'e-91a0',
    Event: {
      Message: 'Completed successfully',
      Topic: 'Execution',
      Timestamp: '2024-08-19T20:40:03.1Z',
      Details: { NewState: 'Completed', IsError: 'false' },
    },
    Time: '2024-08-19T20:40:03.1Z',
    JobState: { Previous: 'Running', New: 'Completed' },
    ExecutionState: { Previous: 'Running', New: 'Completed' },
  };
}

function fullNodeInfo(): NodeInfo {
  return {
    NodeID: 'n-7d3',
    NodeType: 'Compute',
    Labels: { zone: 'b', arch: 'amd64' },
    SupportedProtocols: ['ncl/v1', 'bprotocol/v2'],
    ComputeNodeInfo: {
      ExecutionEngines: ['docker', 'wasm'],
      Publishers: ['local', 's3'],
      StorageSources: ['urlDownload', 's3'],
      MaxCapacity: fullResources(),
      QueueCapacity: { CPU: 0.5, Memory: 1024, Disk: 2048, GPU: 1 },
      AvailableCapacity: { CPU: 1, Memory: 4096, Disk: 8192, GPU: 1 },
      MaxJobRequirements: { CPU: 2, Memory: 8192, Disk: 16384, GPU: 1 },
      RunningExecutions: 2,
      EnqueuedExecutions: 1,
      address: '10.0.0.7',
    },
    BacalhauVersion: {
      Major: '1',
      Minor: '9',
      GitVersion: 'v1.9.0',
      GitCommit: 'e28960c758bc00196576da7f2ebf9cae8e0fcb59',
      BuildDate: '2025-01-01T00:00:00Z',
      GOOS: 'linux',
      GOARCH: 'amd64',
    },
  };
}

function fullNodeState(): NodeState {
  return {
    Info: fullNodeInfo(),
    Membership: 'APPROVED',
    Connection: 'CONNECTED',
    ConnectionState: {
      Status: 'CONNECTED',
      LastHeartbeat: '2024-08-19T20:40:00Z',
      LastComputeSeqNum: 41,
      LastOrchestratorSeqNum: 17,
      ConnectedSince: '2024-08-19T20:00:00Z',
      DisconnectedSince: '2024-08-19T19:00:00Z',
      LastError: 'heartbeat timeout',
    },
  };
}

function fullEvaluation(): Evaluation {
  return {
    ID: 'v-8c1e',
    Namespace: 'default',
    JobID: 'j-2b6f',
    TriggeredBy: 'job-register',
    Priority: 0,
    Type: 'batch',
    Status: 'pending',
    Comment: 'submitted',
    WaitUntil: '0001-01-01T00:00:00Z',
    CreateTime: 1724100000000,
    ModifyTime: 1724100000001,
  };
}

// ---------------------------------------------------------------------------------------------------

describe('§2.1 enum encodings', () => {
  const jobStates = ['Undefined', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'];

  it.each(jobStates)('JobStateType %s travels as its name', (name) => {
    expect(encode(name, jobStateTypeKind)).toBe(name);
    expect(wire({ ...fullJob(), State: { StateType: name } }, jobSchema)['State']).toEqual({
      StateType: name,
    });
  });

  it('JobStateType decodes names case-insensitively and trimmed', () => {
    expect(jobStateTypeKind.decode('completed')).toBe('Completed');
    expect(jobStateTypeKind.decode(' RUNNING ')).toBe('Running');
  });

  const computeStates: [string, number][] = [
    ['Undefined', 0],
    ['New', 1],
    ['AskForBid', 2],
    ['AskForBidAccepted', 3],
    ['AskForBidRejected', 4],
    ['BidAccepted', 5],
    ['Running', 6],
    ['Publishing', 7],
    ['BidRejected', 8],
    ['Completed', 9],
    ['Failed', 10],
    ['Cancelled', 11],
  ];

  it.each(computeStates)('execution ComputeState %s travels as the integer %d', (name, code) => {
    expect(encode(name, executionStateTypeKind)).toBe(code);
    expect(executionStateTypeKind.decode(code)).toBe(name);
    const encoded = wire({ ...fullExecution(), ComputeState: { StateType: name } }, executionSchema);
    expect(encoded['ComputeState']).toEqual({ StateType: code });
  });

  it.each<[string, number]>([
    ['Pending', 0],
    ['Running', 1],
    ['Stopped', 2],
  ])('execution DesiredState %s travels as the integer %d', (name, code) => {
    expect(encode(name, executionDesiredStateTypeKind)).toBe(code);
    expect(executionDesiredStateTypeKind.decode(code)).toBe(name);
    const encoded = wire({ ...fullExecution(), DesiredState: { StateType: name } }, executionSchema);
    expect(encoded['DesiredState']).toEqual({ StateType: code });
  });

  it('rejects execution state integers outside the enum', () => {
    expect(() => executionStateTypeKind.decode(12)).toThrow();
    expect(() => executionDesiredStateTypeKind.decode(3)).toThrow();
    expect(() => executionStateTypeKind.decode(-1)).toThrow();
  });

  it.each<[string, unknown, string]>([
    ['NodeType', nodeTypeKind, 'Requester'],
    ['NodeType', nodeTypeKind, 'Compute'],
    ['NodeMembershipState', membershipKind, 'PENDING'],
    ['NodeMembershipState', membershipKind, 'APPROVED'],
    ['NodeMembershipState', membershipKind, 'REJECTED'],
    ['NodeConnectionState', connectionKind, 'CONNECTED'],
    ['NodeConnectionState', connectionKind, 'DISCONNECTED'],
    ['JobHistoryType', historyTypeKind, 'Undefined'],
    ['JobHistoryType', historyTypeKind, 'JobLevel'],
    ['JobHistoryType', historyTypeKind, 'ExecutionLevel'],
  ])('%s %s travels as that string', (_enum, kind, name) => {
    const k = kind as typeof nodeTypeKind;
    expect(encode(name, k)).toBe(name);
    expect(k.decode(name)).toBe(name);
  });

  it('encodes the enums of a NodeState and a JobHistory as strings in place', () => {
    const node = wire(fullNodeState(), nodeStateSchema);
    expect(obj(node['Info'])['NodeType']).toBe('Compute');
    expect(node['Membership']).toBe('APPROVED');
    expect(node['Connection']).toBe('CONNECTED');
    expect(obj(node['ConnectionState'])['Status']).toBe('CONNECTED');
    const history = wire(fullHistory(), jobHistorySchema);
    expect(history['Type']).toBe('ExecutionLevel');
    // The deprecated state changes: job states by name, execution states by number (Running 6, Completed 9).
    expect(history['JobState']).toEqual({ Previous: 'Running', New: 'Completed' });
    expect(history['ExecutionState']).toEqual({ Previous: 6, New: 9 });
  });
});

describe('Job', () => {
  const jobOrder = [
    'ID',
    'Name',
    'Namespace',
    'Type',
    'Priority',
    'Count',
    'Constraints',
    'Meta',
    'Labels',
    'Tasks',
    'State',
    'Version',
    'Revision',
    'CreateTime',
    'ModifyTime',
  ];

  it('writes every field in Go struct order', () => {
    const encoded = wire(fullJob(), jobSchema);
    expect(keysOf(encoded)).toEqual(jobOrder);
    expect(encoded).toMatchObject({
      ID: 'j-2b6f0c1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
      Name: 'Docker Job',
      Namespace: 'default',
      Type: 'batch',
      Priority: 50,
      Count: 2,
      Version: 3,
      Revision: 7,
      CreateTime: 1724100000123,
      ModifyTime: 1724100003123,
    });
    expect(keysOf(encoded['State'])).toEqual(['StateType', 'Message', 'Details']);
    expect(encoded['State']).toEqual({
      StateType: 'Running',
      Message: 'scheduled',
      Details: { attempt: '1', reason: 'ok' },
    });
    expect(keysOf(first(encoded['Constraints']))).toEqual(['Key', 'Operator', 'Values']);
    expect(encoded['Constraints']).toEqual([
      { Key: 'region', Operator: 'in', Values: ['eu-west-1', 'us-east-1'] },
    ]);
  });

  it('always writes Constraints, Meta and Labels, even empty, and keeps zero Priority/Count/times', () => {
    const encoded = wire(
      {
        ...fullJob(),
        Priority: 0,
        Count: 0,
        Constraints: [],
        Meta: {},
        Labels: {},
        Version: 0,
        Revision: 0,
        CreateTime: 0,
        ModifyTime: 0,
      },
      jobSchema,
    );
    expect(keysOf(encoded)).toEqual(jobOrder);
    expect(encoded).toMatchObject({
      Priority: 0,
      Count: 0,
      Constraints: [],
      Meta: {},
      Labels: {},
      Version: 0,
      Revision: 0,
      CreateTime: 0,
      ModifyTime: 0,
    });
  });

  it('omits State.Message and State.Details when empty', () => {
    const encoded = wire(
      { ...fullJob(), State: { StateType: 'Pending', Message: '', Details: {} } },
      jobSchema,
    );
    expect(encoded['State']).toEqual({ StateType: 'Pending' });
    expect(keysOf(encoded['State'])).toEqual(['StateType']);
  });

  it('omits a constraint without values but keeps its Key and Operator', () => {
    const encoded = wire(
      { ...fullJob(), Constraints: [{ Key: 'gpu', Operator: 'exists', Values: [] }] },
      jobSchema,
    );
    expect(encoded['Constraints']).toEqual([{ Key: 'gpu', Operator: 'exists' }]);
  });

  it('sorts the keys of Meta and Labels', () => {
    const encoded = wire(fullJob(), jobSchema);
    expect(keysOf(encoded['Meta'])).toEqual([
      'bacalhau.org/orchestrator.id',
      'bacalhau.org/requester.id',
      'owner',
    ]);
    expect(keysOf(encoded['Labels'])).toEqual(['env', 'tier']);
  });

  it('round-trips a fully populated job: encode → JSON → decode gives the same value', () => {
    const job = fullJob();
    const decoded = decodeStruct<Job>(wire(job, jobSchema), jobSchema());
    expect(decoded.errors).toEqual([]);
    expect(decoded.unknownFields).toEqual([]);
    expect(decoded.value).toEqual(job);
  });

  it('decodes int64 Unix-nanosecond times as a Go server sends them (reference §1.1, §6.4)', () => {
    // A Go orchestrator writes CreateTime as e.g. 1724100000123456789 (> 2^53). A client must still be able
    // to read the job; the value can only be approximated by a JS number.
    const text = '{"Name":"n","CreateTime":1724100000123456789,"ModifyTime":1724100003123456789}';
    const decoded = decodeStruct<Job>(JSON.parse(text), jobSchema());
    expect(decoded.errors).toEqual([]);
    // The nearest double, which is what JSON.parse produces.
    expect(decoded.value.CreateTime).toBe(Number('1724100000123456789'));
    expect(decoded.value.ModifyTime).toBeGreaterThan(decoded.value.CreateTime);
  });
});

describe('Task', () => {
  const taskOrder = [
    'Name',
    'Engine',
    'Publisher',
    'Env',
    'Meta',
    'InputSources',
    'ResultPaths',
    'Resources',
    'Network',
    'Timeouts',
  ];

  it('writes every field in Go struct order with wire key Resources', () => {
    const encoded = wire(fullTask(), taskSchema);
    expect(keysOf(encoded)).toEqual(taskOrder);
    expect(encoded['Resources']).toEqual({ CPU: '500m', Memory: '512mb', Disk: '1gb', GPU: '1' });
    expect(keysOf(encoded['Resources'])).toEqual(['CPU', 'Memory', 'Disk', 'GPU']);
    expect(keysOf(encoded['Network'])).toEqual(['Type', 'Domains', 'Ports']);
    expect(encoded['Network']).toEqual({
      Type: 'Bridge',
      Domains: ['example.com'],
      Ports: [{ Name: 'web', Static: 8080, Target: 80, HostNetwork: '127.0.0.1' }],
    });
    expect(keysOf(first(obj(encoded['Network'])['Ports']))).toEqual([
      'Name',
      'Static',
      'Target',
      'HostNetwork',
    ]);
    expect(keysOf(encoded['Timeouts'])).toEqual(['ExecutionTimeout', 'QueueTimeout', 'TotalTimeout']);
    expect(encoded['Timeouts']).toEqual({ ExecutionTimeout: 60, QueueTimeout: 30, TotalTimeout: 120 });
    expect(keysOf(first(encoded['InputSources']))).toEqual(['Source', 'Alias', 'Target']);
    expect(encoded['InputSources']).toEqual([
      {
        Source: { Type: 'urlDownload', Params: { URL: 'https://example.com/data.csv' } },
        Alias: 'data',
        Target: '/inputs/data',
      },
    ]);
    expect(keysOf(first(encoded['ResultPaths']))).toEqual(['Name', 'Path']);
    expect(encoded['ResultPaths']).toEqual([{ Name: 'outputs', Path: '/outputs' }]);
  });

  it('sorts Env, Meta and engine Params keys', () => {
    const encoded = wire(fullTask(), taskSchema);
    expect(keysOf(encoded['Env'])).toEqual(['A_VAR', 'B_VAR']);
    expect(keysOf(encoded['Meta'])).toEqual(['a.note', 'z.note']);
    expect(keysOf(encoded['Engine'])).toEqual(['Type', 'Params']);
    expect(keysOf(obj(encoded['Engine'])['Params'])).toEqual(['Entrypoint', 'Image', 'Parameters']);
  });

  it('omits empty Env, Meta, InputSources and ResultPaths but keeps empty Resources, Network, Timeouts, Publisher', () => {
    const task: Task = {
      Name: 'main',
      Engine: { Type: 'docker', Params: { Image: 'busybox' } },
      Publisher: { Type: '', Params: {} },
      Env: {},
      Meta: {},
      InputSources: [],
      ResultPaths: [],
      Resources: {},
      Network: { Type: 'Default', Domains: [], Ports: [] },
      Timeouts: {},
    };
    expect(JSON.stringify(encode(task, struct(taskSchema)))).toBe(
      '{"Name":"main","Engine":{"Type":"docker","Params":{"Image":"busybox"}},"Publisher":{"Type":""},' +
        '"Resources":{},"Network":{"Type":"Default"},"Timeouts":{}}',
    );
  });

  it('omits zero timeouts and empty resource strings field by field', () => {
    const encoded = wire(
      {
        ...fullTask(),
        Resources: { CPU: '', Memory: '1gb' },
        Timeouts: { ExecutionTimeout: 0, QueueTimeout: 5 },
      },
      taskSchema,
    );
    expect(encoded['Resources']).toEqual({ Memory: '1gb' });
    expect(encoded['Timeouts']).toEqual({ QueueTimeout: 5 });
  });

  it('omits absent Resources, Network and Timeouts, and writes absent Engine and Publisher as null (Go nil pointers)', () => {
    const encoded = wire({ Name: 'bare' }, taskSchema);
    expect(encoded).toEqual({ Name: 'bare', Engine: null, Publisher: null });
    expect(keysOf(encoded)).toEqual(['Name', 'Engine', 'Publisher']);
  });

  it('writes a network type by name, Default when unset', () => {
    for (const type of ['Default', 'None', 'Host', 'Full', 'HTTP', 'Bridge'] as const) {
      expect(obj(wire({ ...fullTask(), Network: { Type: type } }, taskSchema)['Network'])).toEqual({
        Type: type,
      });
    }
  });
});

describe('SpecConfig', () => {
  it('omits Params when empty or absent, keeps Type even when empty', () => {
    expect(JSON.stringify(encode({ Type: 'local', Params: {} }, struct(specConfigSchema)))).toBe(
      '{"Type":"local"}',
    );
    expect(JSON.stringify(encode({ Type: '' }, struct(specConfigSchema)))).toBe('{"Type":""}');
  });

  it('writes Params with keys sorted at every depth', () => {
    const encoded = encode(
      { Type: 's3', Params: { Region: 'eu', Bucket: 'b', Opts: { z: 1, a: [{ y: 1, b: 2 }] } } },
      struct(specConfigSchema),
    );
    expect(JSON.stringify(encoded)).toBe(
      '{"Type":"s3","Params":{"Bucket":"b","Opts":{"a":[{"b":2,"y":1}],"z":1},"Region":"eu"}}',
    );
  });
});

describe('Execution', () => {
  const executionOrder = [
    'ID',
    'Namespace',
    'EvalID',
    'Name',
    'NodeID',
    'JobID',
    'Job',
    'JobVersion',
    'AllocatedResources',
    'DesiredState',
    'ComputeState',
    'PublishedResult',
    'RunOutput',
    'PreviousExecution',
    'NextExecution',
    'FollowupEvalID',
    'PartitionIndex',
    'Revision',
    'CreateTime',
    'ModifyTime',
  ];

  it('writes every field in Go struct order, with RunOutput’s lower-case stderr', () => {
    const encoded = wire(fullExecution(), executionSchema);
    expect(keysOf(encoded)).toEqual(executionOrder);
    expect(keysOf(encoded['RunOutput'])).toEqual([
      'Stdout',
      'StdoutTruncated',
      'stderr',
      'StderrTruncated',
      'ExitCode',
      'ErrorMsg',
    ]);
    expect(encoded['RunOutput']).toEqual({
      Stdout: '15\n',
      StdoutTruncated: true,
      stderr: 'warning\n',
      StderrTruncated: true,
      ExitCode: 3,
      ErrorMsg: 'exit status 3',
    });
    expect(encoded['PartitionIndex']).toBe(4);
    expect(encoded['DesiredState']).toEqual({
      StateType: 2,
      Message: 'execution completed',
      Details: { by: 'scheduler' },
    });
    expect(encoded['ComputeState']).toEqual({ StateType: 9, Message: 'done', Details: { ExitCode: '0' } });
    expect(keysOf(obj(encoded['Job']))).toEqual(keysOf(wire(fullJob(), jobSchema)));
  });

  it('writes allocated resources per task with Resources in Go order and GPUs without JSON tags', () => {
    const encoded = wire(fullExecution(), executionSchema);
    const tasks = obj(obj(encoded['AllocatedResources'])['Tasks']);
    expect(keysOf(tasks['main'])).toEqual(['CPU', 'Memory', 'Disk', 'GPU', 'GPUs']);
    expect(keysOf(first(obj(tasks['main'])['GPUs']))).toEqual([
      'Index',
      'Name',
      'Vendor',
      'Memory',
      'PCIAddress',
    ]);
    expect(tasks['main']).toEqual({
      CPU: 1.5,
      Memory: 2147483648,
      Disk: 10000000000,
      GPU: 1,
      GPUs: [{ Index: 0, Name: 'Tesla T4', Vendor: 'NVIDIA', Memory: 15360, PCIAddress: '0000:00:1e.0' }],
    });
  });

  it('omits PartitionIndex when 0 and Job when absent, and nothing else', () => {
    const execution = fullExecution();
    delete execution.Job;
    const encoded = wire({ ...execution, PartitionIndex: 0 }, executionSchema);
    expect(keysOf(encoded)).toEqual(executionOrder.filter((k) => k !== 'Job' && k !== 'PartitionIndex'));
  });

  it('omits zero Resources fields (CPU, Memory, Disk, GPU, GPUs are omitempty)', () => {
    const encoded = wire(
      {
        ...fullExecution(),
        AllocatedResources: {
          Tasks: {
            b: { CPU: 0, Memory: 0, Disk: 0, GPU: 0, GPUs: [] },
            a: { CPU: 0.1, Memory: 0, Disk: 5, GPU: 0 },
          },
        },
      },
      executionSchema,
    );
    expect(JSON.stringify(encoded['AllocatedResources'])).toBe('{"Tasks":{"a":{"CPU":0.1,"Disk":5},"b":{}}}');
  });

  it('gives back zero PartitionIndex and zero resource fields that omitempty left off the wire', () => {
    // Execution.PartitionIndex and Resources.{CPU,Memory,Disk,GPU} are required numbers in the TS types;
    // Go decodes a missing field to 0, so a reader must not see undefined (undefined + 1 is NaN).
    const execution: Execution = {
      ...fullExecution(),
      PartitionIndex: 0,
      AllocatedResources: { Tasks: { main: { CPU: 0.5, Memory: 0, Disk: 0, GPU: 0 } } },
    };
    const decoded = decodeStruct<Execution>(wire(execution, executionSchema), executionSchema());
    expect(decoded.errors).toEqual([]);
    expect(decoded.value.PartitionIndex).toBe(0);
    expect(decoded.value.AllocatedResources?.Tasks['main']).toEqual({ CPU: 0.5, Memory: 0, Disk: 0, GPU: 0 });
  });

  it('round-trips a fully populated execution (with its job) through JSON', () => {
    const execution = fullExecution();
    const decoded = decodeStruct<Execution>(wire(execution, executionSchema), executionSchema());
    expect(decoded.errors).toEqual([]);
    expect(decoded.unknownFields).toEqual([]);
    expect(decoded.value).toEqual(execution);
  });
});

describe('Evaluation', () => {
  it('writes every field in Go struct order', () => {
    const encoded = wire(fullEvaluation(), evaluationSchema);
    expect(keysOf(encoded)).toEqual([
      'ID',
      'Namespace',
      'JobID',
      'TriggeredBy',
      'Priority',
      'Type',
      'Status',
      'Comment',
      'WaitUntil',
      'CreateTime',
      'ModifyTime',
    ]);
    expect(encoded).toEqual(fullEvaluation());
  });
});

describe('JobHistory', () => {
  it('writes every field in Go struct order', () => {
    const encoded = wire(fullHistory(), jobHistorySchema);
    expect(keysOf(encoded)).toEqual([
      'SeqNum',
      'Type',
      'JobID',
      'JobVersion',
      'ExecutionID',
      'Event',
      'Time',
      'JobState',
      'ExecutionState',
    ]);
    expect(keysOf(encoded['Event'])).toEqual(['Message', 'Topic', 'Timestamp', 'Details']);
    expect(encoded['Event']).toEqual({
      Message: 'Completed successfully',
      Topic: 'Execution',
      Timestamp: '2024-08-19T20:40:03.1Z',
      Details: { IsError: 'false', NewState: 'Completed' },
    });
    expect(keysOf(obj(encoded['Event'])['Details'])).toEqual(['IsError', 'NewState']);
    expect(keysOf(encoded['JobState'])).toEqual(['Previous', 'New']);
  });

  it('omits an empty ExecutionID, empty event Details and absent state changes, but always writes Event', () => {
    const encoded = wire(
      {
        SeqNum: 1,
        Type: 'JobLevel',
        JobID: 'j-1',
        JobVersion: 1,
        ExecutionID: '',
        Event: {
          Message: 'Job submitted',
          Topic: 'Submission',
          Timestamp: '2024-08-19T20:40:00.1Z',
          Details: {},
        },
        Time: '2024-08-19T20:40:00.1Z',
      },
      jobHistorySchema,
    );
    expect(JSON.stringify(encoded)).toBe(
      '{"SeqNum":1,"Type":"JobLevel","JobID":"j-1","JobVersion":1,' +
        '"Event":{"Message":"Job submitted","Topic":"Submission","Timestamp":"2024-08-19T20:40:00.1Z"},' +
        '"Time":"2024-08-19T20:40:00.1Z"}',
    );
  });

  it('round-trips a fully populated history entry through JSON', () => {
    const history = fullHistory();
    const decoded = decodeStruct<JobHistory>(wire(history, jobHistorySchema), jobHistorySchema());
    expect(decoded.errors).toEqual([]);
    expect(decoded.unknownFields).toEqual([]);
    expect(decoded.value).toEqual(history);
  });
});

describe('NodeInfo and NodeState (§5.4)', () => {
  it('writes NodeInfo in Go struct order', () => {
    const encoded = wire(fullNodeInfo(), nodeInfoSchema);
    expect(keysOf(encoded)).toEqual([
      'NodeID',
      'NodeType',
      'Labels',
      'SupportedProtocols',
      'ComputeNodeInfo',
      'BacalhauVersion',
    ]);
    expect(keysOf(encoded['Labels'])).toEqual(['arch', 'zone']);
    expect(encoded['SupportedProtocols']).toEqual(['ncl/v1', 'bprotocol/v2']);
    expect(keysOf(encoded['BacalhauVersion'])).toEqual([
      'Major',
      'Minor',
      'GitVersion',
      'GitCommit',
      'BuildDate',
      'GOOS',
      'GOARCH',
    ]);
  });

  it('writes ComputeNodeInfo with QueueCapacity and a lower-case address, in Go struct order', () => {
    const encoded = wire(fullNodeInfo(), nodeInfoSchema);
    const compute = obj(encoded['ComputeNodeInfo']);
    expect(Object.keys(compute)).toEqual([
      'ExecutionEngines',
      'Publishers',
      'StorageSources',
      'MaxCapacity',
      'QueueCapacity',
      'AvailableCapacity',
      'MaxJobRequirements',
      'RunningExecutions',
      'EnqueuedExecutions',
      'address',
    ]);
    expect(compute['address']).toBe('10.0.0.7');
    expect(compute).not.toHaveProperty('Address');
    expect(compute).not.toHaveProperty('QueueUsedCapacity');
    expect(compute['QueueCapacity']).toEqual({ CPU: 0.5, Memory: 1024, Disk: 2048, GPU: 1 });
    expect(compute['MaxJobRequirements']).toEqual({ CPU: 2, Memory: 8192, Disk: 16384, GPU: 1 });
  });

  it('always writes the compute lists and counters, even when empty or zero', () => {
    const encoded = encodeStruct(
      {
        ExecutionEngines: [],
        Publishers: [],
        StorageSources: [],
        MaxCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
        QueueCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
        AvailableCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
        MaxJobRequirements: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
        RunningExecutions: 0,
        EnqueuedExecutions: 0,
        address: '',
      },
      computeNodeInfoSchema(),
    );
    expect(JSON.stringify(encoded)).toBe(
      '{"ExecutionEngines":[],"Publishers":[],"StorageSources":[],"MaxCapacity":{},"QueueCapacity":{},' +
        '"AvailableCapacity":{},"MaxJobRequirements":{},"RunningExecutions":0,"EnqueuedExecutions":0,"address":""}',
    );
  });

  it('omits BacalhauVersion Major and Minor when empty (Go tags them omitempty)', () => {
    const encoded = wire(
      {
        ...fullNodeInfo(),
        BacalhauVersion: {
          Major: '',
          Minor: '',
          GitVersion: 'v1.9.0',
          GitCommit: 'abc',
          BuildDate: '2025-01-01T00:00:00Z',
          GOOS: 'linux',
          GOARCH: 'arm64',
        },
      },
      nodeInfoSchema,
    );
    expect(encoded['BacalhauVersion']).toEqual({
      GitVersion: 'v1.9.0',
      GitCommit: 'abc',
      BuildDate: '2025-01-01T00:00:00Z',
      GOOS: 'linux',
      GOARCH: 'arm64',
    });
  });

  it('writes NodeState and ConnectionState in Go struct order', () => {
    const encoded = wire(fullNodeState(), nodeStateSchema);
    expect(keysOf(encoded)).toEqual(['Info', 'Membership', 'Connection', 'ConnectionState']);
    expect(keysOf(encoded['ConnectionState'])).toEqual([
      'Status',
      'LastHeartbeat',
      'LastComputeSeqNum',
      'LastOrchestratorSeqNum',
      'ConnectedSince',
      'DisconnectedSince',
      'LastError',
    ]);
    expect(encoded['ConnectionState']).toEqual(fullNodeState().ConnectionState);
  });

  it('omits zero sequence numbers and an empty LastError from ConnectionState', () => {
    const state = fullNodeState();
    const encoded = wire(
      {
        ...state,
        ConnectionState: {
          ...state.ConnectionState,
          LastComputeSeqNum: 0,
          LastOrchestratorSeqNum: 0,
          LastError: '',
        },
      },
      nodeStateSchema,
    );
    expect(keysOf(encoded['ConnectionState'])).toEqual([
      'Status',
      'LastHeartbeat',
      'ConnectedSince',
      'DisconnectedSince',
    ]);
  });

  it('round-trips a fully populated NodeState through JSON', () => {
    const state = fullNodeState();
    const decoded = decodeStruct<NodeState>(wire(state, nodeStateSchema), nodeStateSchema());
    expect(decoded.errors).toEqual([]);
    expect(decoded.unknownFields).toEqual([]);
    expect(decoded.value).toEqual(state);
  });
});

describe('§6.4 canonical GET /api/v1/orchestrator/jobs/<id>?include=executions,history', () => {
  const jobID = 'j-2b6f0c1e';
  const nodeID = 'n-7d3a9b2c';
  const evalID = '8c1e4d5f';
  const createTime = 1724100000123;
  const modifyTime = 1724100003123;

  /** The stored job as the server normalized it: empty maps and lists initialised, not omitted in memory. */
  const storedJob: Job = {
    ID: jobID,
    Name: 'Docker Job',
    Namespace: 'default',
    Type: 'batch',
    Priority: 0,
    Count: 1,
    Constraints: [],
    Meta: {
      'bacalhau.org/orchestrator.id': nodeID,
      'bacalhau.org/requester.id': nodeID,
      'bacalhau.org/server.installation.id': 'srv-inst',
      'bacalhau.org/server.instance.id': 'srv-run',
      'bacalhau.org/client.installation.id': 'cli-inst',
      'bacalhau.org/client.instance.id': 'cli-run',
    },
    Labels: {},
    Tasks: [
      {
        Name: 'main',
        Engine: {
          Type: 'docker',
          Params: { Image: 'busybox:1.37.0', Entrypoint: ['/bin/sh'], Parameters: ['-c', 'echo 15'] },
        },
        Publisher: { Type: '', Params: {} },
        Env: {},
        Meta: {},
        InputSources: [],
        ResultPaths: [],
        Resources: { CPU: '500m', Memory: '512mb' },
        Network: { Type: 'Default', Domains: [], Ports: [] },
        Timeouts: {},
      },
    ],
    State: { StateType: 'Completed', Message: '', Details: {} },
    Version: 1,
    Revision: 5,
    CreateTime: createTime,
    ModifyTime: modifyTime,
  };

  const history: JobHistory = {
    SeqNum: 1,
    Type: 'JobLevel',
    JobID: jobID,
    JobVersion: 1,
    ExecutionID: '',
    Event: {
      Message: 'Job submitted',
      Topic: 'Submission',
      Timestamp: '2024-08-19T20:40:00.1Z',
      Details: {},
    },
    Time: '2024-08-19T20:40:00.1Z',
  };

  const execution: Execution = {
    ID: 'e-91a0',
    Namespace: 'default',
    EvalID: evalID,
    Name: '',
    NodeID: nodeID,
    JobID: jobID,
    JobVersion: 1,
    AllocatedResources: { Tasks: {} },
    DesiredState: { StateType: 'Stopped', Message: 'execution completed' },
    ComputeState: { StateType: 'Completed', Message: '', Details: {} },
    PublishedResult: { Type: '' },
    RunOutput: {
      Stdout: '15\n',
      StdoutTruncated: false,
      stderr: '',
      StderrTruncated: false,
      ExitCode: 0,
      ErrorMsg: '',
    },
    PreviousExecution: '',
    NextExecution: '',
    FollowupEvalID: '',
    PartitionIndex: 0,
    Revision: 4,
    CreateTime: createTime + 1000,
    ModifyTime: modifyTime,
  };

  it('encodes to exactly the reference keys, values and order', () => {
    const response = {
      Job: encode(storedJob, struct(jobSchema)),
      History: { NextToken: '', Items: [encode(history, struct(jobHistorySchema))] },
      Executions: { NextToken: '', Items: [encode(execution, struct(executionSchema))] },
    };
    const expected = {
      Job: {
        ID: jobID,
        Name: 'Docker Job',
        Namespace: 'default',
        Type: 'batch',
        Priority: 0,
        Count: 1,
        Constraints: [],
        // Go writes map keys sorted.
        Meta: {
          'bacalhau.org/client.installation.id': 'cli-inst',
          'bacalhau.org/client.instance.id': 'cli-run',
          'bacalhau.org/orchestrator.id': nodeID,
          'bacalhau.org/requester.id': nodeID,
          'bacalhau.org/server.installation.id': 'srv-inst',
          'bacalhau.org/server.instance.id': 'srv-run',
        },
        Labels: {},
        Tasks: [
          {
            Name: 'main',
            Engine: {
              Type: 'docker',
              Params: { Entrypoint: ['/bin/sh'], Image: 'busybox:1.37.0', Parameters: ['-c', 'echo 15'] },
            },
            Publisher: { Type: '' },
            Resources: { CPU: '500m', Memory: '512mb' },
            Network: { Type: 'Default' },
            Timeouts: {},
          },
        ],
        State: { StateType: 'Completed' },
        Version: 1,
        Revision: 5,
        CreateTime: createTime,
        ModifyTime: modifyTime,
      },
      History: {
        NextToken: '',
        Items: [
          {
            SeqNum: 1,
            Type: 'JobLevel',
            JobID: jobID,
            JobVersion: 1,
            Event: { Message: 'Job submitted', Topic: 'Submission', Timestamp: '2024-08-19T20:40:00.1Z' },
            Time: '2024-08-19T20:40:00.1Z',
          },
        ],
      },
      Executions: {
        NextToken: '',
        Items: [
          {
            ID: 'e-91a0',
            Namespace: 'default',
            EvalID: evalID,
            Name: '',
            NodeID: nodeID,
            JobID: jobID,
            JobVersion: 1,
            AllocatedResources: { Tasks: {} },
            DesiredState: { StateType: 2, Message: 'execution completed' },
            ComputeState: { StateType: 9 },
            PublishedResult: { Type: '' },
            RunOutput: {
              Stdout: '15\n',
              StdoutTruncated: false,
              stderr: '',
              StderrTruncated: false,
              ExitCode: 0,
              ErrorMsg: '',
            },
            PreviousExecution: '',
            NextExecution: '',
            FollowupEvalID: '',
            Revision: 4,
            CreateTime: createTime + 1000,
            ModifyTime: modifyTime,
          },
        ],
      },
    };
    // Comparing the serialized text checks key order at every depth as well as keys and values.
    expect(JSON.stringify(response)).toBe(JSON.stringify(expected));
  });

  it('decodes the PUT request body of the reference to the submitted job', () => {
    const body = JSON.parse(
      '{"Job":{"Name":"Docker Job","Type":"batch","Count":1,"Tasks":[{"Name":"main",' +
        '"Engine":{"Type":"docker","Params":{"Image":"busybox:1.37.0","Entrypoint":["/bin/sh"],' +
        '"Parameters":["-c","echo 15"]}}}]},"Force":false}',
    ) as { Job: unknown };
    const decoded = decodeStruct<Job>(body.Job, jobSchema());
    expect(decoded.errors).toEqual([]);
    expect(decoded.unknownFields).toEqual([]);
    expect(decoded.value).toEqual({
      // Scalars the request left out decode to Go's zero values.
      ID: '',
      Namespace: '',
      Priority: 0,
      Version: 0,
      Revision: 0,
      CreateTime: 0,
      ModifyTime: 0,
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
    });
  });
});

describe('schemas are built once', () => {
  it('gives the same schema, nested struct schemas included, on every call', () => {
    expect(jobSchema()).toBe(jobSchema());
    const tasks = jobSchema().fields.find((f) => f.name === 'Tasks')!.kind;
    const task = tasks.kind === 'array' && tasks.of.kind === 'struct' ? tasks.of.schema() : undefined;
    expect(task).toBe(taskSchema());
  });
});
