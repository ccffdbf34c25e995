/**
 * A zsh completion script for the command tree, with descriptions. It works both from `fpath` (as
 * `_<bin>`) and sourced (`source <(bacalhau completion zsh)`), where it registers itself with compdef.
 */
import { posixQuote, shellIdentifier, type CommandNode } from './tree.js';

export function zshCompletion(bin: string, tree: readonly CommandNode[]): string {
  const fn = `_${shellIdentifier(bin)}`;
  const paths = tree.map((n) => posixQuote(n.path)).join('|');
  const cases = tree
    .map((n) => {
      const entries = n.candidates.map((c) =>
        posixQuote(`${c.word.replaceAll(':', '\\:')}:${c.description}`),
      );
      return `    (${posixQuote(n.path)}) candidates=(${entries.join(' ')}) ;;`;
    })
    .join('\n');
  return `#compdef ${bin}
# zsh completion for ${bin}
# Load it with:  source <(${bin} completion zsh)   or save it as ${fn} in a directory of $fpath
${fn}() {
  local path_=${posixQuote(bin)} i
  local -a candidates
  for ((i = 2; i < CURRENT; i++)); do
    [[ "\${words[i]}" == -* ]] && continue
    case "$path_ \${words[i]}" in
      (${paths}) path_="$path_ \${words[i]}" ;;
    esac
  done
  case "$path_" in
${cases}
  esac
  _describe -t commands ${posixQuote(bin)} candidates
}
if [ "$funcstack[1]" = "${fn}" ]; then
  ${fn} "$@"
else
  compdef ${fn} ${bin}
fi
`;
}
