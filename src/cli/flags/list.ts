/** Bacalhau's `ListFlags`: `--limit`, `--next-token`, `--order-by`, `--order-reversed`. */
import { Option, type Command } from 'commander';
import { parseUint32 } from './parse.js';

export interface ListOptions {
  readonly limit: number;
  readonly nextToken: string;
  readonly orderBy: string;
  readonly reverse: boolean;
}

export function addListFlags(
  cmd: Command,
  defaults: { limit?: number; orderByFields?: readonly string[] } = {},
): Command {
  const fields = defaults.orderByFields ?? [];
  return cmd
    .addOption(
      new Option('--limit <n>', 'Limit the number of results returned')
        .argParser(parseUint32)
        .default(defaults.limit ?? 0),
    )
    .addOption(new Option('--next-token <token>', 'Next token to use for pagination').default(''))
    .addOption(
      new Option(
        '--order-by <field>',
        `Order results by a field${fields.length > 0 ? `. Valid fields are: ${fields.join(', ')}` : ''}`,
      ).default(''),
    )
    .addOption(new Option('--order-reversed', 'Reverse the order of the results'));
}

/** The values registered by `addListFlags`, from `cmd.opts()`. */
export function listOptions(opts: Record<string, unknown>): ListOptions {
  return {
    limit: typeof opts['limit'] === 'number' ? opts['limit'] : 0,
    nextToken: typeof opts['nextToken'] === 'string' ? opts['nextToken'] : '',
    orderBy: typeof opts['orderBy'] === 'string' ? opts['orderBy'] : '',
    reverse: opts['orderReversed'] === true,
  };
}
