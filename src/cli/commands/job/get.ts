import { Command, Option } from 'commander';
import type { SpecConfig } from '../../../models/spec-config.js';
import { callOptions, createCliClient, withContext } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { addNamespaceFlag } from '../../flags/job.js';

interface GetOptions {
  namespace: string;
  outputDir: string;
  raw?: boolean;
  downloadTimeoutSecs: string;
}

/**
 * Result types this build can download. None yet: downloading (urlDownload tar.gz of the local
 * publisher, s3PreSigned, ipfs) and the merge layout of Bacalhau's downloader need a tar reader the
 * CLI may use; until then every result takes Bacalhau's own path for results without a downloader.
 */
const downloadable: ReadonlySet<string> = new Set();

/** `bacalhau job get <id>`: the published results of a job. */
export function jobGetCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  const cmd = new Command('get')
    .description('Get the results of the job, including stdout and stderr.')
    .argument('<id>', 'job ID, short ID or name');
  return addNamespaceFlag(cmd)
    .addOption(
      new Option('--raw', 'Download raw result CIDs instead of merging multiple CIDs into a single result'),
    )
    .addOption(
      new Option('--download-timeout-secs <duration>', 'Timeout duration for IPFS downloads.').default(
        '5m0s',
      ),
    )
    .addOption(new Option('--output-dir <dir>', 'Directory to write the output to.').default(''))
    .action(async (idOrName: string, opts: GetOptions, command: Command) => {
      const { client } = createCliClient(ctx, command);
      ctx.stderr.write(`Fetching results of job '${idOrName}'...\n`);
      const { Items } = await withContext(
        client.jobs.results({ idOrName, namespace: opts.namespace }, callOptions(ctx)),
        'failed to fetch job results',
      );
      if (Items.length === 0) {
        ctx.stdout.write(
          'No results found\nYou can check the logged output of the job using the logs command.\n' +
            `\n  ${bin} job logs ${idOrName}\n`,
        );
        return;
      }
      if (Items.some((result: SpecConfig) => !downloadable.has(result.Type))) {
        ctx.stderr.write(
          'No supported downloader found for the published results. You will have to download the results differently.\n',
        );
        ctx.stderr.write(`${JSON.stringify(Items, null, 4)}\n`);
      }
    });
}
