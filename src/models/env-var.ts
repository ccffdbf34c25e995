import { EnvVarPrefix } from './constants.js';

/**
 * Task environment variables. A value is either literal or `env:HOST_VAR`, resolved on the compute node
 * when HOST_VAR is allow-listed there.
 */
export type EnvVars = Record<string, string>;

export const HostEnvPrefix = 'env:';

/**
 * Bacalhau's `ValidateEnvVars` rules and messages. Go stops at the first bad variable (in random map
 * order); this reports the first problem of every bad variable, in name order, so a user fixes all at once.
 */
export function validateEnvVars(env: EnvVars): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(env).sort()) {
    const problem = envVarProblem(name, env[name] ?? '');
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

function envVarProblem(name: string, value: string): string | undefined {
  if (name === '') return 'environment variable name cannot be empty';
  if (name !== name.toUpperCase()) return `environment variable '${name}' must be uppercase`;
  if (!/^\p{L}/u.test(name)) return `environment variable '${name}' must start with a letter`;
  if (!/^[\p{L}\p{Nd}_]*$/u.test(name)) {
    return `environment variable '${name}' can only contain letters, numbers, and underscores`;
  }
  if (name.toUpperCase().startsWith(EnvVarPrefix)) {
    return `environment variable '${name}' cannot start with ${EnvVarPrefix}`;
  }
  if (value === '') return `environment variable '${name}' cannot have empty value`;
  return undefined;
}
