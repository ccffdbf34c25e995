import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { validateCommand } from './validate.js';

/** `bacalhau job …`: the noun that groups every job verb. */
export function jobCommand(ctx: CliContext): Command {
  return new Command('job')
    .description('Commands to submit, query and update jobs.')
    .addCommand(validateCommand(ctx));
}
