import { Command } from 'commander';
import type { Job } from '../../../models/job.js';
import { jobSchema } from '../../../models/schemas.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addNamespaceFlag, jobRefOptions } from '../../flags/job.js';
import {
  addOutputFlags,
  dateTime,
  fromNanos,
  outputOptions,
  printWireList,
  type Column,
} from '../../output/index.js';

const columns: readonly Column<Job>[] = [
  // A version is created when the job is modified: its ModifyTime (as Bacalhau shows it).
  {
    name: 'Created At',
    maxWidth: 30,
    overflow: 'wrap-hard',
    value: (j) => dateTime(fromNanos(j.ModifyTime)),
  },
  { name: 'Job Version', maxWidth: 11, overflow: 'wrap-hard', value: (j) => String(j.Version) },
];

/** `bacalhau job versions <id|name>`: every version a job has had. */
export function jobVersionsCommand(ctx: CliContext): Command {
  const cmd = new Command('versions')
    .description('List versions for a job by submitting its id or name.')
    .argument('<id>', 'job ID, short ID or name')
    .addHelpText(
      'after',
      `\nExamples:\n  # All versions for a given job.\n  ${ctx.binName} job versions my-job\n`,
    );
  addNamespaceFlag(cmd);
  addOutputFlags(cmd);
  return cmd.action(async (idOrName: string, _opts: unknown, command: Command) => {
    const { namespace } = jobRefOptions(command.opts());
    const { client } = createCliClient(ctx, command);
    const response = await withContext(
      client.jobs.versions({ idOrName, namespace }, callOptions(ctx)),
      `failed to list the versions of job ${idOrName}`,
    );
    printWireList(ctx, columns, response.Items, outputOptions(command.opts()), jobSchema);
  });
}
