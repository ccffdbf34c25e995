import { Command } from 'commander';
import type { CliContext } from '../../context.js';

/** `bacalhau job …`: the noun that groups every job verb. */
export function jobCommand(_ctx: CliContext): Command {
  return new Command('job').description('Commands to submit, query and update jobs.');
}
