/**
 * A fish completion script for the command tree. One `complete` rule asks a function for the
 * candidates: it reads the words typed so far (flags skipped) into a command path, as the bash script
 * does, and prints that path's subcommands and flags with their descriptions (`word<TAB>description`).
 * When none of them starts with the word being completed, it offers paths instead (a job spec to
 * `job run`), as bash's `-o default` does.
 */
import { shellIdentifier, type CommandNode } from './tree.js';

/** A fish single-quoted string: only `\` and `'` are special inside. */
const quote = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

export function fishCompletion(bin: string, tree: readonly CommandNode[]): string {
  const prefix = `__${shellIdentifier(bin)}`;
  const paths = tree.map((n) => quote(n.path)).join(' ');
  const cases = tree
    .map((n) => {
      const lines = n.candidates.map(
        (c) => `      printf '%s\\t%s\\n' ${quote(c.word)} ${quote(c.description)}`,
      );
      return [`    case ${quote(n.path)}`, ...lines].join('\n');
    })
    .join('\n');
  return `# fish completion for ${bin}
# Load it with:  ${bin} completion fish | source
# or save it as ~/.config/fish/completions/${bin}.fish
function ${prefix}_words
  set -l paths ${paths}
  set -l path ${quote(bin)}
  for word in (commandline -opc)[2..-1]
    string match -q -- '-*' $word; and continue
    contains -- "$path $word" $paths; and set path "$path $word"
  end
  switch $path
${cases}
  end
end
function ${prefix}_candidates
  set -l token (commandline -ct)
  set -l matching
  for line in (${prefix}_words)
    set -l word (string split -f1 \\t -- $line)
    set -l head (string sub -l (string length -- "$token") -- $word)
    test "$head" = "$token"; and set -a matching $line
  end
  if set -q matching[1]
    printf '%s\\n' $matching
  else
    __fish_complete_path "$token"
  end
end
complete -c ${quote(bin)} -e
complete -c ${quote(bin)} -f -a '(${prefix}_candidates)'
`;
}
