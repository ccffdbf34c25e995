/** Flags several job commands share: `--namespace`, `-v/--version`, `--all-versions`. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseUint } from './parse.js';

export function addNamespaceFlag(
  cmd: Command,
  description = 'Job Namespace. If not provided, default namespace will be used.',
): Command {
  return cmd.addOption(new Option('--namespace <namespace>', description).default(''));
}

export function addJobVersionFlag(
  cmd: Command,
  description = 'The job version to filter by. By default, the latest version is used.',
): Command {
  return cmd.addOption(
    new Option('-v, --version <version>', description).argParser(parseJobVersion).default(0),
  );
}

/** A uint, refused in the words of Bacalhau's `util.UintValue` (its `-v` flags), not strconv's. */
function parseJobVersion(value: string): number {
  try {
    return parseUint(value);
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a valid number: please provide a positive integer`);
  }
}

export function addAllVersionsFlag(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      '--all-versions',
      'Specifies that all job versions should be returned. By default, only the executions of the latest ' +
        'job version is returned. Note: this flag is mutually exclusive with --version, where the latter ' +
        'takes precedence if both are set.',
    ),
  );
}

/** `--namespace`, `--version` and `--all-versions` as `cmd.opts()` holds them. */
export function jobRefOptions(opts: Record<string, unknown>): {
  namespace: string;
  jobVersion: number;
  allJobVersions: boolean;
} {
  return {
    namespace: typeof opts['namespace'] === 'string' ? opts['namespace'] : '',
    jobVersion: typeof opts['version'] === 'number' ? opts['version'] : 0,
    allJobVersions: opts['allVersions'] === true,
  };
}
