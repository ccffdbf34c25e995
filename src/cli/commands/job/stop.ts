import { Command, Option } from 'commander';
import { isTerminalJobState } from '../../../models/state.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { callOptions, createCliClient } from '../../api-client.js';
import type { CliContext, TextSink } from '../../context.js';
import { addNamespaceFlag } from '../../flags/job.js';
import { StepPrinter } from '../../output/index.js';

const steps = {
  checking: 'Checking job status',
  connecting: 'Connecting to network',
  verifying: 'Verifying job state',
  stopping: 'Stopping job',
};
const discard: TextSink = { write: () => undefined };

/** `bacalhau job stop <id|name>`: asks the orchestrator to stop a job that is not finished yet. */
export function jobStopCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('stop')
    .description('Stop a previously submitted job. Either Job ID or Job Name can be specified.')
    .argument('<id>', 'job ID, short ID or name')
    .addOption(new Option('--quiet', 'Do not print anything to stdout or stderr'));
  addNamespaceFlag(cmd, 'Job Namespace. If not provided, it will be treated as default namespace.');
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  # Stop a previously submitted job using Job Name (default namespace)',
      `  ${bin} job stop my-job-name-a`,
      '',
      '  # Stop a previously submitted job using Job Name and non default namespace',
      `  ${bin} job stop my-job-name-b --namespace=dev`,
      '',
      '  # Stop a previously submitted job using Job ID (long ID version)',
      `  ${bin} job stop j-51225160-807e-48b8-88c9-28311c7899e1`,
      '',
      '  # Stop a job, with a short ID.',
      `  ${bin} job stop j-51225160`,
    ].join('\n'),
  );
  return cmd.action(
    async (idOrName: string, opts: { quiet?: boolean; namespace: string }, command: Command) => {
      const quiet = opts.quiet === true;
      const out = quiet ? discard : ctx.stdout;
      const { client } = createCliClient(ctx, command);
      const call = callOptions(ctx);
      out.write(`${steps.checking}\n\n`);
      const progress = new StepPrinter(out, Math.max(...Object.values(steps).map((s) => s.length)));
      try {
        progress.next(steps.connecting);
        progress.next(steps.verifying);
        const { Job: job } = await client.jobs.get({ idOrName, namespace: opts.namespace }, call);
        if (isTerminalJobState(job.State.StateType)) {
          throw new BacalhauError(
            `Job is already in a terminal state.\nThe current state is: ${job.State.StateType}`,
            { code: ErrorCode.ConflictJobState, component: 'CLI' },
          );
        }
        progress.next(steps.stopping);
        const response = await client.jobs.stop(
          { idOrName, namespace: opts.namespace, reason: 'Stopped at user request' },
          call,
        );
        progress.done();
        out.write(`\nJob stop successfully submitted with evaluation ID: ${response.EvaluationID}\n`);
      } catch (err) {
        progress.fail();
        // printed even with --quiet, as Go's util.Fatal prints through the root command's writers
        throw err;
      }
    },
  );
}
