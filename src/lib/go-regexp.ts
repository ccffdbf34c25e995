/**
 * A Go (RE2) regular expression as a JavaScript RegExp, for patterns users write for Bacalhau (the
 * CLI's `--template-envs`). The two syntaxes agree on the common part; RE2 adds what is translated
 * here: leading flag groups (`(?i)`, `(?s)`, `(?m)`, `(?is)`, …, which Node 20 cannot read), ASCII
 * classes inside brackets (`[[:upper:]]`), and `\A` / `\z` (start and end of the text, whatever the
 * flags). RE2's Unicode classes (`\pL`, `\p{Greek}`) would mean something else here and are refused.
 */

/** RE2's ASCII classes, as JavaScript bracket contents. */
const PosixClasses: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/**
 * @throws Error (SyntaxError) with V8's reason for a pattern JavaScript cannot read either; what has
 *   no JavaScript equivalent (flag U, `\p`, a negated or unknown ASCII class) is refused by name.
 */
export function goRegExp(pattern: string): RegExp {
  let flags = '';
  let rest = pattern;
  const leading = /^\(\?([a-zA-Z]+)\)/u.exec(rest);
  if (leading !== null) {
    for (const flag of leading[1]!) {
      if (!'ims'.includes(flag)) throw new SyntaxError(`the flag ${flag} has no JavaScript equivalent`);
      if (!flags.includes(flag)) flags += flag;
    }
    rest = rest.slice(leading[0].length);
  }
  return new RegExp(translate(rest), flags);
}

/** Walks the pattern once: escapes are pairs, and a bracket expression is told from the rest. */
function translate(pattern: string): string {
  let out = '';
  let inBrackets = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      i++;
      if (next === 'p' || next === 'P')
        throw new SyntaxError(`\\${next} (Unicode classes) is not supported here`);
      if (!inBrackets && next === 'A') out += '(?<![\\s\\S])';
      else if (!inBrackets && next === 'z') out += '(?![\\s\\S])';
      else out += `\\${next}`;
    } else if (inBrackets && pattern.startsWith('[:', i)) {
      const end = pattern.indexOf(':]', i + 2);
      const name = end < 0 ? '' : pattern.slice(i + 2, end);
      const members = PosixClasses[name];
      if (members === undefined) {
        throw new SyntaxError(
          `invalid character class range: ${pattern.slice(i, end < 0 ? undefined : end + 2)}`,
        );
      }
      out += members;
      i = end + 1;
    } else {
      if (c === '[' && !inBrackets) inBrackets = true;
      else if (c === ']' && inBrackets && !out.endsWith('[') && !out.endsWith('[^')) inBrackets = false;
      out += c;
    }
  }
  return out;
}
