/**
 * Path globs as Bacalhau matches `Compute.AllowListedLocalPaths` (bmatcuk/doublestar v4 `PathMatch`),
 * compiled to a RegExp that must match the whole path:
 * `*` any run within one segment, `?` one character, `[a-z]` / `[!a-z]` / `[^a-z]` classes, `{a,b}`
 * alternatives (may nest and hold `/`), `\x` a literal x, and `**` as a whole segment for any number of
 * segments, zero included (`/data/**` matches `/data` itself). A `**` inside a segment is a `*`.
 */

/** A pattern that cannot be compiled; the message says why. */
export class GlobError extends Error {}

export function compileGlob(pattern: string): RegExp {
  const compiler = new Compiler(pattern);
  const source = compiler.sequence(false);
  return new RegExp(`^${source}$`, 'su');
}

const regexSpecial = /[.+^$()|[\]{}*?\\/]/g;

class Compiler {
  #at = 0;
  constructor(private readonly pattern: string) {}

  /** Compiles up to the end, or inside braces up to the `,` or `}` that ends an alternative. */
  sequence(inBraces: boolean): string {
    let out = '';
    const p = this.pattern;
    while (this.#at < p.length) {
      const char = p[this.#at] as string;
      if (inBraces && (char === ',' || char === '}')) return out;
      if (char === '/' && p.slice(this.#at) === '/**') {
        this.#at = p.length;
        return `${out}(?:/.*)?`; // a trailing "/**" also matches the directory itself
      }
      this.#at++;
      if (char === '*') out += this.#star();
      else if (char === '?') out += '[^/]';
      else if (char === '[') out += this.#charClass();
      else if (char === '{') out += this.#alternatives();
      else if (char === '\\') out += escape(this.#escaped());
      else out += escape(char);
    }
    if (inBraces) throw new GlobError('a "{" is not closed');
    return out;
  }

  #star(): string {
    const p = this.pattern;
    const start = this.#at - 1;
    while (p[this.#at] === '*') this.#at++;
    const wholeSegment =
      (start === 0 || p[start - 1] === '/') && (this.#at === p.length || p[this.#at] === '/');
    if (this.#at - start < 2 || !wholeSegment) return '[^/]*';
    if (this.#at === p.length) return '.*';
    this.#at++; // "**/" matches any number of whole segments, zero included
    return '(?:.*/)?';
  }

  #charClass(): string {
    const p = this.pattern;
    let negated = false;
    if (p[this.#at] === '!' || p[this.#at] === '^') {
      negated = true;
      this.#at++;
    }
    let members = '';
    while (this.#at < p.length && p[this.#at] !== ']') {
      const char = p[this.#at++] as string;
      members += char === '\\' ? escapeInClass(this.#escaped()) : char === '-' ? '-' : escapeInClass(char);
    }
    if (this.#at >= p.length) throw new GlobError('a "[" is not closed');
    if (members === '') throw new GlobError('a "[]" class is empty');
    this.#at++;
    // A class never matches the separator, as in Go's path.Match.
    return negated ? `[^/${members}]` : `(?!/)[${members}]`;
  }

  #alternatives(): string {
    const options: string[] = [];
    for (;;) {
      options.push(this.sequence(true));
      const closing = this.pattern[this.#at++];
      if (closing === '}') return `(?:${options.join('|')})`;
    }
  }

  #escaped(): string {
    const char = this.pattern[this.#at++];
    if (char === undefined) throw new GlobError('it ends with a lone "\\"');
    return char;
  }
}

function escape(text: string): string {
  return text.replace(regexSpecial, '\\$&');
}

function escapeInClass(char: string): string {
  return /[\]\\^-]/.test(char) ? `\\${char}` : char;
}

/** `text` as a glob that matches exactly it. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]{}\\]/g, '\\$&');
}
