/**
 * `--profile <name>` of the commands that talk to a node (Bacalhau's `cliflags.RegisterProfileFlag`).
 * Cobra also takes it before the command's name (`bacalhau --profile prod job list`), so the root has
 * it too, hidden as in Go's root help; no default here, so that the root's value shows through.
 */
import { Option, type Command } from 'commander';

const description = 'Use a specific profile for this command';

export function addProfileFlag(cmd: Command): Command {
  return cmd.addOption(new Option('--profile <name>', description));
}

/** The root's copy: `--profile` given before the command's name. */
export function addRootProfileFlag(cmd: Command): Command {
  return cmd.addOption(new Option('--profile <name>', description).hideHelp());
}
