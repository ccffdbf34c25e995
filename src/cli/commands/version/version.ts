import { Command } from 'commander';
import { buildVersionInfo } from '../../../lib/build-info.js';
import type { BuildVersionInfo } from '../../../models/version.js';
import type { CliContext } from '../../context.js';
import {
  addOutputFlags,
  outputOptions,
  printOne,
  type Column,
  type OutputFormat,
} from '../../output/index.js';
import { loadCliConfig } from '../config/load.js';

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

/**
 * The versions to show. The server (`GET /api/v1/agent/version`) and latest-release columns arrive with
 * the API client: set `serverVersion`/`latestVersion` here and the columns follow.
 */
function collectVersions(_clientOnly: boolean): Versions {
  return { clientVersion: buildVersionInfo() };
}

/** `bacalhau version`: the client version (and, later, the server's). */
export function versionCommand(ctx: CliContext): Command {
  const cmd = new Command('version')
    .description('Get the client and server version.')
    .option('--client', 'Show the client version only; no server is contacted.');
  addOutputFlags(cmd);
  return cmd.action((_opts: unknown, command: Command) => {
    const opts = command.opts<{ client?: boolean }>();
    const options = outputOptions(command.opts());
    loadCliConfig(ctx, command); // rejects a broken configuration, as Bacalhau does
    const versions = collectVersions(opts.client === true);
    if (options.format === 'table' && versions.updateMessage) ctx.stdout.write(`${versions.updateMessage}\n`);
    printOne(ctx, versionColumns(versions, options.format), versions, options);
  });
}
