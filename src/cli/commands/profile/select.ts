import { Command } from 'commander';
import { goQuote } from '../../../models/go-compat.js';
import type { CliContext } from '../../context.js';
import { attempt, profileStore } from './profile.js';

/** `bacalhau profile select <name>`: points `current` at the profile. */
export function profileSelectCommand(ctx: CliContext): Command {
  return new Command('select')
    .description('Set a profile as current.')
    .argument('<name>', 'profile name')
    .action((name: string, _opts: unknown, command: Command) => {
      const store = profileStore(ctx, command);
      attempt('failed to select profile', () => store.select(name));
      ctx.stdout.write(`Switched to profile ${goQuote(name)}\n`);
    });
}
