/**
 * A bound on how deep a YAML document nests, checked before it is parsed. The YAML library composes
 * nodes recursively: a document nested several hundred levels deep exhausts the stack, and a V8
 * regular expression compiled at that depth then aborts the whole process ("RegExpCompiler Allocation
 * failed") instead of throwing. Job specs and config files are a few levels deep, so a generous bound
 * refuses only what no person writes.
 *
 * Measured on the library's lexer, which is iterative and knows quoting, comments and block scalars:
 * each open flow collection (`[`, `{`) counts one level, and so does each column before a line's
 * content (indentation and `- ` entries), an over-estimate of block nesting that a deep document cannot
 * stay under.
 */
import { Lexer } from 'yaml';

/** Levels (flow collections plus columns of indentation) a document may reach. */
export const MaxYamlDepth = 256;

/** Where (1-based line and column) `text` first nests deeper than `limit`, or undefined. */
export function yamlTooDeepAt(
  text: string,
  limit = MaxYamlDepth,
): { line: number; column: number } | undefined {
  let line = 1;
  let column = 1;
  let flow = 0;
  let indent = 0;
  let atLineStart = true;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') flow++;
    else if (token === ']' || token === '}') flow = Math.max(0, flow - 1);
    if (atLineStart) {
      if (/^[ \t]+$|^[-?:]$/.test(token)) indent += token.length;
      else if (!isControl(token)) atLineStart = false;
    }
    if (flow + indent > limit) return { line, column };
    const lastNewline = token.lastIndexOf('\n');
    if (lastNewline < 0) {
      if (!isControl(token)) column += token.length;
      continue;
    }
    line += countNewlines(token);
    column = token.length - lastNewline;
    if (lastNewline === token.length - 1) {
      atLineStart = true;
      indent = 0;
    }
  }
  return undefined;
}

/** The lexer's one-character markers (document start, scalar follows, …), which take no column. */
function isControl(token: string): boolean {
  return token.length === 1 && token.charCodeAt(0) < 0x20 && token !== '\n' && token !== '\t';
}

function countNewlines(token: string): number {
  let count = 0;
  for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) count++;
  return count;
}
