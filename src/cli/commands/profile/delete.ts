import { Command, Option } from 'commander';
import { BacalhauError } from '../../../models/bacerrors.js';
import { goQuote } from '../../../models/go-compat.js';
import type { CliContext } from '../../context.js';
import { readTerminatedLine } from '../../input.js';
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
        // as Go's: input that ends before the answer's newline (a script's stdin /dev/null) is an error,
        // not a cancellation that exits 0
        const line = await readTerminatedLine(ctx.stdin).catch((err: unknown) => {
          throw BacalhauError.wrap(err, 'failed to read response');
        });
        const answer = line.trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes') {
          ctx.stdout.write('Deletion cancelled\n');
          return;
        }
      }
      attempt('failed to delete profile', () => store.delete(name));
      ctx.stdout.write(`Profile ${goQuote(name)} deleted\n`);
    });
}
