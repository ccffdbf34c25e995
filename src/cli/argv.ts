/**
 * Go's pflag accepts `--flag=false` (and `=true`, `=0`, `=1`, `=t`, `=F`, …) for boolean flags, and
 * `-x=value` for shorthands (`-e=KEY=VALUE`); scripts written for Bacalhau use both (`--wait=false`).
 * Commander only knows `--flag` and `--no-flag`, and reads `-x=value` as the value `=value`, so the
 * arguments are rewritten before parsing, using the options of the commands the arguments name.
 * pflag also gives a flag that takes a value the next argument whatever it looks like
 * (`--entrypoint -c`); commander reads the root's options first, before it knows a subcommand's, and
 * would take such a value for a root flag (`-c`, `--config`), so it is attached to its flag.
 */
import type { Command, Option } from 'commander';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';

const goTrue = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const goFalse = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean option: one without an argument (`--wait`, `--no-wait`). */
function isBoolean(option: Option): boolean {
  return !option.required && !option.optional;
}

/** `option` with `value` in one argument, so that no parser can read the value as a flag of its own. */
function attached(option: Option, value: string): string {
  return option.long === undefined ? `${option.short}${value}` : `${option.long}=${value}`;
}

/** The commands the arguments address: the root, then each subcommand named in turn. */
function commandPath(program: Command, argv: readonly string[]): Command[] {
  const path = [program];
  let current = program;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg.startsWith('-')) continue;
    const sub = current.commands.find((c) => isNamed(c, arg));
    if (sub === undefined) continue;
    path.push(sub);
    current = sub;
  }
  return path;
}

/**
 * Rewrites `--name=<bool>` of boolean options: true → `--name`; false → `--no-name` when that exists,
 * otherwise the argument is dropped (false is then the default). `--no-name=false` turns the option
 * back on. A known shorthand's `-x=value` becomes `-x value`, or for a boolean `--name=value`, read as
 * above. A value that starts with `-`, given to a flag that takes one (`--entrypoint -c`, `-e=-x`), is
 * attached to the flag (`--entrypoint=-c`). Other arguments, and everything after `--`, are left alone.
 */
export function normalizeGoFlags(program: Command, argv: readonly string[]): string[] {
  const booleans = new Map<string, Option>();
  const shorthands = new Map<string, Option>();
  const valueTaking = new Map<string, Option>();
  for (const cmd of commandPath(program, argv)) {
    for (const option of cmd.options) {
      if (isBoolean(option) && option.long !== undefined) booleans.set(option.long, option);
      if (option.short !== undefined) shorthands.set(option.short, option);
      if (option.required) {
        for (const name of [option.long, option.short]) if (name !== undefined) valueTaking.set(name, option);
      }
    }
  }
  const out: string[] = [];
  let literal = false;
  for (let i = 0; i < argv.length; i++) {
    const given = argv[i] ?? '';
    if (literal || given === '--') {
      literal = true;
      out.push(given);
      continue;
    }
    const next = argv[i + 1];
    const takingValue = valueTaking.get(given);
    if (takingValue !== undefined && next !== undefined && next !== '--' && next.startsWith('-')) {
      out.push(attached(takingValue, next));
      i++;
      continue;
    }
    const [, flag = '', shortValue = ''] = /^(-[^-=])=(.*)$/s.exec(given) ?? [];
    const short = shorthands.get(flag);
    if (short !== undefined && !isBoolean(short)) {
      out.push(...(shortValue.startsWith('-') ? [attached(short, shortValue)] : [flag, shortValue]));
      continue;
    }
    const arg = short?.long === undefined ? given : `${short.long}=${shortValue}`;
    const eq = arg.indexOf('=');
    const name = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    const option = eq < 0 || !arg.startsWith('--') ? undefined : booleans.get(name);
    if (option === undefined) {
      out.push(arg);
      continue;
    }
    // pflag's words; commander would call the flag unknown and suggest the flag itself
    if (!goTrue.has(value) && !goFalse.has(value)) {
      throw new BacalhauError(
        `invalid argument ${JSON.stringify(value)} for "${name}" flag: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
        {
          code: ErrorCode.ValidationError,
          component: 'CLI',
          hint: `${name} takes true or false, or no value (true)`,
        },
      );
    }
    const on = goTrue.has(value);
    const negated = name.startsWith('--no-');
    const positive = negated ? `--${name.slice('--no-'.length)}` : name;
    const negative = negated ? name : `--no-${name.slice(2)}`;
    // `--no-x=false` means x on; `--x=false` means x off.
    const wantOn = negated ? !on : on;
    if (wantOn) {
      if (booleans.has(positive)) out.push(positive);
    } else if (booleans.has(negative)) {
      out.push(negative);
    }
  }
  return out;
}

/** The (normalized) arguments each program was parsed from, for commands that look at where flags were. */
const programArgv = new WeakMap<Command, readonly string[]>();

export function rememberArgv(program: Command, argv: readonly string[]): void {
  programArgv.set(program, argv);
}

/**
 * The flags written after the first operand of `command` (the image of `docker run`, the module of
 * `wasm run`) and before any `--`. Go's CLI reads them as its own flags, and so does this one, so
 * `docker run ubuntu ls -la` runs `ls` with the label `a`; users who meant them for the container
 * deserve to be told.
 */
export function flagsAfterFirstOperand(command: Command): string[] {
  let program = command;
  while (program.parent !== null) program = program.parent;
  const argv = programArgv.get(program) ?? [];
  const path = commandPath(program, argv);
  if (path.at(-1) !== command) return [];
  const options = path.flatMap((cmd) => cmd.options);
  const takesValue = (arg: string, next: string | undefined): boolean => {
    if (arg.includes('=') || (!arg.startsWith('--') && arg.length > 2)) return false; // value attached
    const option = options.find((o) => o.long === arg || o.short === arg);
    if (option === undefined) return false;
    return option.required || (option.optional && next !== undefined && !next.startsWith('-'));
  };
  const flags: string[] = [];
  let depth = 1;
  let operandSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('-') && arg.length > 1) {
      if (operandSeen) flags.push(arg);
      if (takesValue(arg, argv[i + 1])) i++;
    } else if (depth < path.length && isNamed(path[depth], arg)) {
      depth++;
    } else if (depth === path.length) {
      operandSeen = true;
    }
  }
  return flags;
}

/** Whether `arg` names `cmd` (its name or an alias). */
export function isNamed(cmd: Command | undefined, arg: string): boolean {
  return cmd !== undefined && (cmd.name() === arg || cmd.aliases().includes(arg));
}

/** A command's full name, as typed: `bacalhau job list`. */
export function fullCommandName(cmd: Command): string {
  return cmd.parent === null ? cmd.name() : `${fullCommandName(cmd.parent)} ${cmd.name()}`;
}
