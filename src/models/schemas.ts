/**
 * The wire layout of every model type: field order, JSON kinds and omitempty, as Bacalhau's Go struct
 * tags declare them. Decoding (case-insensitive keys, type checks) and encoding both read these.
 */
import {
  any,
  arrayOf,
  bool,
  float,
  int,
  int64,
  mapOf,
  pointerListOf,
  sharedSchema,
  string,
  struct,
  uint,
  type CustomKind,
  type Kind,
  type StructSchema,
} from './codec.js';
import { parseNetworkType } from './network.js';
import {
  executionDesiredStateCodes,
  executionStateCodes,
  parseJobStateType,
  type ExecutionDesiredStateType,
  type ExecutionStateType,
} from './state.js';

/** An enum that travels as its name; `parse` throws on names it does not know. */
function namedEnum(goType: string, parse: (name: string) => unknown, zero: string): CustomKind {
  return {
    kind: 'custom',
    goType,
    decode(raw) {
      if (typeof raw !== 'string') throw new Error(`expected a string, got ${typeof raw}`);
      return parse(raw);
    },
    encode: (value) => value ?? zero,
    zero,
  };
}

/** An enum that travels as its index in `codes` (execution states). Names are accepted on input too. */
function integerEnum<T extends string>(goType: string, codes: readonly T[]): CustomKind {
  return {
    kind: 'custom',
    goType,
    decode(raw) {
      if (typeof raw === 'number' && Number.isInteger(raw) && codes[raw] !== undefined) return codes[raw];
      if (typeof raw === 'string') {
        const byName = codes.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
        if (byName !== undefined) return byName;
      }
      throw new Error(`unknown ${goType} ${JSON.stringify(raw)}`);
    },
    encode: (value) => Math.max(0, codes.indexOf((value ?? codes[0]) as T)),
    zero: codes[0],
  };
}

function caseInsensitiveChoice(goType: string, choices: readonly string[]): CustomKind {
  return namedEnum(
    goType,
    (name) => {
      const found = choices.find((c) => c.toLowerCase() === name.trim().toLowerCase());
      if (found === undefined)
        throw new Error(`unknown ${goType} '${name}', expected one of ${choices.join(', ')}`);
      return found;
    },
    '',
  );
}

