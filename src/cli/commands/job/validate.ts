import { Command } from 'commander';
import { BacalhauError, errorMessage } from '../../../models/bacerrors.js';
import { checkBuiltinParams } from '../../../models/engines/check.js';
import { convertLegacyWasmModules } from '../../../models/jobspec/legacy-wasm.js';
import { prepareJobForSubmission } from '../../../models/jobspec/client.js';
import type { CliContext } from '../../context.js';
import { fatalText } from '../../messages.js';
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

async function validateOne(file: string, ctx: CliContext): Promise<boolean> {
  try {
    const text = await readJobSpec(file, ctx);
    const { job, warnings } = prepareJobForSubmission(text, file === '-' ? 'standard input' : file);
    checkBuiltinParams(convertLegacyWasmModules(job));
    for (const warning of warnings) ctx.stdout.write(`${warning}\n`);
    ctx.stdout.write('OK\n');
    return true;
  } catch (err) {
    // Go's shape: its RunE prints the verdict and the link on stdout, then util.Fatal the cause on stderr
    ctx.stdout.write(`Error: ${JobSpecBad}\nJob Specification: ${JobSpecLink}\n\n`);
    ctx.stderr.write(fatalText(errorMessage(err), err instanceof BacalhauError ? err.hint : ''));
    return false;
  }
}
