/**
 * A Go (RE2) regular expression as a JavaScript RegExp, for patterns users write for Bacalhau (the
 * CLI's `--template-envs`). The two syntaxes agree on the common part; RE2 adds what is translated
 * here: leading flag groups (`(?i)`, `(?s)`, `(?m)`, `(?is)`, …, which Node 20 cannot read), ASCII
 * classes inside brackets (`[[:upper:]]`), and `\A` / `\z` (start and end of the text).
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
 * @throws Error (SyntaxError) with V8's reason for a pattern JavaScript cannot read either; an RE2 flag
 *   other than i, m, s (U: ungreedy) is refused by name.
 */
export function goRegExp(pattern: string): RegExp {
  let flags = '';
  let body = pattern;
  const leading = /^\(\?([a-zA-Z]+)\)/u.exec(body);
  if (leading !== null) {
    for (const flag of leading[1]!) {
      if (!'ims'.includes(flag)) throw new SyntaxError(`the flag ${flag} has no JavaScript equivalent`);
      if (!flags.includes(flag)) flags += flag;
    }
    body = body.slice(leading[0].length);
  }
  body = body
    .replace(/\[:(\^?)([a-z]+):\]/gu, (whole, negated: string, name: string) => {
      const members = PosixClasses[name];
      if (members === undefined) throw new SyntaxError(`invalid character class range: ${whole}`);
      if (negated !== '') throw new SyntaxError(`negated class ${whole} is not supported here`);
      return members;
    })
    .replace(/\\A/gu, '^')
    .replace(/\\z/gu, '$(?![\\s\\S])');
  return new RegExp(body, flags);
}
