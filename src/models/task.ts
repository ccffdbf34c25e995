import type { EnvVars } from './env-var.js';
import { validateEnvVars } from './env-var.js';
import { normalizeInputSource, validateInputSource, type InputSource } from './input-source.js';
import { normalizeNetworkConfig, validateNetworkConfig, type NetworkConfig } from './network.js';
import { normalizeResourcesConfig, validateResourcesConfig, type ResourcesConfig } from './resources.js';
import { normalizeResultPath, validateResultPath, type ResultPath } from './result-path.js';
import {
  isEmptySpecConfig,
  normalizeSpecConfig,
  validateSpecConfig,
  type SpecConfig,
} from './spec-config.js';
import { validateTimeoutBudget, validateTimeoutsSubmission, type TimeoutConfig } from './timeouts.js';
import { hasNullChar, isBlank, within } from './validate.js';

/** The unit of work of a job: what runs, with which data, where results go (`models.Task`). */
export interface Task {
  Name: string;
  Engine?: SpecConfig;
  Publisher?: SpecConfig;
  Env?: EnvVars;
  Meta?: Record<string, string>;
  InputSources?: InputSource[];
  ResultPaths?: ResultPath[];
  /** Go field `ResourcesConfig`, wire key `Resources`. */
  Resources?: ResourcesConfig;
  Network?: NetworkConfig;
  Timeouts?: TimeoutConfig;
}

/** A task with every optional part initialised, as the server stores it. A missing engine stays missing
 * so that validation can say so. */
export type NormalizedTask = Required<Omit<Task, 'Engine'>> & Pick<Task, 'Engine'>;

export function normalizeTask(task: Task): NormalizedTask {
  return {
    Name: task.Name,
    ...(task.Engine === undefined ? {} : { Engine: normalizeSpecConfig(task.Engine) }),
    Publisher: normalizeSpecConfig(task.Publisher ?? { Type: '' }),
    Env: task.Env ?? {},
    Meta: task.Meta ?? {},
    InputSources: (task.InputSources ?? []).map(normalizeInputSource),
    ResultPaths: (task.ResultPaths ?? []).map(normalizeResultPath),
    Resources: normalizeResourcesConfig(task.Resources ?? {}),
    Network: normalizeNetworkConfig(task.Network ?? { Type: 'Default' }),
    Timeouts: task.Timeouts ?? {},
  };
}

/** Checks made on submission (client and server), Bacalhau's `Task.ValidateSubmission`. */
export function validateTaskSubmission(task: Task): string[] {
  return [
    ...(isBlank(task.Name) ? ['missing task name'] : []),
    ...(hasNullChar(task.Name) ? ['task name cannot contain null characters'] : []),
    ...validateEnvVars(task.Env ?? {}),
    ...within('invalid engine', validateSpecConfig(task.Engine)),
    ...within('invalid timeouts', validateTimeoutsSubmission(task.Timeouts ?? {})),
    ...within('invalid resources', validateResourcesConfig(task.Resources ?? {})),
    ...within('invalid input sources', (task.InputSources ?? []).flatMap(validateInputSource)),
    ...within('invalid output', (task.ResultPaths ?? []).flatMap(validateResultPath)),
    ...duplicates(
      task.InputSources ?? [],
      (i) => i.Alias,
      (a) => `input source with alias '${a}' already exists`,
    ),
    ...duplicates(
      task.InputSources ?? [],
      (i) => i.Target,
      (t) => `input source with target '${t}' already exists`,
    ),
    ...duplicates(
      task.ResultPaths ?? [],
      (r) => r.Name,
      (n) => `result path with name '${n}' already exists`,
    ),
    ...duplicates(
      task.ResultPaths ?? [],
      (r) => r.Path,
      (p) => `result path '${p}' already exists`,
    ),
    ...within('invalid network', validateNetworkConfig(task.Network ?? { Type: 'Default' })),
  ];
}

/** Go's words for result paths with nowhere to publish them (there is no default publisher). */
export const PublisherRequired = 'publisher must be set if result paths are set';
/** The context Go's `Task.Validate` gives the timeout budget's problem. */
export const TimeoutBudgetContext = 'task timeouts validation failed';

/**
 * The checks Bacalhau's `Task.Validate` adds to the submission checks before a task is stored. (Go runs
 * the submission checks again there and so reports those problems twice; here they are reported once.)
 */
export function validateTaskForStore(task: Task): string[] {
  return [
    ...((task.ResultPaths ?? []).length > 0 && isEmptySpecConfig(task.Publisher) ? [PublisherRequired] : []),
    ...within(TimeoutBudgetContext, validateTimeoutBudget(task.Timeouts ?? {})),
  ];
}

/** One problem per repeated non-empty key (Go reports only the first). */
function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  message: (key: string) => string,
): string[] {
  const seen = new Set<string>();
  const reported = new Set<string>();
  const problems: string[] = [];
  for (const item of items) {
    const k = key(item);
    if (k === '') continue;
    if (seen.has(k) && !reported.has(k)) {
      problems.push(message(k));
      reported.add(k);
    }
    seen.add(k);
  }
  return problems;
}

/** All storage types the task reads from, de-duplicated. */
export function taskStorageTypes(task: Task): string[] {
  return [...new Set((task.InputSources ?? []).map((i) => i.Source?.Type ?? '').filter((t) => t !== ''))];
}
