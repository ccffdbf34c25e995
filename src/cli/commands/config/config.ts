import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { configListCommand } from './list.js';
import { configSetCommand } from './set.js';

/** `bacalhau config …`: inspect and change the configuration. */
export function configCommand(ctx: CliContext): Command {
  return new Command('config')
    .description('Inspect and change the Bacalhau configuration.')
    .addCommand(configSetCommand(ctx))
    .addCommand(configListCommand(ctx));
}
