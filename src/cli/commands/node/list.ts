import { Command, InvalidArgumentError, Option } from 'commander';
import { nodeOrderByValues } from '../../../api/client/index.js';
import { nodeStateSchema } from '../../../models/schemas.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addListFlags, listOptions } from '../../flags/list.js';
import { checkLabelFlag } from '../../flags/labels.js';
import { flagError } from '../../flags/parse.js';
import { addOutputFlags, outputOptions, printWireList } from '../../output/index.js';
import { alwaysColumns, columnGroups } from './columns.js';

const orderByFields = nodeOrderByValues.filter((v) => v !== '');
const approvalValues = ['approved', 'pending', 'rejected'];
const statusValues = ['connected', 'disconnected'];
const quoted = (values: readonly string[]): string => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;

/** Checked when the command runs, as Go's RunE does: its error is not a flag-parsing one. */
function checkOneOf(flag: string, value: string | undefined, allowed: readonly string[]): void {
  if (value === undefined || allowed.includes(value)) return;
  throw flagError(`cannot use '${value}' as ${flag} value, should be one of: ${quoted(allowed)}`);
}

function showGroups(value: string, previous: string[] | undefined): string[] {
  const groups = value.split(',').filter((g) => g !== '');
  for (const group of groups) {
    if (columnGroups[group] === undefined) {
      throw new InvalidArgumentError(
        `unknown column group ${group}; one of ${quoted(Object.keys(columnGroups))}`,
      );
    }
  }
  return [...(previous ?? []), ...groups];
}

/** `bacalhau node list`: the nodes the orchestrator knows, with their approval and connection. */
export function nodeListCommand(ctx: CliContext): Command {
  const cmd = new Command('list')
    .description('List info of network nodes.')
    .addOption(
      new Option(
        '--show <groups>',
        `What column groups to show. Zero or more of: ${quoted(Object.keys(columnGroups))}`,
      ).argParser(showGroups),
    )
    .addOption(
      new Option(
        '--labels <selector>',
        'Filter nodes by labels. See https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/ for more information.',
      ),
    );
  addListFlags(cmd, { orderByFields });
  addOutputFlags(cmd);
  cmd
    .addOption(
      new Option(
        '--filter-approval <approval>',
        `Filter nodes by approval. One of: ${quoted(approvalValues)}`,
      ),
    )
    .addOption(
      new Option('--filter-status <status>', `Filter nodes by status. One of: ${quoted(statusValues)}`),
    );
  return cmd.action(async (_opts: unknown, command: Command) => {
    const opts = command.opts<{
      show?: string[];
      labels?: string;
      filterApproval?: string;
      filterStatus?: string;
    }>();
    if (opts.labels !== undefined) checkLabelFlag(opts.labels);
    checkOneOf('filter-approval', opts.filterApproval, approvalValues);
    checkOneOf('filter-status', opts.filterStatus, statusValues);
    const list = listOptions(command.opts());
    const { client } = createCliClient(ctx, command);
    const response = await withContext(
      client.nodes.list(
        {
          limit: list.limit,
          orderBy: list.orderBy,
          reverse: list.reverse,
          ...(opts.labels === undefined ? {} : { labels: [opts.labels] }),
          ...(opts.filterApproval === undefined ? {} : { filterApproval: opts.filterApproval }),
          ...(opts.filterStatus === undefined ? {} : { filterStatus: opts.filterStatus }),
        },
        callOptions(ctx),
      ),
      'failed request',
    );
    const columns = [
      ...alwaysColumns,
      ...(opts.show ?? ['labels', 'capacity']).flatMap((g) => columnGroups[g] ?? []),
    ];
    printWireList(ctx, columns, response.Nodes, outputOptions(command.opts()), nodeStateSchema);
  });
}
