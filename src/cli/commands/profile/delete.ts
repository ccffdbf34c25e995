import { Command, Option } from 'commander';
import { goQuote } from '../../../models/go-compat.js';
import type { CliContext } from '../../context.js';
import { readLine } from '../../input.js';
import { attempt, profileStore } from './profile.js';

/** `bacalhau profile delete <name>`: asks before deleting the current profile, unless `--force`. */
export function profileDeleteCommand(ctx: CliContext): Command {
  return new Command('delete')
    .description('Delete a profile.')
    .argument('<name>', 'profile name')
    .addOption(new Option('-f, --force', 'Skip confirmation for current profile'))
    .action(async (name: string, opts: { force?: boolean }, command: Command) => {
      const store = profileStore(ctx, command);
      if (!store.exists(name)) throw new Error(`profile ${goQuote(name)} not found`);
      if (store.current() === name && opts.force !== true) {
        ctx.stdout.write(`Profile ${goQuote(name)} is the current profile. Delete anyway? [y/N]: `);
        const answer = (await readLine(ctx.stdin)).trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes') {
          ctx.stdout.write('Deletion cancelled\n');
          return;
        }
      }
      attempt('failed to delete profile', () => store.delete(name));
      ctx.stdout.write(`Profile ${goQuote(name)} deleted\n`);
    });
}
