import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import {
  absPath,
  defaultConfigFileName,
  homeDirectory,
  parseSetValue,
  setConfigFileValue,
} from '../../../config/index.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { globalOptions, type CliContext } from '../../context.js';
import { loadCliConfig } from './load.js';
import { makeFolderNow } from '../../../lib/quick-fs.js';

const component = 'Config';

function validationError(message: string, hint?: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.ValidationError,
    component,
    ...(hint ? { hint } : {}),
  });
}

/**
 * The file `config set` writes: the single `-c` value (an existing .yaml/.yml file), or undefined for the
 * default `<DataDir>/config.yaml`. The root command parses `-c`, so its values arrive as global options.
 */
function targetFile(args: readonly string[], ctx: CliContext, home: string): string | undefined {
  if (args.length === 0) return undefined;
  if (args.length > 1) throw validationError('single config file can be set');
  const [file = ''] = args;
  if (!file.endsWith('.yaml') && !file.endsWith('.yml')) {
    throw validationError("config file must end with '.yaml' or '.yml'");
  }
  const path = absPath(file, ctx.cwd, home);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new BacalhauError(`specified configuration file doesn't exist: ${file}`, {
      code: ErrorCode.NotFound,
      component,
      hint: `Create the file first, or omit --config to write ${defaultConfigFileName} in the data directory`,
    });
  }
  if (isDirectory)
    throw validationError(`specified configuration file is a directory, must be a file: ${file}`);
  return path;
}

/** `bacalhau config set`: validates one key and value, then writes them to a config file. */
export function configSetCommand(ctx: CliContext): Command {
  const bin = ctx.binName;
  return new Command('set')
    .summary('Set a value in the config file.')
    .description(
      'Write one configuration key to a config file, keeping the other keys in it. The key is checked ' +
        `against the known keys (see '${bin} config list') and the value against the key's type before ` +
        'anything is written. Keys are case-insensitive dotted paths.',
    )
    .usage('[options] <key>=<value>')
    .argument('<key=value...>', 'the key and its value, as key=value (or, deprecated, key value...)')
    .addOption(
      new Option('-c, --config <file>', 'Path to the config file (default is $BACALHAU_DIR/config.yaml)'),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        `  ${bin} config set API.Host=127.0.0.1`,
        `  ${bin} config set compute.orchestrators=nats://10.0.0.1:4222,nats://10.0.0.2:4222`,
        `  ${bin} config set labels=region=eu,zone=a`,
        `  ${bin} config set -c ./node.yaml Orchestrator.NodeManager.DisconnectTimeout=2m`,
      ].join('\n'),
    )
    .action((args: string[], _opts: unknown, cmd: Command) => {
      const globals = globalOptions(cmd);
      const home = homeDirectory(ctx.env);
      const target = targetFile(globals.config ?? [], ctx, home);

      let loaded;
      try {
        loaded = loadCliConfig(ctx, cmd, { configArgs: target === undefined ? [] : [target] });
      } catch (err) {
        throw BacalhauError.wrap(err, 'failed to setup config');
      }
      // as Go: the file that was read (which may have moved DataDir elsewhere), else the data dir's
      const path = target ?? loaded.files[0] ?? join(loaded.config.DataDir, defaultConfigFileName);

      const [first = ''] = args;
      let key: string;
      let values: string[];
      const eq = first.indexOf('=');
      if (eq >= 0) {
        key = first.slice(0, eq);
        values = [first.slice(eq + 1)];
        // Bacalhau drops what follows key=value; a second setting or a list's next item would be lost
        if (args.length > 1) {
          throw validationError(
            `config set takes one key=value, and ${JSON.stringify(args[1])} follows it`,
            `Run config set once per key; give a list's items as one value, separated by commas (${key}=a,b)`,
          );
        }
      } else {
        if (args.length < 2) throw validationError('must provide both key and value, or key=value');
        ctx.stdout.write('DEPRECATED: use key=value instead of space-separated key value\n');
        key = first;
        values = args.slice(1);
      }

      const options = { path, key, values, cwd: ctx.cwd, home, binName: bin };
      parseSetValue(options);
      if (target === undefined && loaded.files.length === 0) makeFolderNow(loaded.config.DataDir);
      ctx.stdout.write(`Writing config to ${path}\n`);
      setConfigFileValue(options);
    });
}
