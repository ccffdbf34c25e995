/**
 * Bacalhau's job flags (`cliflags.RegisterJobFlags`) of `docker run` and `wasm run`: name, namespace,
 * type (`--target any` = batch, `all` = ops), priority, count, node constraints and labels. The
 * deprecated `--concurrency` and `-s/--selector` are accepted, hidden, with pflag's deprecation notice.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { errorMessage } from '../../models/bacerrors.js';
import { DefaultNamespace, JobType } from '../../models/constants.js';
import {
  formatAggregate,
  parseLabelSelector,
  validateLabelSet,
  type LabelSelectorRequirement,
} from '../../models/selector.js';
import type { CliContext } from '../context.js';
import { deprecatedFlagNotice } from './deprecated.js';
import { collectList, flagError, parseInteger } from './parse.js';

export interface JobSettings {
  readonly name: string;
  readonly namespace: string;
  readonly type: string;
  readonly priority: number;
  readonly count: number;
  /** Go's nil (no `--constraints`) stays absent: it is `null` in the job. */
  readonly constraints?: LabelSelectorRequirement[];
  readonly labels: Record<string, string>;
}

function parseTarget(value: string): string {
  if (value === 'any') return JobType.Batch;
  if (value === 'all') return JobType.Ops;
  throw new InvalidArgumentError(`expecting "any" or "all", not ${JSON.stringify(value)}`);
}

const selectorHelp =
  "Selector (label query) to filter nodes on which this job can be executed.\nSupports '=', '==', and " +
  "'!='.(e.g. -s key1=value1,key2=value2).\nMatching objects must satisfy all of the specified label constraints.";

export function addJobFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--name <name>', 'The name to refer to this job by.').default(''))
    .addOption(
      new Option('--namespace <namespace>', 'The namespace to associate with this job.').default(
        DefaultNamespace,
      ),
    )
    .addOption(new Option('--priority <n>', 'The priority of the job.').argParser(parseInteger).default(0))
    .addOption(
      new Option(
        '-l, --labels <labels>',
        "List of labels for the job. Enter multiple in the format '-labels env=prod -label region=earth'.\n" +
          "Valid label keys must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
          'with an alphanumeric character.\nValid label values must be an empty string or consist of ' +
          "alphanumeric characters, '-', '_' or '.', and must start and end \nwith an alphanumeric character.",
      )
        .argParser(collectList)
        .default([]),
    )
    .addOption(
      new Option('--count <n>', 'How many nodes should run the job.').argParser(parseInteger).default(1),
    )
    .addOption(
      new Option('--concurrency <n>', 'How many nodes should run the job').argParser(parseInteger).hideHelp(),
    )
    .addOption(
      new Option(
        '--target <all|any>',
        'Whether to target the minimum number of matching nodes ("any") (default) or all matching nodes ("all").',
      )
        .argParser(parseTarget)
        .default(JobType.Batch, 'any'),
    )
    .addOption(new Option('--constraints <selector>', selectorHelp).default(''))
    .addOption(new Option('-s, --selector <selector>', selectorHelp).hideHelp());
}

/** The `key=value` (or bare `key`) labels, checked with the k8s label rules. */
function parseLabels(values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const label of values) {
    const eq = label.indexOf('=');
    if (eq < 0) labels[label] = '';
    else labels[label.slice(0, eq)] = label.slice(eq + 1);
  }
  const problems = validateLabelSet(labels);
  if (problems.length > 0) throw flagError(`received invalid job labels: ${formatAggregate(problems)}`);
  return labels;
}

function parseConstraints(selector: string): LabelSelectorRequirement[] | undefined {
  if (selector.trim() === '') return undefined;
  try {
    return parseLabelSelector(selector);
  } catch (err) {
    throw flagError(`failed to parse job constraints: failed to parse node selector: ${errorMessage(err)}`);
  }
}

/** The values registered by `addJobFlags`; notes the use of a deprecated flag on stderr, as pflag does. */
export function jobSettings(ctx: Pick<CliContext, 'stderr'>, cmd: Command): JobSettings {
  const opts = cmd.opts<Record<string, unknown>>();
  const given = (flag: string): boolean => cmd.getOptionValueSource(flag) === 'cli';
  const deprecated = (flag: string, replacement: string): boolean => {
    if (!given(flag)) return false;
    if (given(replacement)) {
      throw flagError(
        `if any flags in the group [${replacement} ${flag}] are set none of the others can be; ` +
          `[${flag} ${replacement}] were all set`,
      );
    }
    ctx.stderr.write(deprecatedFlagNotice(flag, `use --${replacement}`));
    return true;
  };
  const count = (deprecated('concurrency', 'count') ? opts['concurrency'] : opts['count']) as number;
  const selector = (deprecated('selector', 'constraints') ? opts['selector'] : opts['constraints']) as string;
  const constraints = parseConstraints(selector);
  return {
    name: opts['name'] as string,
    namespace: opts['namespace'] as string,
    type: opts['target'] as string,
    priority: opts['priority'] as number,
    count,
    ...(constraints === undefined ? {} : { constraints }),
    labels: parseLabels(opts['labels'] as string[]),
  };
}
