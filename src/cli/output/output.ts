/**
 * Printing command results in the formats of Bacalhau's `cmd/util/output`: lists as table | csv | json |
 * yaml (JSON/YAML print the items array), single objects as json | yaml, and the flags that choose them.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { TextSink } from '../context.js';
import { toJson, toYaml } from './encode.js';
import { renderCsv, renderTable, type Column } from './table.js';
import { terminalSafe } from './terminal-safe.js';

export const tabularFormats = ['table', 'csv'] as const;
export const nonTabularFormats = ['json', 'yaml'] as const;
export const allFormats = [...tabularFormats, ...nonTabularFormats] as const;

export type OutputFormat = (typeof allFormats)[number];
export type NonTabularFormat = (typeof nonTabularFormats)[number];

/** Bacalhau's `OutputOptions`. */
export interface OutputOptions {
  readonly format: OutputFormat;
  /** Indent JSON (YAML is always indented). */
  readonly pretty: boolean;
  readonly hideHeader: boolean;
  /** No colours in tables. */
  readonly noStyle: boolean;
  /** No width limits in tables. */
  readonly wide: boolean;
}

/** Bacalhau's `NonTabularOutputOptions`, for describe-style commands. */
export interface NonTabularOptions {
  readonly format: NonTabularFormat;
  readonly pretty: boolean;
}

/** Where output goes and what decides colouring: a subset of CliContext. */
export interface OutputTarget {
  readonly stdout: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Go's `%q` of a string slice: `["table" "csv" "json" "yaml"]`. */
function quoteList(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

function formatParser<F extends string>(allowed: readonly F[]): (value: string) => F {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`should be one of ${quoteList(allowed)}`);
    }
    return value as F;
  };
}

/**
 * Registers `--output`, `--pretty`, `--hide-header`, `--no-style`, `--wide` on a command
 * (Bacalhau's `OutputFormatFlags`). Read them back with `outputOptions(cmd.opts())`.
 */
export function addOutputFlags(cmd: Command, defaults: Partial<OutputOptions> = {}): Command {
  cmd.addOption(
    new Option('--output <format>', `The output format for the command (one of ${quoteList(allFormats)})`)
      .argParser(formatParser(allFormats))
      .default(defaults.format ?? 'table'),
  );
  addPrettyFlag(cmd, defaults.pretty ?? false);
  return cmd
    .addOption(new Option('--hide-header', 'do not print the column headers.').default(defaults.hideHeader))
    .addOption(
      new Option('--no-style', 'remove all styling from table output.').default(!(defaults.noStyle ?? false)),
    )
    .addOption(new Option('--wide', 'Print full values in the table results').default(defaults.wide));
}

/**
 * Registers `--output json|yaml` (default yaml) and `--pretty` (Bacalhau's `OutputNonTabularFormatFlags`).
 * With `human`, `--output` has no default: the command prints its own human form unless it is given
 * (read it with `humanOutputRequested`).
 */
export function addNonTabularOutputFlags(
  cmd: Command,
  defaults: Partial<NonTabularOptions> & { human?: boolean } = {},
): Command {
  const output = new Option(
    '--output <format>',
    `The output format for the command (one of ${quoteList(nonTabularFormats)})`,
  ).argParser(formatParser(nonTabularFormats));
  cmd.addOption(defaults.human === true ? output : output.default(defaults.format ?? 'yaml'));
  return addPrettyFlag(cmd, defaults.pretty ?? false);
}

function addPrettyFlag(cmd: Command, pretty: boolean): Command {
  cmd.addOption(
    new Option('--pretty', 'Pretty print the output. Only applies to json and yaml output formats.').default(
      pretty || undefined,
    ),
  );
  // With pretty on by default, `--no-pretty` turns it off (Go spells it --pretty=false).
  if (pretty) cmd.addOption(new Option('--no-pretty', 'Do not pretty print the output.').hideHelp());
  return cmd;
}

