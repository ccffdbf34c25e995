/**
 * A bash completion script for the command tree: the words typed so far (flags skipped) select a
 * command path, whose subcommands and flags are offered for the current word.
 */
import { posixQuote, shellIdentifier, type CommandNode } from './tree.js';

export function bashCompletion(bin: string, tree: readonly CommandNode[]): string {
  const fn = `__${shellIdentifier(bin)}_complete`;
  const paths = tree.map((n) => posixQuote(n.path)).join('|');
  const cases = tree
    .map(
      (n) => `    ${posixQuote(n.path)}) words=${posixQuote(n.candidates.map((c) => c.word).join(' '))} ;;`,
    )
    .join('\n');
  return `# bash completion for ${bin}                                  -*- shell-script -*-
# Load it with:  source <(${bin} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path=${posixQuote(bin)} word i words=''
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case "$path $word" in
      ${paths}) path="$path $word" ;;
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${bin}
`;
}
