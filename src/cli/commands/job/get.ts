import { mkdir, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BacalhauConfig } from '../../../config/index.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { DefaultNamespace, JobType, Publisher } from '../../../models/constants.js';
import { DurationSyntaxError, durationToMs, parseDuration } from '../../../models/duration.js';
import type { Execution } from '../../../models/execution.js';
import type { SpecConfig } from '../../../models/spec-config.js';
import { isTerminalJobState } from '../../../models/state.js';
import { callOptions, createCliClient } from '../../api-client.js';
import type { CliContext } from '../../context.js';
import { chooseDownloader } from '../../download/downloaders.js';
import { downloadResults, type ResultToDownload } from '../../download/results.js';
import { addNamespaceFlag } from '../../flags/job.js';

interface GetOptions {
  namespace: string;
  outputDir: string;
  raw?: boolean;
  downloadTimeoutSecs: string;
}

const DefaultTimeout = '5m0s';

/**
 * `bacalhau job get <id>`: downloads the published results of the job's completed executions (latest
 * version) into `--output-dir` (default `./job-<id>`), merged as Go's downloader merges them.
 */
export function jobGetCommand(ctx: CliContext): Command {
  const cmd = new Command('get')
    .description('Get the results of the job, including stdout and stderr.')
    .argument('<id>', 'job ID, short ID or name');
  const bin = ctx.binName;
  cmd.addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  # Get the results of a job using its Name.',
      `  ${bin} job get my-job`,
      '',
      '  # Get the results of a job using its ID.',
      `  ${bin} job get j-51225160-807e-48b8-88c9-28311c7899e1`,
      '',
      '  # Get the results of a job, with a short ID.',
      `  ${bin} job get ebd9bf2f`,
    ].join('\n'),
  );
  return addNamespaceFlag(cmd)
    .addOption(
      new Option('--raw', 'Download raw result CIDs instead of merging multiple CIDs into a single result'),
    )
    .addOption(
      new Option('--download-timeout-secs <duration>', 'Timeout duration for IPFS downloads.')
        .argParser(parseDurationFlag)
        .default(DefaultTimeout),
    )
    .addOption(new Option('--output-dir <dir>', 'Directory to write the output to.').default(''))
    .action(async (arg: string, opts: GetOptions, command: Command) => {
      const { client, config } = createCliClient(ctx, command);
      const get = (idOrName: string) =>
        client.jobs.get({ idOrName, namespace: opts.namespace, include: ['executions'] }, callOptions(ctx));
      const fetching = (idOrName: string) => ctx.stderr.write(`Fetching results of job '${idOrName}'...\n`);
      const { idOrName, singleFile, job } = await findJob(arg, get, fetching);
      const { Job, Executions } = job;
      if (Job.Type !== JobType.Batch && Job.Type !== JobType.Ops) {
        throw new BacalhauError(`job type ${Job.Type} does not support results`, {
          code: ErrorCode.BadRequest,
          hint: 'Only batch and ops jobs publish results',
        });
      }
      const published = (Executions?.Items ?? []).filter(hasPublishedResult);
      if (published.length === 0) {
        // A job still under way has published nothing yet: said, so that nobody takes it for its result.
        const state = Job.State.StateType;
        ctx.stdout.write(
          'No results found\n' +
            (isTerminalJobState(state)
              ? ''
              : `The job is still ${state}: results come once it completes.\n`) +
            'You can check the logged output of the job using the logs command.\n' +
            `\n  ${ctx.binName} job logs ${idOrName}\n`,
        );
        return;
      }
      const results = withDownloaders(published, config, ctx);
      if (results === undefined) return;
      if (singleFile !== undefined) {
        // Go's HTTP downloader ignores the path too; said, so that nobody looks for a single file
        ctx.stderr.write(
          `Only ipfs results can be fetched file by file: downloading all of them, "${singleFile}" among them.\n`,
        );
      }
      const { outputDir, created } =
        opts.outputDir === ''
          ? await defaultOutputDir(ctx.cwd, idOrName, opts.namespace)
          : { outputDir: resolve(ctx.cwd, opts.outputDir), created: false };
      try {
        await downloadResults(
          results,
          { outputDir, raw: opts.raw === true, timeoutMs: timeoutMs(command, opts, config) },
          callOptions(ctx),
        );
      } catch (err) {
        // the folder made for this download, left empty, would only be in the way of the next try
        if (created) await rmdir(outputDir).catch(() => undefined);
        throw err;
      }
      ctx.stdout.write(`Results for job '${idOrName}' have been written to...\n`);
      ctx.stdout.write(`${opts.outputDir === '' ? outputDir : opts.outputDir}\n`);
    });
}

