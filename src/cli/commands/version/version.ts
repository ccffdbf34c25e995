import { Command } from 'commander';
import { buildVersionInfo } from '../../../lib/build-info.js';
import type { BuildVersionInfo } from '../../../models/version.js';
import { addProfileFlag } from '../../flags/profile.js';
import type { CliContext } from '../../context.js';
import {
  addOutputFlags,
  outputOptions,
  printOne,
  type Column,
  type OutputFormat,
} from '../../output/index.js';
import { errorMessage } from '../../../models/bacerrors.js';
import { createCliClient } from '../../api-client.js';
import { friendlyError } from '../../errors.js';
import { printWarning } from '../../messages.js';
import { loadCliConfig } from '../config/load.js';
import { anySignal } from '../../../lib/any-signal.js';

/** What `bacalhau version` reports; JSON/YAML field names as Bacalhau's `util.Versions`. */
export interface Versions {
  clientVersion?: BuildVersionInfo;
  serverVersion?: BuildVersionInfo;
  latestVersion?: BuildVersionInfo;
  updateMessage?: string;
}

const clientColumn: Column<Versions> = { name: 'client', value: (v) => v.clientVersion?.GitVersion ?? '' };
const serverColumn: Column<Versions> = { name: 'server', value: (v) => v.serverVersion?.GitVersion ?? '' };
const latestColumn: Column<Versions> = { name: 'latest', value: (v) => v.latestVersion?.GitVersion ?? '' };
const updateMessageColumn: Column<Versions> = { name: 'Update Message', value: (v) => v.updateMessage ?? '' };

/**
 * Columns for the versions known: one per version present, then the update message — unless the table
 * prints the message on its own line above (Bacalhau's behaviour).
 */
export function versionColumns(versions: Versions, format: OutputFormat): Column<Versions>[] {
  const columns: Column<Versions>[] = [];
  if (versions.clientVersion) columns.push(clientColumn);
  if (versions.serverVersion) columns.push(serverColumn);
  if (versions.latestVersion) columns.push(latestColumn);
  if (!(format === 'table' && versions.updateMessage)) columns.push(updateMessageColumn);
  return columns;
}

/** As Bacalhau: a server that does not answer within 3 s is given up on. */
const ServerVersionTimeoutMs = 3_000;

/**
 * The versions to show: the client's, and the server's unless `--client` (Bacalhau's `GetAllVersions`).
 * An unreachable server is not an error: the client version is still printed, with a warning. The
 * latest-release check needs a release feed, which this build does not query.
 */
async function collectVersions(ctx: CliContext, cmd: Command, clientOnly: boolean): Promise<Versions> {
  const versions: Versions = { clientVersion: buildVersionInfo() };
  if (clientOnly) return versions;
  const { client } = createCliClient(ctx, cmd);
  const timeout = AbortSignal.timeout(ServerVersionTimeoutMs);
  const signal = ctx.signal === undefined ? timeout : anySignal([timeout, ctx.signal]);
  try {
    versions.serverVersion = await client.agent.version({ signal });
  } catch (err) {
    const why = timeout.aborted
      ? `the server did not answer within ${ServerVersionTimeoutMs / 1000}s`
      : errorMessage(friendlyError(err, ctx.binName));
    printWarning(ctx, `failed to get the server version: ${why}`);
  }
  return versions;
}

/** `bacalhau version`: the client and server versions. */
export function versionCommand(ctx: CliContext): Command {
  const cmd = new Command('version')
    .description('Get the client and server version.')
    .option('--client', 'Show the client version only; no server is contacted.');
  addOutputFlags(cmd);
  addProfileFlag(cmd);
  return cmd.action(async (_opts: unknown, command: Command) => {
    const opts = command.opts<{ client?: boolean }>();
    const options = outputOptions(command.opts());
    loadCliConfig(ctx, command); // rejects a broken configuration, as Bacalhau does
    const versions = await collectVersions(ctx, command, opts.client === true);
    if (options.format === 'table' && versions.updateMessage) ctx.stdout.write(`${versions.updateMessage}\n`);
    printOne(ctx, versionColumns(versions, options.format), versions, options);
  });
}
