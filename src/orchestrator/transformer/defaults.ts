/**
 * Bacalhau's `DefaultsApplier` (`transformer/job.go`): what the operator's `JobDefaults` config fills in
 * for a job that leaves it unset. Every job type gets a priority and resources; batch and ops tasks also
 * get a publisher and execution/total timeouts.
 */
import type { BacalhauConfig } from '../../config/index.js';
import { buildTree, defaultValues } from '../../config/keys.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { JobType } from '../../models/constants.js';
import { parseDuration, Second } from '../../models/duration.js';
import type { ResourcesConfig } from '../../models/resources.js';
import { isEmptySpecConfig, normalizeSpecConfig, type SpecConfig } from '../../models/spec-config.js';
import type { Task } from '../../models/task.js';
import { mapTasks, type JobTransformer } from './types.js';

/** The `JobDefaults` section of the config tree. */
export type JobDefaultsConfig = BacalhauConfig['JobDefaults'];

/** Bacalhau's built-in `JobDefaults` (`pkg/config/defaults.go`): CPU `500m` and memory `512Mb` for every type. */
export function builtinJobDefaults(): JobDefaultsConfig {
  return buildTree(defaultValues({ home: '/', numCpu: 1 })).JobDefaults;
}

/** The defaults of one job type, compiled: durations in whole seconds, the publisher as a spec. */
export interface TypeDefaults {
  readonly priority: number;
  readonly resources: Readonly<ResourcesConfig>;
  /** Batch and ops only; absent when the config names no publisher. */
  readonly publisher?: Readonly<SpecConfig>;
  /** Batch and ops only. */
  readonly timeouts?: { readonly executionTimeout: number; readonly totalTimeout: number };
}

export type CompiledJobDefaults = Readonly<Record<JobType, TypeDefaults>>;

function invalidConfig(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ConfigurationError, component: 'JobTransformer' });
}

/** Go's `int64(time.Duration(d).Seconds())`: whole seconds, truncated. */
function seconds(key: string, text: string): number {
  if (text === '') return 0;
  try {
    return Number(parseDuration(text) / Second);
  } catch (err) {
    throw invalidConfig(`${key}: ${(err as Error).message}`);
  }
}

/**
 * Compiles the config section once: durations parsed, the publisher built as Go's
 * `DefaultPublisherConfig.ToSpecConfig` does (type trimmed, params copied). The result is frozen.
 * @throws BacalhauError (ConfigurationError) for a timeout that is not a Go duration
 */
export function compileJobDefaults(config: JobDefaultsConfig = builtinJobDefaults()): CompiledJobDefaults {
  const resources = (r: JobDefaultsConfig['Batch']['Task']['Resources']): ResourcesConfig => {
    const out: ResourcesConfig = {};
    if (r.CPU !== '') out.CPU = r.CPU;
    if (r.Memory !== '') out.Memory = r.Memory;
    if (r.Disk !== '') out.Disk = r.Disk;
    if (r.GPU !== '') out.GPU = r.GPU;
    return Object.freeze(out);
  };
  const batchLike = (name: string, d: JobDefaultsConfig['Batch']): TypeDefaults => {
    const publisher = normalizeSpecConfig({
      Type: d.Task.Publisher.Type,
      Params: { ...d.Task.Publisher.Params },
    });
    return Object.freeze({
      priority: d.Priority,
      resources: resources(d.Task.Resources),
      ...(isEmptySpecConfig(publisher) ? {} : { publisher: Object.freeze(publisher) }),
      timeouts: Object.freeze({
        executionTimeout: seconds(
          `JobDefaults.${name}.Task.Timeouts.ExecutionTimeout`,
          d.Task.Timeouts.ExecutionTimeout,
        ),
        totalTimeout: seconds(`JobDefaults.${name}.Task.Timeouts.TotalTimeout`, d.Task.Timeouts.TotalTimeout),
      }),
    });
  };
  const longRunning = (d: JobDefaultsConfig['Service']): TypeDefaults =>
    Object.freeze({ priority: d.Priority, resources: resources(d.Task.Resources) });
  return Object.freeze({
    [JobType.Batch]: batchLike('Batch', config.Batch),
    [JobType.Ops]: batchLike('Ops', config.Ops),
    [JobType.Service]: longRunning(config.Service),
    [JobType.Daemon]: longRunning(config.Daemon),
  });
}

function applyTaskDefaults(task: Task, defaults: TypeDefaults): Task {
  const out: Task = { ...task };
  const resources: ResourcesConfig = { ...task.Resources };
  for (const key of ['CPU', 'Memory', 'Disk', 'GPU'] as const) {
    const value = defaults.resources[key];
    if ((resources[key] ?? '') === '' && value !== undefined) resources[key] = value;
  }
  out.Resources = resources;
  // A publisher the user left empty ({} or {Type: ""} without params) takes the configured one.
  if (defaults.publisher !== undefined && isEmptySpecConfig(task.Publisher)) {
    out.Publisher = { Type: defaults.publisher.Type, Params: { ...defaults.publisher.Params } };
  }
  if (defaults.timeouts !== undefined) {
    const timeouts = { ...task.Timeouts };
    if ((timeouts.ExecutionTimeout ?? 0) <= 0) timeouts.ExecutionTimeout = defaults.timeouts.executionTimeout;
    if ((timeouts.TotalTimeout ?? 0) <= 0) timeouts.TotalTimeout = defaults.timeouts.totalTimeout;
    out.Timeouts = timeouts;
  }
  return out;
}

/**
 * Bacalhau's `DefaultsApplier`: priority when 0; each resource (CPU, Memory, Disk, GPU) when empty; for
 * batch and ops also the publisher when empty and ExecutionTimeout / TotalTimeout when ≤ 0. QueueTimeout
 * is never defaulted.
 * @throws BacalhauError (ValidationError) `unknown job type: <type>` (validation rejects those first)
 */
export function defaultsApplier(defaults: CompiledJobDefaults = compileJobDefaults()): JobTransformer {
  return (job) => {
    const forType = (defaults as Readonly<Record<string, TypeDefaults | undefined>>)[job.Type];
    if (forType === undefined) {
      throw new BacalhauError(`unknown job type: ${job.Type}`, {
        code: ErrorCode.ValidationError,
        component: 'JobTransformer',
      });
    }
    const withTasks = mapTasks(job, (task) => applyTaskDefaults(task, forType));
    return job.Priority === 0 ? { ...withTasks, Priority: forType.priority } : withTasks;
  };
}
