/** Bacalhau's run-time settings flags (`cliflags/runtime.go`) of `job run` and `job rerun`. */
import { Option, type Command } from 'commander';
import { parseInteger } from './parse.js';

export interface RuntimeSettings {
  /** `--wait` (default true; `--wait=false` prints the job ID and returns). */
  readonly wait: boolean;
  /** How long progress is followed before giving up (the job keeps running). */
  readonly waitTimeoutSecs: number;
  readonly idOnly: boolean;
  readonly nodeDetails: boolean;
  readonly dryRun: boolean;
  /** `-f/--follow`: stream the job's output instead of its events. */
  readonly follow: boolean;
  /** `--group-events`: one live row per execution instead of every event in sequence. */
  readonly groupEvents: boolean;
}

export function addRuntimeFlags(cmd: Command, options: { dryRun: boolean }): Command {
  cmd
    .addOption(
      new Option(
        '--wait',
        'Wait for the job to finish. Use --wait=false to return as soon as the job is submitted.',
      ).default(true),
    )
    .addOption(new Option('--no-wait', 'Return as soon as the job is submitted.').hideHelp())
    .addOption(
      new Option(
        '--wait-timeout-secs <seconds>',
        'When using --wait, how many seconds to wait for the job to complete before giving up (0 or less: no limit).',
      )
        // an int, as Bacalhau's pflag IntVar: a negative value is accepted there
        .argParser(parseInteger)
        .default(600),
    )
    .addOption(new Option('--id-only', 'Print out only the Job ID on successful submission.'))
    .addOption(new Option('--node-details', 'Print out details of all nodes (overridden by --id-only).'))
    .addOption(new Option('-f, --follow', 'When specified will follow the output from the job as it runs'))
    .addOption(new Option('--group-events', 'Group events by execution'));
  if (options.dryRun) {
    cmd.addOption(
      new Option('--dry-run', 'Do not submit the job, but instead print out what will be submitted'),
    );
  }
  return cmd;
}

export function runtimeSettings(opts: Record<string, unknown>): RuntimeSettings {
  return {
    wait: opts['wait'] !== false,
    waitTimeoutSecs: typeof opts['waitTimeoutSecs'] === 'number' ? opts['waitTimeoutSecs'] : 600,
    idOnly: opts['idOnly'] === true,
    nodeDetails: opts['nodeDetails'] === true,
    dryRun: opts['dryRun'] === true,
    follow: opts['follow'] === true,
    groupEvents: opts['groupEvents'] === true,
  };
}
