import { Command } from 'commander';
import { BacalhauError, errorMessage } from '../../../models/bacerrors.js';
import { JobType } from '../../../models/constants.js';
import { checkBuiltinParams } from '../../../models/engines/check.js';
import type { Job } from '../../../models/job.js';
import { invalidJobSpec } from '../../../models/jobspec/decode.js';
import { convertLegacyWasmModules } from '../../../models/jobspec/legacy-wasm.js';
import { prepareJobForSubmission } from '../../../models/jobspec/client.js';
import { isEmptySpecConfig } from '../../../models/spec-config.js';
import { PublisherRequired, TimeoutBudgetContext } from '../../../models/task.js';
import { validateTimeoutBudget } from '../../../models/timeouts.js';
import { within } from '../../../models/validate.js';
import type { CliContext } from '../../context.js';
import { fatalText, printWarnings } from '../../messages.js';
import { ExitCode } from '../../run.js';
import { JobSpecBad } from './from-flags.js';
import { readJobSpec } from './read-spec.js';

export const JobSpecLink = 'https://docs.bacalhau.org/cli-api/specifications/job';

/**
 * `bacalhau job validate <file...>`: Bacalhau's client-side checks, without contacting a server, and
 * the engine params check a submission gets from the orchestrator (models/engines/check.ts).
 */
export function validateCommand(ctx: CliContext): Command {
  return new Command('validate')
    .description('validate a job using a json or yaml file.')
    .argument('<file...>', 'job spec files (JSON or YAML); "-" reads standard input')
    .addHelpText(
      'after',
      `\nJSON and YAML formats are accepted.\nJob Specification: ${JobSpecLink}\n\n` +
        'Examples:\n  # Validate a job using the data in job.yaml\n  bacalhau job validate ./job.yaml\n',
    )
    .action(async (files: string[]) => {
      let failed = 0;
      for (const file of files) {
        if (files.length > 1) ctx.stdout.write(`${file}:\n`);
        if (!(await validateOne(file, ctx))) failed++;
      }
      if (failed > 0) throw new ExitCode(1);
    });
}

/**
 * The orchestrator stores a task with result paths only once it has a publisher (Go's `Job.Validate`,
 * which Go's `job validate` does not run either). A batch or ops task may get the node's default
 * (`JobDefaults.<Type>.Task.Publisher`), which this offline check cannot know, so it is a warning; other
 * job types get none, so the spec is refused. Returns the warnings; throws the refusal.
 */
function checkPublishers(job: Job): string[] {
  const tasks = job.Tasks.filter((t) => (t.ResultPaths ?? []).length > 0 && isEmptySpecConfig(t.Publisher));
  if (tasks.length === 0) return [];
  const names = tasks.map((t) => t.Name).join(', ');
  if (job.Type !== JobType.Batch && job.Type !== JobType.Ops) {
    throw invalidJobSpec(tasks.map((t) => `task ${t.Name} validation failed: ${PublisherRequired}`));
  }
  return [
    `task ${names}: result paths and no publisher: the orchestrator refuses the job unless its ` +
      `JobDefaults.${job.Type === JobType.Batch ? 'Batch' : 'Ops'}.Task.Publisher names one ` +
      '(give the task a Publisher, e.g. Publisher: {Type: local})',
  ];
}

/**
 * Timeouts that, as written, do not fit in the task's TotalTimeout: the orchestrator's defaults only
 * fill the ones left unset, so its store refuses the job (Go's `Job.Validate` too). Refused here with
 * the store's message.
 */
function checkTimeoutBudgets(job: Job): void {
  const problems = job.Tasks.flatMap((t) =>
    within(
      `task ${t.Name} validation failed`,
      within(TimeoutBudgetContext, validateTimeoutBudget(t.Timeouts ?? {})),
    ),
  );
  if (problems.length > 0) throw invalidJobSpec(problems);
}

/**
 * A spec file meant for `job run`'s templating (`Image: "{{.image}}"`) holds values only `job run`
 * fills in. Go's `job validate` passes it (it checks no engine params); ours would refuse the
 * placeholders, so a refusal of a value holding one is left out, and said so.
 */
function holdsTemplateAction(problem: string): boolean {
  return /\{\{.*\}\}/u.test(problem);
}

const TemplatedParamsNote =
  'Note: engine and input source params holding template actions ({{ }}) not checked: ' +
  'job run fills them in (--template-vars, --template-envs)\n';

async function validateOne(file: string, ctx: CliContext): Promise<boolean> {
  let warnings: readonly string[] = [];
  try {
    const text = await readJobSpec(file, ctx);
    const prepared = prepareJobForSubmission(text, file === '-' ? 'standard input' : file);
    warnings = prepared.warnings;
    const templated = checkBuiltinParams(convertLegacyWasmModules(prepared.job), holdsTemplateAction);
    if (templated.length > 0) ctx.stderr.write(TemplatedParamsNote);
    checkTimeoutBudgets(prepared.job);
    for (const warning of [...warnings, ...checkPublishers(prepared.job)]) ctx.stdout.write(`${warning}\n`);
    ctx.stdout.write('OK\n');
    return true;
  } catch (err) {
    // Go's shape: its RunE prints the verdict and the link on stdout, then util.Fatal the cause on stderr
    ctx.stdout.write(`Error: ${JobSpecBad}\nJob Specification: ${JobSpecLink}\n\n`);
    // a field the decoder ignored may be why a later check failed (`Image` beside, not in, `Params`)
    printWarnings(ctx, warnings);
    ctx.stderr.write(fatalText(errorMessage(err), err instanceof BacalhauError ? err.hint : ''));
    return false;
  }
}
