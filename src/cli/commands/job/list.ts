import { Command, Option } from 'commander';
import type { Job } from '../../../models/job.js';
import { jobTask } from '../../../models/job.js';
import { shortUUID } from '../../../models/ids.js';
import { jobSchema } from '../../../models/schemas.js';
import type { JobOrderBy } from '../../../api/client/index.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addListFlags, listOptions } from '../../flags/list.js';
import { checkLabelFlag } from '../../flags/labels.js';
import {
  addOutputFlags,
  dateTime,
  fromNanos,
  outputOptions,
  printWireList,
  shortenTime,
  type Column,
} from '../../output/index.js';

/** Canary jobs of Bacalhau's public network are hidden unless a selector is given. */
const defaultLabelFilter = 'bacalhau_canary != true';

export const jobListColumns: readonly Column<Job>[] = [
  { name: 'created', maxWidth: 8, overflow: shortenTime, value: (j) => dateTime(fromNanos(j.CreateTime)) },
  { name: 'id', maxWidth: 10, overflow: (id) => shortUUID(id), value: (j) => j.ID },
  { name: 'name', maxWidth: 40, overflow: 'wrap-hard', value: (j) => j.Name },
  { name: 'job', maxWidth: 40, overflow: 'wrap-hard', value: (j) => jobTask(j)?.Engine?.Type ?? '' },
  { name: 'type', maxWidth: 8, overflow: 'wrap-hard', value: (j) => j.Type },
  { name: 'state', maxWidth: 20, overflow: 'wrap-hard', value: (j) => j.State.StateType },
];

/** `bacalhau job list`: submitted jobs, a page at a time. */
export function jobListCommand(ctx: CliContext): Command {
  const cmd = new Command('list')
    .description('List submitted jobs.')
    .addOption(
      new Option(
        '--labels <selector>',
        'Filter jobs by labels. See https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/ for more information.',
      ).default(defaultLabelFilter),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  # List submitted jobs.',
        `  ${ctx.binName} job list`,
        '',
        '  # List jobs and output as json',
        `  ${ctx.binName} job list --output json --pretty`,
      ].join('\n'),
    );
  addListFlags(cmd, { limit: 10, orderByFields: ['id', 'created_at', 'modified_at'] });
  addOutputFlags(cmd);
  return cmd.action(async (_opts: unknown, command: Command) => {
    const opts = command.opts<{ labels: string }>();
    checkLabelFlag(opts.labels);
    const list = listOptions(command.opts());
    const { client } = createCliClient(ctx, command);
    const response = await withContext(
      client.jobs.list(
        {
          limit: list.limit,
          nextToken: list.nextToken,
          orderBy: list.orderBy as JobOrderBy,
          reverse: list.reverse,
          ...(opts.labels === '' ? {} : { labels: [opts.labels] }),
        },
        callOptions(ctx),
      ),
      'failed request',
    );
    const output = outputOptions(command.opts());
    printWireList(ctx, jobListColumns, response.Items, output, jobSchema);
    if (response.NextToken !== '') {
      // After a table, as Bacalhau; after csv/json/yaml on standard error, so the data stays parseable.
      const sink = output.format === 'table' ? ctx.stdout : ctx.stderr;
      // The token holds the order and the place, not the filter: a command without it pages through
      // other jobs (Go's hint leaves it out)
      const labels = opts.labels === defaultLabelFilter ? '' : ` --labels ${shellQuoted(opts.labels)}`;
      sink.write(
        `\nTo fetch more records use:\n\t${ctx.binName} job list --limit ${list.limit}${labels} --next-token ${response.NextToken}\n`,
      );
    }
  });
}

/** `text` as one POSIX shell word, for a command to copy: single-quoted unless it needs no quotes. */
function shellQuoted(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
