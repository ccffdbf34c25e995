import { Command, Option } from 'commander';
import { buildVersionInfo } from '../../../lib/build-info.js';
import type { CliContext } from '../../context.js';

/** `bacalhau version`: the client version (the server column arrives with the API client). */
export function versionCommand(ctx: CliContext): Command {
  return new Command('version')
    .description('Get the client and server version.')
    .option('--client', 'If true, shows client version only (no server required).')
    .addOption(
      new Option('--output <format>', 'The output format for the command')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .action((opts: { output: string }) => {
      const info = buildVersionInfo();
      if (opts.output === 'json') {
        ctx.stdout.write(`${JSON.stringify({ clientVersion: info })}\n`);
        return;
      }
      ctx.stdout.write(` CLIENT \n ${info.GitVersion} \n`);
    });
}