export const jobStateTypeKind: CustomKind = {
  kind: 'custom',
  goType: 'JobStateType',
  // Go's UnmarshalText maps unknown names to Undefined without complaint; a bare integer is the enum value.
  decode(raw) {
    if (typeof raw === 'number') {
      const names = ['Undefined', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'];
      return names[raw] ?? 'Undefined';
    }
    if (typeof raw !== 'string') throw new Error(`expected a string, got ${typeof raw}`);
    return parseJobStateType(raw);
  },
  encode: (value) => value ?? 'Undefined',
  zero: 'Undefined',
};
export const executionStateTypeKind = integerEnum<ExecutionStateType>(
  'ExecutionStateType',
  executionStateCodes,
);
export const executionDesiredStateTypeKind = integerEnum<ExecutionDesiredStateType>(
  'ExecutionDesiredStateType',
  executionDesiredStateCodes,
);
export const networkTypeKind = namedEnum('Network', parseNetworkType, 'Default');
export const nodeTypeKind = caseInsensitiveChoice('NodeType', ['Requester', 'Compute']);
export const membershipKind = caseInsensitiveChoice('NodeMembershipState', [
  'PENDING',
  'APPROVED',
  'REJECTED',
]);
export const connectionKind = caseInsensitiveChoice('NodeConnectionState', ['CONNECTED', 'DISCONNECTED']);
export const historyTypeKind = caseInsensitiveChoice('JobHistoryType', [
  'Undefined',
  'JobLevel',
  'ExecutionLevel',
]);

const stringMap = mapOf(string);
const stringList = arrayOf(string);

/**
 * A job spec struct of Go's `models` package: its name, and its type as a type error names it
 * (`expected: 'models.SpecConfig'`, Go's reflect String()).
 */
function inModels(name: string): Pick<StructSchema, 'name' | 'goType'> {
  return { name, goType: `models.${name}` };
}

function stateSchema(name: string, stateType: Kind): () => StructSchema {
  return sharedSchema(() => ({
    name,
    fields: [
      { name: 'StateType', kind: stateType },
      { name: 'Message', kind: string, omitEmpty: true },
      { name: 'Details', kind: stringMap, omitEmpty: true },
    ],
  }));
}

export const specConfigSchema = sharedSchema((): StructSchema => ({
  ...inModels('SpecConfig'),
  fields: [
    { name: 'Type', kind: string },
    { name: 'Params', kind: mapOf(any), omitEmpty: true },
  ],
}));

export const labelSelectorRequirementSchema = sharedSchema((): StructSchema => ({
  ...inModels('LabelSelectorRequirement'),
  fields: [
    { name: 'Key', kind: string },
    { name: 'Operator', kind: string },
    { name: 'Values', kind: stringList, omitEmpty: true },
  ],
}));

export const inputSourceSchema = sharedSchema((): StructSchema => ({
  ...inModels('InputSource'),
  fields: [
    { name: 'Source', kind: struct(specConfigSchema) },
    { name: 'Alias', kind: string },
    { name: 'Target', kind: string },
  ],
}));

export const resultPathSchema = sharedSchema((): StructSchema => ({
  ...inModels('ResultPath'),
  fields: [
    { name: 'Name', kind: string },
    { name: 'Path', kind: string },
  ],
}));

export const resourcesConfigSchema = sharedSchema((): StructSchema => ({
  ...inModels('ResourcesConfig'),
  fields: ['CPU', 'Memory', 'Disk', 'GPU'].map((name) => ({ name, kind: string, omitEmpty: true })),
}));

export const gpuSchema = sharedSchema((): StructSchema => ({
  ...inModels('GPU'),
  fields: [
    { name: 'Index', kind: uint },
    { name: 'Name', kind: string },
    { name: 'Vendor', kind: string },
    { name: 'Memory', kind: uint },
    { name: 'PCIAddress', kind: string },
  ],
}));

export const resourcesSchema = sharedSchema((): StructSchema => ({
  ...inModels('Resources'),
  fields: [
    { name: 'CPU', kind: float, omitEmpty: true },
    { name: 'Memory', kind: uint, omitEmpty: true },
    { name: 'Disk', kind: uint, omitEmpty: true },
    { name: 'GPU', kind: uint, omitEmpty: true },
    { name: 'GPUs', kind: arrayOf(struct(gpuSchema)), omitEmpty: true },
  ],
}));

export const portSchema = sharedSchema((): StructSchema => ({
  ...inModels('Port'),
  fields: [
    { name: 'Name', kind: string },
    { name: 'Static', kind: int, omitEmpty: true },
    { name: 'Target', kind: int, omitEmpty: true },
    { name: 'HostNetwork', kind: string, omitEmpty: true },
  ],
}));

export const networkConfigSchema = sharedSchema((): StructSchema => ({
  ...inModels('NetworkConfig'),
  fields: [
    { name: 'Type', kind: networkTypeKind },
    { name: 'Domains', kind: stringList, omitEmpty: true },
    // Go: `Ports PortMap`, a named `[]*Port`
    {
      name: 'Ports',
      kind: { kind: 'array', of: struct(portSchema), goType: 'models.PortMap' },
      omitEmpty: true,
    },
  ],
}));

export const timeoutConfigSchema = sharedSchema((): StructSchema => ({
  ...inModels('TimeoutConfig'),
  fields: ['ExecutionTimeout', 'QueueTimeout', 'TotalTimeout'].map((name) => ({
    name,
    kind: int64,
    omitEmpty: true,
  })),
}));

export const taskSchema = sharedSchema((): StructSchema => ({
  ...inModels('Task'),
  fields: [
    { name: 'Name', kind: string },
    { name: 'Engine', kind: struct(specConfigSchema) },
    { name: 'Publisher', kind: struct(specConfigSchema) },
    { name: 'Env', kind: mapOf({ kind: 'string', goType: 'models.EnvVarValue' }), omitEmpty: true },
    { name: 'Meta', kind: stringMap, omitEmpty: true },
    { name: 'InputSources', kind: pointerListOf(struct(inputSourceSchema)), omitEmpty: true },
    { name: 'ResultPaths', kind: pointerListOf(struct(resultPathSchema)), omitEmpty: true },
    { name: 'Resources', kind: struct(resourcesConfigSchema), omitEmpty: true },
    { name: 'Network', kind: struct(networkConfigSchema), omitEmpty: true },
    { name: 'Timeouts', kind: struct(timeoutConfigSchema), omitEmpty: true },
  ],
}));

export const jobSchema = sharedSchema((): StructSchema => ({
  ...inModels('Job'),
  fields: [
    { name: 'ID', kind: string },
    { name: 'Name', kind: string },
    { name: 'Namespace', kind: string },
    { name: 'Type', kind: string },
    { name: 'Priority', kind: int },
    { name: 'Count', kind: int },
    { name: 'Constraints', kind: pointerListOf(struct(labelSelectorRequirementSchema)) },
    { name: 'Meta', kind: stringMap },
    { name: 'Labels', kind: stringMap },
    { name: 'Tasks', kind: pointerListOf(struct(taskSchema)) },
    { name: 'State', kind: struct(stateSchema('State[JobStateType]', jobStateTypeKind)) },
    { name: 'Version', kind: uint },
    { name: 'Revision', kind: uint },
    { name: 'CreateTime', kind: int64 },
    { name: 'ModifyTime', kind: int64 },
  ],
}));

export const runCommandResultSchema = sharedSchema((): StructSchema => ({
  name: 'RunCommandResult',
  fields: [
    { name: 'Stdout', kind: string },
    { name: 'StdoutTruncated', kind: bool },
    { name: 'stderr', kind: string },
    { name: 'StderrTruncated', kind: bool },
    { name: 'ExitCode', kind: int },
    { name: 'ErrorMsg', kind: string },
  ],
}));

export const allocatedResourcesSchema = sharedSchema((): StructSchema => ({
  name: 'AllocatedResources',
  fields: [{ name: 'Tasks', kind: mapOf(struct(resourcesSchema)) }],
}));

export const executionSchema = sharedSchema((): StructSchema => ({
  name: 'Execution',
  fields: [
    { name: 'ID', kind: string },
    { name: 'Namespace', kind: string },
    { name: 'EvalID', kind: string },
    { name: 'Name', kind: string },
    { name: 'NodeID', kind: string },
    { name: 'JobID', kind: string },
    { name: 'Job', kind: struct(jobSchema), omitEmpty: true },
    { name: 'JobVersion', kind: uint },
    { name: 'AllocatedResources', kind: struct(allocatedResourcesSchema) },
    {
      name: 'DesiredState',
      kind: struct(stateSchema('State[ExecutionDesiredStateType]', executionDesiredStateTypeKind)),
    },
    { name: 'ComputeState', kind: struct(stateSchema('State[ExecutionStateType]', executionStateTypeKind)) },
    { name: 'PublishedResult', kind: struct(specConfigSchema) },
    { name: 'RunOutput', kind: struct(runCommandResultSchema) },
    { name: 'PreviousExecution', kind: string },
    { name: 'NextExecution', kind: string },
    { name: 'FollowupEvalID', kind: string },
    { name: 'PartitionIndex', kind: int, omitEmpty: true },
    { name: 'Revision', kind: uint },
    { name: 'CreateTime', kind: int64 },
    { name: 'ModifyTime', kind: int64 },
  ],
}));

export const evaluationSchema = sharedSchema((): StructSchema => ({
  name: 'Evaluation',
  fields: [
    { name: 'ID', kind: string },
    { name: 'Namespace', kind: string },
    { name: 'JobID', kind: string },
    { name: 'TriggeredBy', kind: string },
    { name: 'Priority', kind: int },
    { name: 'Type', kind: string },
    { name: 'Status', kind: string },
    { name: 'Comment', kind: string },
    { name: 'WaitUntil', kind: string },
    { name: 'CreateTime', kind: int64 },
    { name: 'ModifyTime', kind: int64 },
  ],
}));

export const eventSchema = sharedSchema((): StructSchema => ({
  name: 'Event',
  fields: [
    { name: 'Message', kind: string },
    { name: 'Topic', kind: string },
    { name: 'Timestamp', kind: string },
    { name: 'Details', kind: stringMap, omitEmpty: true },
  ],
}));

function stateChangeSchema(name: string, stateType: Kind): () => StructSchema {
  return sharedSchema(() => ({
    name,
    fields: [
      { name: 'Previous', kind: stateType, omitEmpty: true },
      { name: 'New', kind: stateType, omitEmpty: true },
    ],
  }));
}

export const jobHistorySchema = sharedSchema((): StructSchema => ({
  name: 'JobHistory',
  fields: [
    { name: 'SeqNum', kind: uint },
    { name: 'Type', kind: historyTypeKind },
    { name: 'JobID', kind: string },
    { name: 'JobVersion', kind: uint },
    { name: 'ExecutionID', kind: string, omitEmpty: true },
    { name: 'Event', kind: struct(eventSchema) },
    { name: 'Time', kind: string },
    {
      name: 'JobState',
      kind: struct(stateChangeSchema('StateChange[JobStateType]', jobStateTypeKind)),
      omitEmpty: true,
    },
    {
      name: 'ExecutionState',
      kind: struct(stateChangeSchema('StateChange[ExecutionStateType]', executionStateTypeKind)),
      omitEmpty: true,
    },
  ],
}));

export const buildVersionInfoSchema = sharedSchema((): StructSchema => ({
  name: 'BuildVersionInfo',
  fields: [
    { name: 'Major', kind: string, omitEmpty: true },
    { name: 'Minor', kind: string, omitEmpty: true },
    ...['GitVersion', 'GitCommit', 'BuildDate', 'GOOS', 'GOARCH'].map((name) => ({ name, kind: string })),
  ],
}));

export const computeNodeInfoSchema = sharedSchema((): StructSchema => ({
  name: 'ComputeNodeInfo',
  fields: [
    { name: 'ExecutionEngines', kind: stringList },
    { name: 'Publishers', kind: stringList },
    { name: 'StorageSources', kind: stringList },
    { name: 'MaxCapacity', kind: struct(resourcesSchema) },
    { name: 'QueueCapacity', kind: struct(resourcesSchema) },
    { name: 'AvailableCapacity', kind: struct(resourcesSchema) },
    { name: 'MaxJobRequirements', kind: struct(resourcesSchema) },
    { name: 'RunningExecutions', kind: int },
    { name: 'EnqueuedExecutions', kind: int },
    { name: 'address', kind: string },
  ],
}));

export const nodeInfoSchema = sharedSchema((): StructSchema => ({
  name: 'NodeInfo',
  fields: [
    { name: 'NodeID', kind: string },
    { name: 'NodeType', kind: nodeTypeKind },
    { name: 'Labels', kind: stringMap },
    { name: 'SupportedProtocols', kind: stringList },
    { name: 'ComputeNodeInfo', kind: struct(computeNodeInfoSchema), omitEmpty: true },
    { name: 'BacalhauVersion', kind: struct(buildVersionInfoSchema) },
  ],
}));

export const connectionStateSchema = sharedSchema((): StructSchema => ({
  name: 'ConnectionState',
  fields: [
    { name: 'Status', kind: connectionKind },
    { name: 'LastHeartbeat', kind: string },
    { name: 'LastComputeSeqNum', kind: uint, omitEmpty: true },
    { name: 'LastOrchestratorSeqNum', kind: uint, omitEmpty: true },
    { name: 'ConnectedSince', kind: string },
    { name: 'DisconnectedSince', kind: string },
    { name: 'LastError', kind: string, omitEmpty: true },
  ],
}));

export const nodeStateSchema = sharedSchema((): StructSchema => ({
  name: 'NodeState',
  fields: [
    { name: 'Info', kind: struct(nodeInfoSchema) },
    { name: 'Membership', kind: membershipKind },
    { name: 'Connection', kind: connectionKind },
    { name: 'ConnectionState', kind: struct(connectionStateSchema) },
  ],
}));
