import { Command } from 'commander';
import { BacalhauError } from '../../../models/bacerrors.js';
import type { CliContext } from '../../context.js';
import { ProfileStore } from '../../profile/store.js';
import { loadCliConfig } from '../config/load.js';
import { profileDeleteCommand } from './delete.js';
import { profileListCommand } from './list.js';
import { profileSaveCommand } from './save.js';
import { profileSelectCommand } from './select.js';
import { profileShowCommand } from './show.js';

/** Runs a store operation, prefixing its failure with what was being done (Go's `fmt.Errorf("…: %w")`). */
export function attempt<T>(doing: string, operation: () => T): T {
  try {
    return operation();
  } catch (err) {
    throw BacalhauError.wrap(err, doing);
  }
}

/** The profiles of the data directory the command's configuration names. */
export function profileStore(ctx: CliContext, cmd: Command): ProfileStore {
  return ProfileStore.forDataDir(loadCliConfig(ctx, cmd).config.DataDir);
}

/** `bacalhau profile …`: named connection settings for Bacalhau clusters. */
export function profileCommand(ctx: CliContext): Command {
  return new Command('profile')
    .description('Manage CLI connection profiles for Bacalhau clusters.')
    .addCommand(profileListCommand(ctx))
    .addCommand(profileSaveCommand(ctx))
    .addCommand(profileShowCommand(ctx))
    .addCommand(profileSelectCommand(ctx))
    .addCommand(profileDeleteCommand(ctx));
}
