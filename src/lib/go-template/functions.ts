/**
 * Go `text/template`'s predefined functions (Bacalhau adds none). A function throws a plain Error with
 * Go's text; the executor adds where it happened.
 */
import { isVars, sprint, sprintf, sprintln, truth, typeName, type Value } from './values.js';

type TemplateFunction = (args: Value[]) => Value;

function arity(name: string, args: readonly Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const wanted = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} or ${max}`;
    throw new Error(`wrong number of args for ${name}: want ${wanted} got ${args.length}`);
  }
}

/** Go's `eq` / `lt` rules: two strings, two numbers or two bools; anything else cannot be compared. */
function compare(name: string, a: Value, b: Value): number {
  const comparable =
    (typeof a === 'string' && typeof b === 'string') ||
    (typeof a === 'number' && typeof b === 'number') ||
    (typeof a === 'boolean' && typeof b === 'boolean' && (name === 'eq' || name === 'ne'));
  if (!comparable) throw new Error(`error calling ${name}: incompatible types for comparison`);
  return a === b ? 0 : (a as string | number) < (b as string | number) ? -1 : 1;
}

const HtmlEscapes: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  "'": '&#39;',
  '"': '&#34;',
};

/** Go's `JSEscapeString`: quotes, backslash, `<>&=` and control characters; printable text as it is. */
function jsEscape(text: string): string {
  // control characters (\p{Cc}) below 0x80 and anything above it are decided one by one
  return text.replace(/[\\'"<>&=]|\p{Cc}|[^\p{ASCII}]/gu, (c) => {
    if (c === '\\' || c === "'" || c === '"') return `\\${c}`;
    const code = c.codePointAt(0)!;
    // Go's unicode.IsPrint: letters, marks, numbers, punctuation and symbols; no other space than ' '
    if (code === 0x7f || (code > 0x7f && /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c))) return c;
    return `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/** Go's `url.QueryEscape`: letters, digits and `-_.~` as they are, space as `+`, the rest %XX. */
function queryEscape(text: string): string {
  return [...Buffer.from(text)]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      return c === ' ' ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

export const Functions: Readonly<Record<string, TemplateFunction>> = {
  and: (args) => {
    arity('and', args, 1, Infinity);
    return args.find((a) => !truth(a)) ?? args.at(-1);
  },
  or: (args) => {
    arity('or', args, 1, Infinity);
    return args.find((a) => truth(a)) ?? args.at(-1);
  },
  not: (args) => {
    arity('not', args, 1);
    return !truth(args[0]);
  },
  len: (args) => {
    arity('len', args, 1);
    const [item] = args;
    if (typeof item === 'string') return Buffer.byteLength(item);
    if (isVars(item)) return item.size;
    throw new Error(`error calling len: len of type ${typeName(item)}`);
  },
  index: (args) => {
    arity('index', args, 1, Infinity);
    let item = args[0];
    for (const key of args.slice(1)) {
      if (isVars(item) && typeof key === 'string') item = item.get(key) ?? '';
      else if (typeof item === 'string' && typeof key === 'number' && Number.isInteger(key)) {
        const bytes = Buffer.from(item);
        if (key < 0 || key >= bytes.length)
          throw new Error(`error calling index: index out of range: ${key}`);
        item = bytes[key]!;
      } else {
        throw new Error(`error calling index: cannot index ${typeName(item)} with ${typeName(key)}`);
      }
    }
    return item;
  },
  slice: (args) => {
    arity('slice', args, 1, 3);
    const [item, ...bounds] = args;
    if (typeof item !== 'string')
      throw new Error(`error calling slice: can't slice item of type ${typeName(item)}`);
    const bytes = Buffer.from(item);
    if (bounds.some((b) => typeof b !== 'number' || !Number.isInteger(b))) {
      throw new Error(
        `error calling slice: cannot index slice/array with type ${typeName(bounds.find((b) => typeof b !== 'number' || !Number.isInteger(b)))}`,
      );
    }
    const [from = 0, to = bytes.length] = bounds as number[];
    if (!(from >= 0 && from <= to && to <= bytes.length)) {
      throw new Error(`error calling slice: index out of range: ${from}:${to}`);
    }
    return bytes.subarray(from, to).toString();
  },
  print: (args) => sprint(args),
  println: (args) => sprintln(args),
  printf: (args) => {
    arity('printf', args, 1, Infinity);
    const [format, ...rest] = args;
    if (typeof format !== 'string')
      throw new Error(`error calling printf: format is ${typeName(format)}, not a string`);
    return sprintf(format, rest);
  },
  eq: (args) => {
    arity('eq', args, 2, Infinity);
    const [first, ...others] = args;
    return others.some((other) => compare('eq', first, other) === 0);
  },
  ne: (args) => (arity('ne', args, 2), compare('ne', args[0], args[1]) !== 0),
  lt: (args) => (arity('lt', args, 2), compare('lt', args[0], args[1]) < 0),
  le: (args) => (arity('le', args, 2), compare('le', args[0], args[1]) <= 0),
  gt: (args) => (arity('gt', args, 2), compare('gt', args[0], args[1]) > 0),
  ge: (args) => (arity('ge', args, 2), compare('ge', args[0], args[1]) >= 0),
  html: (args) => sprint(args).replace(/[<>&'"]/gu, (c) => HtmlEscapes[c] ?? c),
  js: (args) => jsEscape(sprint(args)),
  urlquery: (args) => queryEscape(sprint(args)),
};
