import { Command } from 'commander';
import type { Execution } from '../../../models/execution.js';
import { executionSchema } from '../../../models/schemas.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addAllVersionsFlag, addJobVersionFlag, addNamespaceFlag, jobRefOptions } from '../../flags/job.js';
import { addListFlags, listOptions } from '../../flags/list.js';
import { addOutputFlags, outputOptions, printWireList, type Column } from '../../output/index.js';
import { executionColumn as c } from './execution-columns.js';

const columns: readonly Column<Execution>[] = [
  c.created,
  c.modified,
  c.id,
  c.jobVersion,
  c.nodeID,
  c.rev,
  c.state,
  c.desired,
];

/** `bacalhau job executions <id|name>`: the executions of a job's latest (or a given) version. */
export function jobExecutionsCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('executions')
    .description('List executions for a job by job name or id.')
    .argument('<id>', 'job ID, short ID or name');
  addJobVersionFlag(cmd);
  addAllVersionsFlag(cmd);
  addNamespaceFlag(cmd);
  addListFlags(cmd, { limit: 20, orderByFields: ['modified_at', 'created_at'] });
  addOutputFlags(cmd);
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  # All executions for the latest version of job with name my-job.',
      `  ${bin} job executions my-job`,
      '',
      '  # All executions for a specific version of job with name my-job.',
      `  ${bin} job executions my-job --version=3`,
      '',
      '  # All executions of every version of job with name my-job.',
      `  ${bin} job executions my-job --all-versions`,
    ].join('\n'),
  );
  return cmd.action(async (idOrName: string, _opts: unknown, command: Command) => {
    const ref = jobRefOptions(command.opts());
    const list = listOptions(command.opts());
    const { client } = createCliClient(ctx, command);
    const response = await withContext(
      client.jobs.executions(
        {
          idOrName,
          ...ref,
          limit: list.limit,
          orderBy: list.orderBy as '' | 'created_at' | 'modified_at',
          reverse: list.reverse,
        },
        callOptions(ctx),
      ),
      `failed to list the executions of job ${idOrName}`,
    );
    printWireList(ctx, columns, response.Items, outputOptions(command.opts()), executionSchema);
  });
}
