import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addProfileFlag } from '../../flags/profile.js';
import { jobDescribeCommand } from './describe.js';
import { jobExecutionsCommand } from './executions.js';
import { jobGetCommand } from './get.js';
import { jobHistoryCommand } from './history.js';
import { jobListCommand } from './list.js';
import { jobLogsCommand } from './logs.js';
import { jobRerunCommand } from './rerun.js';
import { jobRunCommand } from './run.js';
import { jobStopCommand } from './stop.js';
import { validateCommand } from './validate.js';
import { jobVersionsCommand } from './versions.js';

/** `bacalhau job …`: the noun that groups every job verb. */
export function jobCommand(ctx: CliContext): Command {
  return addProfileFlag(new Command('job').description('Commands to submit, query and update jobs.'))
    .addCommand(jobDescribeCommand(ctx))
    .addCommand(jobExecutionsCommand(ctx))
    .addCommand(jobGetCommand(ctx))
    .addCommand(jobHistoryCommand(ctx))
    .addCommand(jobListCommand(ctx))
    .addCommand(jobLogsCommand(ctx))
    .addCommand(jobRerunCommand(ctx))
    .addCommand(jobRunCommand(ctx))
    .addCommand(jobStopCommand(ctx))
    .addCommand(validateCommand(ctx))
    .addCommand(jobVersionsCommand(ctx));
}
