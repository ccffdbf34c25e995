import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addProfileFlag } from '../../flags/profile.js';
import { dockerRunCommand } from './run.js';

/** `bacalhau docker …`: the noun of `docker run`. */
export function dockerCommand(ctx: CliContext): Command {
  return addProfileFlag(
    new Command('docker').description('Run a docker job on the network (see run subcommand)'),
  ).addCommand(dockerRunCommand(ctx));
}