/**
 * Go reads `<id>/<path>` as a request for one file of the results (IPFS only; others get all). A job
 * whose name has a "/" in it is looked up by its whole name first, so that it is not cut there.
 * `fetching` is told the job asked for before it is looked up, as Go says it before its request (so
 * that it comes before a "job not found" too).
 */
async function findJob<T>(
  arg: string,
  get: (idOrName: string) => Promise<T>,
  fetching: (idOrName: string) => void,
): Promise<{ idOrName: string; singleFile?: string; job: T }> {
  const at = arg.indexOf('/');
  if (at < 0) {
    fetching(arg);
    return { idOrName: arg, job: await get(arg) };
  }
  try {
    const job = await get(arg);
    fetching(arg);
    return { idOrName: arg, job };
  } catch (err) {
    if (!(err instanceof BacalhauError && err.code === ErrorCode.NotFound)) throw err;
  }
  const idOrName = arg.slice(0, at);
  fetching(idOrName);
  return { idOrName, singleFile: arg.slice(at + 1), job: await get(idOrName) };
}

/** Completed executions that published something; `noop` publishes nothing. */
function hasPublishedResult(execution: Execution): boolean {
  const type = execution.PublishedResult?.Type ?? '';
  return execution.ComputeState.StateType === 'Completed' && type !== '' && type !== Publisher.Noop;
}

/**
 * Each result with its downloader; or, when any type has none, undefined after printing what Go
 * prints then (the results as JSON, so the user can fetch them another way) and why, where known.
 */
function withDownloaders(
  executions: readonly Execution[],
  config: BacalhauConfig,
  ctx: CliContext,
): ResultToDownload[] | undefined {
  const results: ResultToDownload[] = [];
  const reasons = new Set<string>();
  for (const execution of executions) {
    const result = execution.PublishedResult as SpecConfig;
    const choice = chooseDownloader(result.Type, config.ResultDownloaders);
    if (choice.available) results.push({ executionID: execution.ID, result, downloader: choice.downloader });
    else if (choice.reason !== undefined) reasons.add(choice.reason);
  }
  if (results.length === executions.length) return results;
  ctx.stderr.write(
    'No supported downloader found for the published results. You will have to download the results differently.\n',
  );
  for (const reason of reasons) ctx.stderr.write(`${reason}\n`);
  const specs = executions.map((execution) => execution.PublishedResult);
  ctx.stderr.write(`${JSON.stringify(specs, null, 4)}\n`);
  return undefined;
}

/**
 * `./job-<idOrName>`, or `./job-<namespace>-<idOrName>` outside the default namespace; made when
 * missing (`created` says so). Always a folder of `cwd`: a "/" in a job's name (`../x`, say) is
 * written as "_".
 */
async function defaultOutputDir(
  cwd: string,
  idOrName: string,
  namespace: string,
): Promise<{ outputDir: string; created: boolean }> {
  const folder = (
    namespace === '' || namespace === DefaultNamespace ? `job-${idOrName}` : `job-${namespace}-${idOrName}`
  ).replaceAll('/', '_');
  const outputDir = join(cwd, folder);
  const created = await mkdir(outputDir, { recursive: true, mode: 0o755 });
  return { outputDir, created: created !== undefined };
}

/**
 * The flag when given, else `ResultDownloaders.Timeout` when set, else 5 minutes. Go reads only the
 * flag; the configuration key is honoured here since it exists for this. 0 means no limit.
 */
function timeoutMs(command: Command, opts: GetOptions, config: BacalhauConfig): number {
  const configured = config.ResultDownloaders.Timeout;
  const fromFlag = command.getOptionValueSource('downloadTimeoutSecs') === 'cli';
  const text = fromFlag || parseDuration(configured) === 0n ? opts.downloadTimeoutSecs : configured;
  return Math.max(0, durationToMs(text));
}

/** pflag's Duration flag: a Go duration, with Go's message for anything else. */
function parseDurationFlag(value: string): string {
  try {
    parseDuration(value);
    return value;
  } catch (err) {
    if (err instanceof DurationSyntaxError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}
