/** `--profile <name>` of the commands that talk to a node (Bacalhau's `cliflags.RegisterProfileFlag`). */
import { Option, type Command } from 'commander';

export function addProfileFlag(cmd: Command): Command {
  return cmd.addOption(new Option('--profile <name>', 'Use a specific profile for this command').default(''));
}
