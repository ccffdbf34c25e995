/**
 * The command tree as completion scripts need it: for each command path (`bacalhau job run`), the words
 * that may follow — subcommands and flags — with their one-line descriptions. Hidden commands and flags
 * are left out; root flags apply to every path, as they do when parsing.
 */
import type { Command, Option } from 'commander';

export interface Candidate {
  readonly word: string;
  readonly description: string;
}

export interface CommandNode {
  /** Space-separated, starting with the binary name. */
  readonly path: string;
  readonly candidates: readonly Candidate[];
}

const firstLine = (text: string): string => text.split('\n')[0]?.trim() ?? '';

function optionWords(options: readonly Option[]): Candidate[] {
  return options
    .filter((o) => !o.hidden)
    .flatMap((o) =>
      [o.long, o.short]
        .filter((flag): flag is string => flag !== undefined)
        .map((word) => ({ word, description: firstLine(o.description) })),
    );
}

/** Every visible command under `program`, depth first, the program itself first. */
export function commandTree(program: Command): CommandNode[] {
  const inherited = optionWords(program.options);
  const nodes: CommandNode[] = [];
  const visit = (cmd: Command, path: string, parentOptions: Candidate[]): void => {
    const visible = cmd.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
    const own = cmd === program ? [] : optionWords(cmd.options);
    // A command's own flag replaces an inherited one of the same name (`config set -c`).
    const options = [...new Map([...parentOptions, ...own].map((c) => [c.word, c])).values()];
    nodes.push({
      path,
      candidates: [
        ...visible.flatMap((sub) =>
          [sub.name(), ...sub.aliases()].map((word) => ({ word, description: firstLine(sub.description()) })),
        ),
        ...options,
        { word: '--help', description: 'display help for command' },
      ],
    });
    // Options of a noun (`--profile` on `job`) apply to its verbs too, as commander parses them.
    for (const sub of visible) visit(sub, `${path} ${sub.name()}`, options);
  };
  visit(program, program.name(), inherited);
  return nodes;
}

/** `bin` as part of a shell function name: what is not a letter, digit or `_` becomes `_`. */
export function shellIdentifier(bin: string): string {
  return bin.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A POSIX single-quoted string (bash, zsh): a quote inside ends it, is escaped, and starts it again. */
export function posixQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}
