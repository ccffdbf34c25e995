/**
 * What a command group (`bacalhau`, `bacalhau job`, ...) does when it is not given one of its
 * subcommands. Bare, it prints its help on standard output and exits 0, as cobra does for a command
 * without `Run`; `help [command...]` prints the help of the command named. With a name it does not
 * know, it fails with cobra's `unknown command "x" for "bacalhau job"` and the closest name; for the
 * top-level commands of Bacalhau before v1.5 (`bacalhau list`, `bacalhau describe`, ...), the hint
 * names the `job` command that replaced them.
 *
 * Deliberate difference: cobra checks names only at the top level. Below it (`bacalhau job lsit`,
 * `bacalhau config get`), Go prints the group's help and exits 0, so a typo in a script passes as a
 * success; here it fails as at the top level.
 */
import type { Command } from 'commander';
import { fullCommandName, isNamed } from './argv.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { closestKey } from '../models/jobspec/closest-key.js';

/** Bacalhau's pre-v1.5 top-level commands, and the `job` subcommand each became. */
const MovedUnderJob: Readonly<Record<string, string>> = {
  list: 'list',
  describe: 'describe',
  get: 'get',
  logs: 'logs',
  validate: 'validate',
  create: 'run',
  run: 'run',
  cancel: 'stop',
};

/** Makes every command that has subcommands behave as above. */
export function handleGroupCommands(cmd: Command): void {
  if (cmd.commands.length === 0) return;
  for (const sub of cmd.commands) handleGroupCommands(sub);
  // Unknown options reach the action, so that `bacalhau list --id-filter x` (a command of Bacalhau before
  // v1.5, with its flags) is told about the command rather than a flag, as cobra does.
  cmd
    .allowExcessArguments(true)
    .allowUnknownOption(true)
    .action(function (this: Command) {
      runGroup(this);
    });
  // commander adds its own `help [command]` only to commands without an action, and one level deep
  cmd
    .command('help [command...]')
    .description('display help for command')
    .action((names: string[]) => helpFor(cmd, names).help());
}

function runGroup(group: Command): void {
  const [name] = group.args;
  if (name === undefined) group.help(); // stdout, exit 0
  if (name.startsWith('-')) {
    group.error(`error: unknown option '${name}'`, { code: 'commander.unknownOption', exitCode: 1 });
  }
  const path = fullCommandName(group);
  const similar = closestKey(
    name,
    group.commands.map((c) => c.name()),
  );
  const moved = group.parent === null ? MovedUnderJob[name] : undefined;
  throw new BacalhauError(
    `unknown command "${name}" for "${path}"${similar === undefined ? '' : `\n\nDid you mean this?\n\t${similar}`}`,
    {
      code: ErrorCode.BadRequest,
      component: 'CLI',
      hint:
        moved === undefined
          ? `Run '${path} --help' for usage.`
          : `Bacalhau's job commands moved under 'job' in v1.5: use '${path} job ${moved}'`,
    },
  );
}

/** `help job list`: the command the names lead to, as far as they lead. */
function helpFor(group: Command, names: readonly string[]): Command {
  let target = group;
  for (const name of names) {
    const next = target.commands.find((c) => isNamed(c, name));
    if (next === undefined) break;
    target = next;
  }
  return target;
}
