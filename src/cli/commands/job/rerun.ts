import { Command } from 'commander';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addJobVersionFlag } from '../../flags/job.js';
import { addRuntimeFlags, runtimeSettings } from '../../flags/runtime.js';
import { takesExtraOperands } from '../../usage-errors.js';
import { JobProgress } from './progress.js';

/** `bacalhau job rerun <id|name>`: runs a job's current (or a given) version again, as a new version. */
export function jobRerunCommand(ctx: CliContext): Command {
  const cmd = takesExtraOperands(
    new Command('rerun')
      .description('Rerun a job using its id or name.')
      .argument('<id>', 'job ID, short ID or name'),
  );
  addJobVersionFlag(cmd, 'The job version to rerun. Defaults to latest version.');
  addRuntimeFlags(cmd, { dryRun: false });
  return cmd.action(async (idOrName: string, _opts: unknown, command: Command) => {
    const opts = command.opts<{ version: number }>();
    const { client } = createCliClient(ctx, command);
    const response = await withContext(
      client.jobs.rerun({ idOrName, jobVersion: opts.version }, callOptions(ctx)),
      'failed API request',
    );
    // The type decides how far the progress is followed: a service or daemon job until it runs.
    // (Go's rerun leaves it out and follows such a job until the wait timeout.)
    const { Job: job } = await withContext(
      client.jobs.get({ idOrName: response.JobID }, callOptions(ctx)),
      'failed API request',
    );
    await new JobProgress(ctx, client, runtimeSettings(command.opts())).show({
      ID: response.JobID,
      Version: response.JobVersion,
      Type: job.Type,
    });
  });
}
