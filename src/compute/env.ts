/**
 * The environment an execution sees (Go's `GetExecutionEnvVars` and `env.ResolverMap`): the task's
 * variables, with `env:NAME` values taken from this node's own environment when NAME matches one of
 * `Compute.Env.AllowList` (regular expressions, as in Go), and the `BACALHAU_*` system variables on top.
 */
import {
  BacalhauError,
  EnvVarHostPortPrefix,
  EnvVarPrefix,
  ErrorCode,
  HostEnvPrefix,
} from '../models/index.js';
import type { Execution } from '../models/index.js';
import { goRegExp } from '../lib/go-regexp.js';

export const EnvResolverComponent = 'EnvResolver';

export interface EnvResolver {
  /** The value a task variable resolves to: literal values as they are, `env:NAME` from the host. */
  value(value: string): string;
  /** Throws if `value` is an `env:` reference this node may not resolve; never reads the variable. */
  validate(value: string): void;
}

export function hostEnvResolver(
  allowList: readonly string[],
  hostEnv: NodeJS.ProcessEnv = process.env,
): EnvResolver {
  // Go (RE2) patterns: `(?i)^aws_` is one. One that reads as none matches nothing, as Go's
  // regexp.MatchString error counts as no match (the config refuses such a pattern where it is set).
  const patterns = allowList.flatMap((pattern) => {
    try {
      return [goRegExp(pattern)];
    } catch {
      return [];
    }
  });
  const check = (name: string): void => {
    if (patterns.some((pattern) => pattern.test(name))) return;
    throw new BacalhauError(`environment variable '${name}' is not in allowed patterns`, {
      code: ErrorCode.Unauthorized,
      component: EnvResolverComponent,
      hint: "Check allowed patterns of the compute node's configuration",
    });
  };
  return {
    validate(value) {
      if (value.startsWith(HostEnvPrefix)) check(value.slice(HostEnvPrefix.length));
    },
    value(value) {
      if (!value.startsWith(HostEnvPrefix)) return value;
      const name = value.slice(HostEnvPrefix.length);
      check(name);
      const found = hostEnv[name];
      if (found === undefined) {
        throw new BacalhauError(`required environment variable '${name}' not found`, {
          code: ErrorCode.NotFound,
          component: EnvResolverComponent,
          hint: 'Check the host environment variables',
        });
      }
      return found;
    },
  };
}

/** Task env resolved, then the system variables (which win). */
export function executionEnv(execution: Execution, resolver: EnvResolver): Record<string, string> {
  const job = execution.Job;
  const task = job?.Tasks[0];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(task?.Env ?? {})) env[name] = resolver.value(value);
  env[`${EnvVarPrefix}EXECUTION_ID`] = execution.ID;
  if (job === undefined) return env;
  env[`${EnvVarPrefix}JOB_ID`] = execution.JobID;
  env[`${EnvVarPrefix}JOB_TYPE`] = job.Type;
  env[`${EnvVarPrefix}PARTITION_INDEX`] = String(execution.PartitionIndex);
  env[`${EnvVarPrefix}PARTITION_COUNT`] = String(job.Count);
  // Ports as allocated by the node: the host port, and the port the task listens on, which is the
  // host port itself unless Bridge maps it to a container port (Go leaves the latter out in Host mode;
  // we set it so a task can listen on BACALHAU_PORT_<Name> whatever the mode).
  for (const port of task?.Network?.Ports ?? []) {
    const hostPort = port.Static ?? 0;
    const listenPort = port.Target || hostPort;
    if (hostPort > 0) env[`${EnvVarHostPortPrefix}${port.Name}`] = String(hostPort);
    if (listenPort > 0) env[`${EnvVarPrefix}PORT_${port.Name}`] = String(listenPort);
  }
  return env;
}
