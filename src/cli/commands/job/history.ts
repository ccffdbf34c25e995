import { Command, InvalidArgumentError, Option } from 'commander';
import type { HistoryEventType } from '../../../api/client/index.js';
import { jobHistorySchema } from '../../../models/schemas.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addAllVersionsFlag, addJobVersionFlag, addNamespaceFlag, jobRefOptions } from '../../flags/job.js';
import { addListFlags, listOptions } from '../../flags/list.js';
import { addOutputFlags, outputOptions, printWireList, styles } from '../../output/index.js';
import { historyColumns } from './history-columns.js';

const eventTypes = ['all', 'job', 'execution'];

function parseEventType(value: string): string {
  if (!eventTypes.includes(value)) {
    throw new InvalidArgumentError(`should be one of: ${eventTypes.join(', ')}`);
  }
  return value;
}

/** `bacalhau job history <id|name>`: the events of a job and its executions. */
export function jobHistoryCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('history')
    .description('List job history events for a job by id.')
    .argument('<id>', 'job ID, short ID or name')
    .addOption(
      new Option('--event-type <type>', 'The type of history events to return. One of: all, job, execution')
        .argParser(parseEventType)
        .default('all'),
    )
    .addOption(new Option('--execution-id <id>', 'The execution id to filter by.').default(''))
    .addOption(
      new Option('--node-id <id>', 'Only events of executions on this node (ID or prefix).').default(''),
    );
  addJobVersionFlag(cmd);
  addAllVersionsFlag(cmd);
  addNamespaceFlag(cmd);
  addListFlags(cmd);
  addOutputFlags(cmd);
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  # All events for a given job.',
      `  ${bin} job history e3f8c209-d683-4a41-b840-f09b88d087b9`,
      '',
      '  # Job level events',
      `  ${bin} job history --event-type job e3f8c209`,
      '',
      '  # Execution level events',
      `  ${bin} job history --event-type execution e3f8c209`,
    ].join('\n'),
  );
  return cmd.action(async (idOrName: string, _opts: unknown, command: Command) => {
    const opts = command.opts<{ eventType: HistoryEventType; executionId: string; nodeId: string }>();
    const ref = jobRefOptions(command.opts());
    const list = listOptions(command.opts());
    const { client } = createCliClient(ctx, command);
    const call = callOptions(ctx);
    const response = await withContext(
      client.jobs.history(
        {
          idOrName,
          namespace: ref.namespace,
          eventType: opts.eventType,
          executionID: opts.executionId,
          jobVersion: ref.jobVersion,
          allJobVersions: ref.allJobVersions,
          limit: list.limit,
          nextToken: list.nextToken,
        },
        call,
      ),
      `failed to list the history of job ${idOrName}`,
    );
    let items = response.Items;
    if (opts.nodeId !== '') {
      // The API filters by execution, not node: keep the events of this node's executions.
      const executions = await withContext(
        client.jobs.executions(
          { idOrName, namespace: ref.namespace, jobVersion: ref.jobVersion, allJobVersions: true },
          call,
        ),
        `failed to list the executions of job ${idOrName}`,
      );
      const onNode = new Set(
        executions.Items.filter((e) => e.NodeID.startsWith(opts.nodeId)).map((e) => e.ID),
      );
      items = items.filter((h) => h.ExecutionID !== undefined && onNode.has(h.ExecutionID));
    }
    const h = historyColumns(styles(ctx));
    const columns = [h.dateTime, h.level, h.jobVersion, h.execID, h.topic, h.event];
    printWireList(ctx, columns, items, outputOptions(command.opts()), jobHistorySchema);
  });
}
