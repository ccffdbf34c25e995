import { Command, Option } from 'commander';
import { isCutShort } from '../../../api/client/index.js';
import { BacalhauError } from '../../../models/bacerrors.js';
import { createCliClient } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addJobVersionFlag, addNamespaceFlag } from '../../flags/job.js';
import { writeInTurn } from '../../output/drain.js';

interface LogsOptions {
  executionId: string;
  follow?: boolean;
  tail?: boolean;
  version: number;
  namespace: string;
}

/**
 * `bacalhau job logs <id>`: an execution's output, streamed from the node that ran it. A failure the
 * server reports in the stream (e.g. a node that cannot stream logs) becomes one error line; a stream
 * the server did not end (it died or stopped mid-stream) is an error too, as in Go: its output may be
 * partial and the job still running.
 */
export function jobLogsCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('logs')
    .description('Follow logs from a currently executing job')
    .argument('<id>', 'job ID, short ID or name')
    .addOption(
      new Option('-e, --execution-id <id>', 'Retrieve logs from a specific execution of the job.').default(
        '',
      ),
    )
    .addOption(new Option('-f, --follow', 'Follow the logs in real-time after retrieving the current logs.'))
    .addOption(new Option('-t, --tail', 'Tail the logs from the end of the log stream.'));
  addNamespaceFlag(cmd);
  addJobVersionFlag(cmd);
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  # Read logs for a previously submitted job',
      `  ${bin} job logs j-51225160-807e-48b8-88c9-28311c7899e1`,
      '',
      '  # Follow logs for a previously submitted job',
      `  ${bin} job logs j-51225160-807e-48b8-88c9-28311c7899e1 --follow`,
      '',
      '  # Tail logs for a previously submitted job',
      `  ${bin} job logs j-51225160-807e-48b8-88c9-28311c7899e1 --tail`,
    ].join('\n'),
  );
  return cmd.action(async (idOrName: string, opts: LogsOptions, command: Command) => {
    const { client } = createCliClient(ctx, command);
    const lines = client.jobs.logs(
      {
        idOrName,
        namespace: opts.namespace,
        executionID: opts.executionId,
        follow: opts.follow === true,
        tail: opts.tail === true,
        jobVersion: opts.version,
      },
      ctx.signal === undefined ? {} : { signal: ctx.signal },
    );
    try {
      for await (const line of lines) await writeInTurn(ctx.stdout, line.Line, ctx.signal);
    } catch (err) {
      // Ctrl+C ends following quietly, as in Go.
      if (ctx.signal?.aborted === true) return;
      if (isCutShort(err)) {
        throw BacalhauError.wrap(err, 'error reading log output', {
          hint:
            `the output above may be incomplete, and the job may still be running: check with ` +
            `'${bin} job describe ${idOrName}', and read its logs again once the node is back`,
        });
      }
      throw BacalhauError.wrap(err, 'error reading log output: error received from server');
    }
  });
}
