import { Command, Option } from 'commander';
import { errorMessage, BacalhauError, hasHttpStatus } from '../../../models/bacerrors.js';
import { prepareJobForSubmission } from '../../../models/jobspec/client.js';
import type { Job } from '../../../models/job.js';
import { jobSchema } from '../../../models/schemas.js';
import type { BacalhauClient } from '../../../api/client/index.js';
import { callOptions, createCliClient } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { collectKeyValues } from '../../flags/parse.js';
import { addRuntimeFlags, runtimeSettings } from '../../flags/runtime.js';
import { printError, printWarning, printWarnings } from '../../messages.js';
import { printValue, styles, wireValue } from '../../output/index.js';
import { JobSpecBad } from './from-flags.js';
import { readJobSpec } from './read-spec.js';
import { submitJob } from './submit.js';
import { expandTemplate, templateVariables } from './template.js';

interface RunOptions {
  hideWarnings?: boolean;
  template: boolean;
  force?: boolean;
  templateVars: Record<string, string>;
  templateEnvs: string;
}

/** `bacalhau job run [file]`: submits a job spec (YAML or JSON, a file or standard input) and follows it. */
export function jobRunCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('run')
    .description('Run a job from a file or from stdin. JSON and YAML formats are accepted.')
    .argument('[file]', 'job spec file; standard input when absent or "-"');
  addRuntimeFlags(cmd, { dryRun: true });
  cmd
    .addOption(new Option('--hide-warnings', 'Hide warnings when submitting a job'))
    .addOption(
      new Option(
        '--no-template',
        'Disable the templating feature. When this flag is set, the job spec will be used as-is, without any placeholder replacements',
      ),
    )
    .addOption(new Option('--force', 'force run even if job spec did not change'))
    .addOption(
      new Option(
        '-V, --template-vars <key=value>',
        'Replace a placeholder in the job spec with a value. e.g. --template-vars foo=bar',
      )
        .argParser(collectKeyValues)
        .default({}),
    )
    .addOption(
      new Option(
        '-E, --template-envs <regex>',
        'Specify a regular expression pattern for selecting environment variables to be included as template ' +
          'variables in the job spec.\ne.g. --template-envs ".*" will include all environment variables.',
      ).default(''),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  # Run a job using the data in job.yaml',
        `  ${bin} job run ./job.yaml`,
        '',
        '  # Fill in {{.image}} in the spec, and return at once with only the job ID',
        `  ${bin} job run -V image=ubuntu:24.04 --wait=false ./job.yaml`,
      ].join('\n'),
    );
  return cmd.action(async (file: string | undefined, _opts: unknown, command: Command) => {
    const opts = command.opts<RunOptions>();
    const settings = runtimeSettings(command.opts());
    const job = await readJob(ctx, file ?? '-', opts);
    const { client } = createCliClient(ctx, command);
    if (settings.dryRun) {
      await dryRun(ctx, client, job.job, job.warnings);
      return;
    }
    await submitJob(ctx, client, wireValue(job.job, jobSchema), settings, {
      force: opts.force === true,
      clientWarnings: job.warnings,
      hideWarnings: opts.hideWarnings === true,
      doing: 'failed request',
    });
  });
}

/** Reads, expands and checks the spec as Bacalhau does before anything is sent. */
async function readJob(
  ctx: CliContext,
  file: string,
  opts: RunOptions,
): Promise<{ job: Job; warnings: string[] }> {
  let text = await readJobSpec(file, ctx);
  try {
    if (opts.template) {
      const vars = templateVariables({
        vars: opts.templateVars,
        envPattern: opts.templateEnvs,
        env: ctx.env,
      });
      text = expandTemplate(text, vars);
    }
    return prepareJobForSubmission(text, file === '-' ? 'standard input' : file);
  } catch (err) {
    throw BacalhauError.wrap(err, JobSpecBad);
  }
}

/** `--dry-run`: the warnings, then what would change on the server (or, offline, the spec itself). */
async function dryRun(ctx: CliContext, client: BacalhauClient, job: Job, warnings: string[]): Promise<void> {
  let diff: string;
  try {
    const response = await client.jobs.diff({ job: wireValue(job, jobSchema) }, callOptions(ctx));
    diff = response.Diff;
    // one list, as a submission prints it: the server's own (a change of type it would refuse) with ours
    printWarnings(ctx, [...new Set([...warnings, ...(response.Warnings ?? [])])]);
  } catch (err) {
    printWarnings(ctx, warnings);
    // Not in Go, whose diff endpoint checks less: a spec the server refuses as invalid (as opposed to
    // not answering) is no dry run's success. A job without a name is not invalid: the diff needs one,
    // and Go's fallback (the spec itself) is all there is to show.
    if (hasHttpStatus(err, 400) && job.Name !== '') throw err;
    printError(ctx, `failed to fetch Job spec: ${errorMessage(err)}`);
    printWarning(ctx, 'falling back to offline mode...');
    printValue(ctx, wireValue(job, jobSchema), { format: 'yaml', pretty: false });
    return;
  }
  if (diff === '') {
    printWarning(ctx, 'No diff detected.');
    return;
  }
  const s = styles(ctx);
  for (const line of diff.split('\n')) {
    ctx.stdout.write(`${line.startsWith('+') ? s.green(line) : line.startsWith('-') ? s.red(line) : line}\n`);
  }
}
