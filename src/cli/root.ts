import { Command, Option } from 'commander';
import type { CliContext, CommandFactory } from './context.js';
import { versionCommand } from './commands/version/version.js';
import { jobCommand } from './commands/job/job.js';
import { configCommand } from './commands/config/config.js';
import { serveCommand } from './commands/serve/serve.js';
import { devstackCommand } from './commands/devstack/devstack.js';
import { agentCommand } from './commands/agent/agent.js';
import { nodeCommand } from './commands/node/node.js';
import { dockerCommand } from './commands/docker/docker.js';
import { wasmCommand } from './commands/wasm/wasm.js';
import { profileCommand } from './commands/profile/profile.js';
import { completionCommand } from './commands/completion/completion.js';
import { authCommand } from './commands/auth/auth.js';
import { collectValues } from './flags/parse.js';
import { deprecatedFlagNotice } from './flags/deprecated.js';
import { addRootProfileFlag } from './flags/profile.js';
import { handleGroupCommands } from './command-groups.js';
import { usageErrorText } from './usage-errors.js';

/** Builds the `bacalhau` command tree. Flags and names follow Bacalhau's cobra commands. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command(ctx.binName)
    .description('Compute over data: run jobs where the data is.')
    .addOption(
      new Option(
        '-c, --config <file|key=value>',
        'config file(s) or dot-separated key=value overrides (repeatable)',
      )
        .argParser(collectValues)
        .default([]),
    )
    .option(
      '--api-host <host>',
      'the host for the client and server to communicate on (env BACALHAU_API_HOST)',
    )
    .option(
      '--api-port <port>',
      'the port for the client and server to communicate on (env BACALHAU_API_PORT)',
    )
    .option('--data-dir <dir>', 'the data directory (env BACALHAU_DIR, default ~/.bacalhau)')
    .addOption(new Option('--log-level <level>', 'deprecated: use -c Logging.Level=<level>').hideHelp());
  addRootProfileFlag(program);
  program.hook('preAction', () => {
    // still honoured (context.ts), as Go's hidden flag is; said once whatever the command
    if (program.getOptionValueSource('logLevel') === 'cli') {
      ctx.stderr.write(
        deprecatedFlagNotice('log-level', 'Use --config logging.level=<value> to set this configuration'),
      );
    }
  });
  // Go's root help template ends every command's help with this section
  program.addHelpText(
    'afterAll',
    '\nAuth Environment Variables:\n' +
      '  BACALHAU_API_KEY         API key for builtin authentication\n' +
      '  BACALHAU_API_USERNAME    Username for Basic Auth builtin authentication\n' +
      '  BACALHAU_API_PASSWORD    Password for Basic Auth builtin authentication',
  );

  const nouns: readonly CommandFactory[] = [
    versionCommand,
    jobCommand,
    configCommand,
    serveCommand,
    devstackCommand,
    nodeCommand,
    agentCommand,
    dockerCommand,
    wasmCommand,
    profileCommand,
    authCommand,
  ];
  for (const noun of nouns) program.addCommand(noun(ctx));
  // completion walks the finished tree
  program.addCommand(completionCommand(ctx, () => program));
  handleGroupCommands(program);
  return program;
}

/** Applies the same output sinks and error behaviour to every command in the tree. */
export function configureTree(cmd: Command, ctx: CliContext): void {
  cmd
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (message, write) => write(usageErrorText(cmd, message)),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    // a subcommand's help also lists the root flags it takes (-c, --api-port, --data-dir), as cobra's does
    .configureHelp({ showGlobalOptions: true });
  for (const sub of cmd.commands) configureTree(sub, ctx);
}
