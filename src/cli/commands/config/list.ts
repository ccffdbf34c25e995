import { Command } from 'commander';
import {
  configKeys,
  configToYaml,
  formatValue,
  getValue,
  isEmptyCollection,
  type BacalhauConfig,
  type ConfigKey,
} from '../../../config/index.js';
import type { CliContext } from '../../context.js';
import { addOutputFlags, outputOptions, printList, type Column } from '../../output/index.js';
import { takesExtraOperands } from '../../usage-errors.js';
import { loadCliConfig } from './load.js';

/** One row of `config list`; JSON output prints these (field names as Bacalhau's configListEntry). */
export interface ConfigListEntry {
  readonly Key: ConfigKey;
  readonly Value: unknown;
  readonly Description: string;
}

const byKey = new Map(configKeys.map((spec) => [spec.key, spec]));

export const configListColumns: readonly Column<ConfigListEntry>[] = [
  { name: 'Key', value: (e) => e.Key },
  {
    name: 'Value',
    maxWidth: 80,
    value: (e) => {
      const spec = byKey.get(e.Key);
      return spec === undefined ? String(e.Value) : formatValue(spec, e.Value);
    },
  },
  { name: 'Description', maxWidth: 80, value: (e) => e.Description },
];

/** Every key with its value and description, sorted by key. */
export function configListEntries(config: BacalhauConfig): ConfigListEntry[] {
  return configKeys
    .map((spec) => ({ Key: spec.key, Value: getValue(config, spec.key), Description: spec.description }))
    .sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

/**
 * An entry as Go's JSON prints it: an empty list or map is `null` there, since its defaults leave
 * them nil (scripts comparing with `null` keep working).
 */
function asGoJson(entry: ConfigListEntry): ConfigListEntry {
  return isEmptyCollection(entry.Value) ? { ...entry, Value: null } : entry;
}

/** `bacalhau config list`: every key, its current value and what it does. */
export function configListCommand(ctx: CliContext): Command {
  const cmd = takesExtraOperands(new Command('list'))
    .summary('List every config key with its current value and description.')
    .description(
      [
        'List every configuration key with its current value and what it controls.',
        'Values are those in effect: defaults, config files, BACALHAU_* environment',
        'variables and flags. Any key shown can be changed with:',
        `  ${ctx.binName} config set <key>=<value>     to write it to the config file`,
        `  ${ctx.binName} --config <key>=<value> ...   to override it for one command`,
      ].join('\n'),
    );
  addOutputFlags(cmd, { pretty: true });
  return cmd.action((_opts: unknown, command: Command) => {
    const options = outputOptions(command.opts());
    const { config } = loadCliConfig(ctx, command);
    if (options.format === 'yaml') {
      // Bacalhau prints the whole config tree (not the list) as YAML, followed by a blank line.
      ctx.stdout.write(`${configToYaml(config)}\n`);
      return;
    }
    const entries = configListEntries(config);
    printList(ctx, configListColumns, options.format === 'json' ? entries.map(asGoJson) : entries, options);
  });
}