/** The options registered by `addOutputFlags`, from `cmd.opts()`. */
export function outputOptions(opts: Record<string, unknown>): OutputOptions {
  return {
    format: (opts['output'] as OutputFormat | undefined) ?? 'table',
    pretty: opts['pretty'] === true,
    hideHeader: opts['hideHeader'] === true,
    noStyle: opts['style'] === false,
    wide: opts['wide'] === true,
  };
}

/** True when a command registered with `human` output flags was not given `--output`. */
export function humanOutputRequested(opts: Record<string, unknown>): boolean {
  return opts['output'] === undefined;
}

/** The options registered by `addNonTabularOutputFlags`, from `cmd.opts()`. */
export function nonTabularOptions(opts: Record<string, unknown>): NonTabularOptions {
  return {
    format: (opts['output'] as NonTabularFormat | undefined) ?? 'yaml',
    pretty: opts['pretty'] === true,
  };
}

/** Colours only on a terminal, and never with NO_COLOR or TERM=dumb (FORCE_COLOR forces them). */
export function colorsEnabled(target: OutputTarget): boolean {
  const { env } = target;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  if (env['NO_COLOR'] !== undefined || env['TERM'] === 'dumb') return false;
  return (target.stdout as { isTTY?: boolean }).isTTY === true;
}

/** Renders a list; `data` is what json/yaml print (default: the rows themselves). */
export function renderList<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: OutputOptions,
  extra: { data?: unknown; colors?: boolean } = {},
): string {
  switch (options.format) {
    case 'table':
      return renderTable(columns, rows, {
        hideHeader: options.hideHeader,
        wide: options.wide,
        colors: !options.noStyle && (extra.colors ?? false),
      });
    case 'csv':
      return renderCsv(columns, rows, { hideHeader: options.hideHeader });
    case 'json':
    case 'yaml':
      return renderValue(extra.data ?? rows, { format: options.format, pretty: options.pretty });
  }
}

/** Renders one value as json or yaml. */
export function renderValue(value: unknown, options: NonTabularOptions): string {
  return options.format === 'json' ? toJson(value, options.pretty) : toYaml(value);
}

/** Prints a list (Bacalhau's `output.Output`). */
export function printList<T>(
  target: OutputTarget,
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: OutputOptions,
  data?: unknown,
): void {
  target.stdout.write(
    renderList(columns, rows, options, {
      colors: colorsEnabled(target),
      ...(data === undefined ? {} : { data }),
    }),
  );
}

/** Prints one item: a one-row table, or the item itself as json/yaml (Bacalhau's `output.OutputOne`). */
export function printOne<T>(
  target: OutputTarget,
  columns: readonly Column<T>[],
  item: T,
  options: OutputOptions,
  data?: unknown,
): void {
  if (options.format === 'table' || options.format === 'csv') {
    printList(target, columns, [item], options);
    return;
  }
  target.stdout.write(renderValue(data ?? item, { format: options.format, pretty: options.pretty }));
}

/** Prints a value as json or yaml (Bacalhau's `output.OutputOneNonTabular`). */
export function printValue(target: OutputTarget, value: unknown, options: NonTabularOptions): void {
  target.stdout.write(renderValue(value, options));
}

/**
 * Prints `key = value` lines with the keys aligned, skipping empty values (Bacalhau's `output.KeyValue`);
 * control characters in values are shown escaped (terminal-safe.ts).
 */
export function printKeyValues(target: OutputTarget, pairs: ReadonlyArray<readonly [string, unknown]>): void {
  const width = Math.max(0, ...pairs.map(([key]) => key.length));
  for (const [key, value] of pairs) {
    const text = typeof value === 'object' ? JSON.stringify(value) : `${value as string | number | boolean}`;
    if (value === undefined || value === null || text === '') continue;
    target.stdout.write(`${key.padEnd(width)} = ${terminalSafe(text)}\n`);
  }
}
