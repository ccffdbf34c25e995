/**
 * Usage errors (unknown flag, bad flag value, wrong number of arguments) in the words of Bacalhau's
 * CLI: cobra and pflag phrase them, and `util.Fatal` prints them as `\nError: <message>`. Commander
 * detects the same mistakes but words them its own way (`error: unknown option '--foo'`); scripts and
 * users who look for `Error:` or for pflag's texts get what Bacalhau gives them.
 */
import type { Command, Option } from 'commander';
import { goQuote } from '../models/go-compat.js';
import { fullCommandName } from './argv.js';
import { fatalText } from './messages.js';

/** The text to print for a usage error commander raised on `cmd` (its message, newline included). */
export function usageErrorText(cmd: Command, commanderMessage: string): string {
  const { message, hint } = goUsageError(cmd, commanderMessage.trimEnd());
  return fatalText(message, hint);
}

function goUsageError(cmd: Command, text: string): { message: string; hint?: string } {
  const [first = '', ...rest] = text.split('\n');
  // commander's "(Did you mean --force?)" line: pflag suggests nothing, but the hint is worth keeping
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(rest.join('\n').trim())?.[1];
  const hint = suggestion === undefined ? undefined : `Did you mean ${suggestion}?`;
  const withHint = (message: string): { message: string; hint?: string } =>
    hint === undefined ? { message } : { message, hint };

  const unknown = /^error: unknown option '(.+)'$/.exec(first);
  if (unknown !== null) {
    const message = unknownFlag(unknown[1] ?? '');
    const replaced = RemovedFlags[message.replace(/^unknown flag: /, '')];
    return replaced === undefined ? withHint(message) : { message, hint: replaced };
  }

  const missingValue = /^error: option '(.+)' argument missing$/.exec(first);
  if (missingValue !== null) {
    return { message: `flag needs an argument: ${longName(optionOf(cmd, missingValue[1] ?? ''))}` };
  }

  const invalid = /^error: option '(.+?)' argument '(.*)' is invalid\. ?([\s\S]*)$/.exec(text);
  if (invalid !== null) {
    const option = optionOf(cmd, invalid[1] ?? '');
    // pflag's reason is the parser's (`strconv.ParseInt: …`); the flag's own help says what it takes
    const help = option?.description.trim() ?? '';
    return {
      message: `invalid argument ${JSON.stringify(invalid[2])} for "${pflagName(option)}" flag: ${invalid[3] ?? ''}`,
      ...(help === '' ? {} : { hint: `${longName(option)}: ${help}` }),
    };
  }

  const invalidOperand =
    /^error: command-argument value '(.*)' is invalid for argument '.+'\. ?([\s\S]*)$/.exec(text);
  if (invalidOperand !== null) {
    const reason = invalidOperand[2] ?? '';
    return {
      message: `invalid argument ${JSON.stringify(invalidOperand[1])} for "${fullCommandName(cmd)}"`,
      ...(reason === '' ? {} : { hint: reason }),
    };
  }

  const missingOperand = /^error: missing required argument '(.+)'$/.exec(first);
  if (missingOperand !== null) {
    const received = cmd.registeredArguments.findIndex((a) => a.name() === missingOperand[1]);
    return { message: argumentCountError(cmd, Math.max(received, 0)) };
  }

  const excess = /^error: too many arguments.*?\. Expected \d+ arguments? but got (\d+)\.$/.exec(first);
  if (excess !== null) return { message: argumentCountError(cmd, Number(excess[1])) };

  // anything else commander says: its words, in Go's frame
  return withHint(first.replace(/^error: /, ''));
}

/**
 * Flags Bacalhau v1.5 and v1.6 still took (deprecated, with these messages) and v1.7 removed: a user's
 * old script then meets "unknown flag" with no word of what replaced it.
 */
const RemovedFlags: Readonly<Record<string, string>> = {
  '--repo': 'Use --data-dir=<path> to set this configuration (--repo was removed in Bacalhau v1.7)',
  '--node-type':
    'Use --orchestrator and/or --compute to set the node type (--node-type was removed in Bacalhau v1.7)',
};

/** pflag: `unknown flag: --foo`, `unknown shorthand flag: 'z' in -zx`. */
function unknownFlag(arg: string): string {
  if (arg.startsWith('--')) return `unknown flag: ${arg.split('=')[0] ?? arg}`;
  return `unknown shorthand flag: '${arg.charAt(1)}' in ${arg}`;
}

/** The commands given {@link takesExtraOperands}. */
const extraOperandsTaken = new WeakSet<Command>();

/**
 * Lets `cmd` take operands past the ones it declares and ignore them, as Go's command does: its
 * cobra.MinimumNArgs (`job rerun <id> x`, `config list x`), or no Args check at all (`serve x`,
 * `devstack x`). Too few are still refused, in MinimumNArgs' words.
 */
export function takesExtraOperands(cmd: Command): Command {
  extraOperandsTaken.add(cmd);
  return cmd.allowExcessArguments(true);
}

/**
 * cobra's argument-count validators (NoArgs, ExactArgs, RangeArgs, MinimumNArgs, MaximumNArgs) and
 * texts.
 */
function argumentCountError(cmd: Command, received: number): string {
  const operands = cmd.registeredArguments;
  const required = operands.filter((a) => a.required).length;
  const minimum = extraOperandsTaken.has(cmd) || operands.some((a) => a.variadic);
  if (minimum && received < required) {
    return `requires at least ${required} arg(s), only received ${received}`;
  }
  // NoArgs reads an operand as a subcommand the command does not have
  if (operands.length === 0)
    return `unknown command ${goQuote(cmd.args[0] ?? '')} for "${fullCommandName(cmd)}"`;
  if (required === operands.length) return `accepts ${required} arg(s), received ${received}`;
  if (required === 0) return `accepts at most ${operands.length} arg(s), received ${received}`;
  return `accepts between ${required} and ${operands.length} arg(s), received ${received}`;
}

/** The option whose `flags` commander quoted (`-l, --limit <n>`), on the command or its ancestors. */
function optionOf(cmd: Command, flags: string): Option | undefined {
  for (let c: Command | null = cmd; c !== null; c = c.parent) {
    const found = c.options.find((o) => o.flags === flags);
    if (found !== undefined) return found;
  }
  return undefined;
}

function longName(option: Option | undefined): string {
  return option?.long ?? option?.short ?? '';
}

/** pflag names a flag `-l, --limit` when it has a shorthand, else `--limit`. */
function pflagName(option: Option | undefined): string {
  if (option?.short !== undefined && option.long !== undefined) return `${option.short}, ${option.long}`;
  return longName(option);
}
