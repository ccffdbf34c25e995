import { Command } from 'commander';
import { getJobResponseSchema } from '../../../api/client/index.js';
import type { Execution } from '../../../models/execution.js';
import { shortUUID } from '../../../models/ids.js';
import type { Job } from '../../../models/job.js';
import type { JobHistory } from '../../../models/job-history.js';
import { executionStateCodes } from '../../../models/state.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addJobVersionFlag, addNamespaceFlag, jobRefOptions } from '../../flags/job.js';
import {
  addNonTabularOutputFlags,
  dateTime,
  fromNanos,
  humanOutputRequested,
  nonTabularOptions,
  printKeyValues,
  printList,
  printValue,
  styles,
  wireValue,
  type Column,
  type OutputOptions,
} from '../../output/index.js';
import { executionColumn } from './execution-columns.js';
import { historyColumns } from './history-columns.js';

/** The tables inside a description: plain, headers shown. */
const plainTable: OutputOptions = {
  format: 'table',
  pretty: false,
  hideHeader: false,
  noStyle: true,
  wide: false,
};

/** `bacalhau job describe <id|name>`: the job, its executions and its history, for a person. */
export function jobDescribeCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('describe')
    .description(`Get the info of a job using its name or id. Use '${bin} job list' to get a list of jobs.`)
    .argument('<id>', 'job ID, short ID or name');
  addJobVersionFlag(cmd);
  addNamespaceFlag(cmd, 'Job Namespace. If not provided, it will be treated as default namespace.');
  addNonTabularOutputFlags(cmd, { human: true });
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  # Describe a job with the full ID',
      `  ${bin} job describe j-e3f8c209-d683-4a41-b840-f09b88d087b9`,
      '',
      '  # Describe a job with a shortened ID',
      `  ${bin} job describe j-47805f5c`,
      '',
      '  # Describe a job with json output',
      `  ${bin} job describe --output json --pretty j-b6ad164a`,
    ].join('\n'),
  );
  return cmd.action(async (idOrName: string, _opts: unknown, command: Command) => {
    const ref = jobRefOptions(command.opts());
    const { client } = createCliClient(ctx, command);
    const response = await withContext(
      client.jobs.get(
        {
          idOrName,
          ...ref,
          include: ['executions', 'history'],
        },
        callOptions(ctx),
      ),
      `failed to get job ${idOrName}`,
    );
    if (!humanOutputRequested(command.opts())) {
      printValue(ctx, wireValue(response, getJobResponseSchema), nonTabularOptions(command.opts()));
      return;
    }
    // The most relevant execution first: the newest.
    const executions = [...(response.Executions?.Items ?? [])].sort((a, b) => b.CreateTime - a.CreateTime);
    const history = response.History?.Items ?? [];
    printDescription(ctx, response.Job, executions, history);
  });
}

function printDescription(ctx: CliContext, job: Job, executions: Execution[], history: JobHistory[]): void {
  const s = styles(ctx);
  const pairs: [string, unknown][] = [
    ['ID', job.ID],
    ['Name', job.Name],
    ['Namespace', job.Namespace],
    ['Type', job.Type],
    ['State', job.State.StateType],
    ['Message', job.State.Message ?? ''],
  ];
  if (job.Type === 'batch' || job.Type === 'service') pairs.push(['Count', job.Count]);
  pairs.push(
    ['Created Time', dateTime(fromNanos(job.CreateTime))],
    ['Modified Time', dateTime(fromNanos(job.ModifyTime))],
    ['Version', job.Version],
  );
  printKeyValues(ctx, pairs);

  // Executions per compute state, in the states' order, New up to (not including) Cancelled as Go.
  const counts = new Map<string, number>();
  for (const e of executions)
    counts.set(e.ComputeState.StateType, (counts.get(e.ComputeState.StateType) ?? 0) + 1);
  const summary = executionStateCodes
    .slice(executionStateCodes.indexOf('New'), executionStateCodes.indexOf('Cancelled'))
    .filter((state) => (counts.get(state) ?? 0) > 0)
    .map((state): [string, unknown] => [state, counts.get(state)]);
  ctx.stdout.write(s.bold('\nSummary\n'));
  printKeyValues(ctx, summary);

  const h = historyColumns(s);
  const historyTable = (label: string, entries: JobHistory[]): void => {
    if (entries.length === 0) return;
    ctx.stdout.write(s.bold(`\n${label} History\n`));
    printList(ctx, [h.dateTime, h.topic, h.event], entries, plainTable);
  };
  historyTable(
    'Job',
    history.filter((e) => e.Type === 'JobLevel'),
  );

  const c = executionColumn;
  const columns: Column<Execution>[] = [
    c.id,
    c.nodeID,
    c.state,
    c.desired,
    c.rev,
    c.createdSince,
    c.modifiedSince,
    c.comment,
  ];
  ctx.stdout.write(s.bold('\nExecutions\n'));
  printList(ctx, columns, executions, plainTable);

  for (const e of executions) {
    historyTable(
      `Execution ${shortUUID(e.ID)}`,
      history.filter((entry) => entry.ExecutionID === e.ID),
    );
  }
  printOutputs(ctx, executions);
}

/** Standard output (then standard error) of each execution that has some. */
function printOutputs(ctx: CliContext, executions: Execution[]): void {
  const outputs = new Map<string, string>();
  for (const e of executions) {
    const run = e.RunOutput;
    if (run === undefined) continue;
    let text = run.Stdout;
    if (run.stderr !== '') text += (text === '' ? '' : '\n') + run.stderr;
    if (run.StdoutTruncated || run.StderrTruncated) text += '\n...\nOutput truncated';
    if (text !== '') outputs.set(e.ID, text);
  }
  if (outputs.size === 0) return;
  ctx.stdout.write(styles(ctx).bold('\nStandard Output\n'));
  let separator = '';
  for (const [id, text] of outputs) {
    ctx.stdout.write(outputs.size === 1 ? text : `${separator}Execution ${shortUUID(id)}:\n${text}`);
    separator = '\n';
  }
}
