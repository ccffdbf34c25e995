/**
 * The lexer of Go's `text/template`, for the subset bacalhau-ts runs (see index.ts): a template is
 * text and `{{ actions }}`; `{{-` and `-}}` trim the white space next to them; `{{/* … *\/}}` is a
 * comment. Inside an action: fields (`.a.b`), dot, variables (`$`, `$x.a`), strings ("…" with Go's
 * escapes, `raw`), numbers, identifiers (functions, keywords, true/false/nil), `|`, `(`, `)`, `:=`,
 * `=` and `,`.
 */
import { TemplateError } from './errors.js';

export type Token =
  | { kind: 'field'; names: string[]; pos: number }
  | { kind: 'dot'; pos: number }
  | { kind: 'var'; name: string; names: string[]; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'punct'; value: '|' | '(' | ')' | ':=' | '=' | ','; pos: number };

export type Item = { kind: 'text'; text: string } | { kind: 'action'; tokens: Token[]; pos: number };

const Space = /[ \t\r\n]/;
const IdentStart = /[A-Za-z_]/;
const IdentChar = /[A-Za-z0-9_]/;

export function lex(source: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = source.indexOf('{{', pos);
    let text = source.slice(pos, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    const trimBefore = open >= 0 && source[open + 2] === '-' && Space.test(source[open + 3] ?? '');
    if (trimBefore) text = text.replace(/[ \t\r\n]+$/, '');
    if (text !== '') items.push({ kind: 'text', text });
    if (open < 0) return items;
    const start = open + (trimBefore ? 3 : 2);
    const { tokens, end, trimAfter } = lexAction(source, start, open);
    if (tokens !== undefined) items.push({ kind: 'action', tokens, pos: open });
    trimNext = trimAfter;
    pos = end;
  }
}

/** One action from `start` (after `{{` or `{{-`); undefined tokens for a comment. */
function lexAction(
  source: string,
  start: number,
  open: number,
): { tokens: Token[] | undefined; end: number; trimAfter: boolean } {
  const tokens: Token[] = [];
  let i = start;
  const closeAt = (at: number): { end: number; trimAfter: boolean } | undefined => {
    if (source.startsWith('}}', at)) return { end: at + 2, trimAfter: false };
    if (source[at] === '-' && Space.test(source[at - 1] ?? '') && source.startsWith('}}', at + 1)) {
      return { end: at + 3, trimAfter: true };
    }
    return undefined;
  };
  while (Space.test(source[i] ?? '')) i++;
  if (source.startsWith('/*', i)) {
    const endComment = source.indexOf('*/', i + 2);
    if (endComment < 0) throw TemplateError.parse(source, open, 'unclosed comment');
    let j = endComment + 2;
    while (Space.test(source[j] ?? '')) j++;
    const closed = closeAt(j);
    if (closed === undefined)
      throw TemplateError.parse(source, open, 'comment ends before closing delimiter');
    return { tokens: undefined, ...closed };
  }
  for (;;) {
    const c = source[i];
    if (c === undefined) throw TemplateError.parse(source, open, 'unclosed action');
    const closed = closeAt(i);
    if (closed !== undefined) return { tokens, ...closed };
    if (Space.test(c)) {
      i++;
    } else if (c === '.' && !/[0-9]/.test(source[i + 1] ?? '')) {
      const [names, next] = fieldChain(source, i);
      tokens.push(names.length === 0 ? { kind: 'dot', pos: i } : { kind: 'field', names, pos: i });
      i = next;
    } else if (c === '$') {
      let j = i + 1;
      while (IdentChar.test(source[j] ?? '')) j++;
      const [names, next] = fieldChain(source, j);
      tokens.push({ kind: 'var', name: source.slice(i, j), names, pos: i });
      i = next;
    } else if (c === '"' || c === '`') {
      const [value, next] = stringLiteral(source, i, open);
      tokens.push({ kind: 'string', value, pos: i });
      i = next;
    } else if (
      /[0-9]/.test(c) ||
      ((c === '-' || c === '+' || c === '.') && /[0-9]/.test(source[i + 1] ?? ''))
    ) {
      const match = /^[+-]?(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?)/.exec(source.slice(i));
      const text = match?.[0] ?? c;
      const value = Number(text.replaceAll('_', ''));
      if (Number.isNaN(value)) throw TemplateError.parse(source, i, `bad number syntax: "${text}"`);
      tokens.push({ kind: 'number', value, pos: i });
      i += text.length;
    } else if (IdentStart.test(c)) {
      let j = i + 1;
      while (IdentChar.test(source[j] ?? '')) j++;
      tokens.push({ kind: 'ident', name: source.slice(i, j), pos: i });
      i = j;
    } else if (source.startsWith(':=', i)) {
      tokens.push({ kind: 'punct', value: ':=', pos: i });
      i += 2;
    } else if (c === '|' || c === '(' || c === ')' || c === '=' || c === ',') {
      tokens.push({ kind: 'punct', value: c, pos: i });
      i++;
    } else {
      throw TemplateError.parse(source, i, `unexpected ${JSON.stringify(c)} in command`);
    }
  }
}

/** `.a.b` from `at` (a `.`): the names, and where the chain ends. */
function fieldChain(source: string, at: number): [string[], number] {
  const names: string[] = [];
  let i = at;
  while (source[i] === '.' && IdentStart.test(source[i + 1] ?? '')) {
    let j = i + 2;
    while (IdentChar.test(source[j] ?? '')) j++;
    names.push(source.slice(i + 1, j));
    i = j;
  }
  if (names.length === 0 && source[i] === '.') i++; // a lone dot
  return [names, i];
}

const Escapes: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

function stringLiteral(source: string, at: number, open: number): [string, number] {
  const quote = source[at];
  if (quote === '`') {
    const end = source.indexOf('`', at + 1);
    if (end < 0) throw TemplateError.parse(source, open, 'unterminated raw quoted string');
    return [source.slice(at + 1, end), end + 1];
  }
  let value = '';
  for (let i = at + 1; i < source.length; i++) {
    const c = source[i] ?? '';
    if (c === '"') return [value, i + 1];
    if (c === '\n') break;
    if (c !== '\\') {
      value += c;
      continue;
    }
    const e = source[++i] ?? '';
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hex > 0) {
      value += String.fromCodePoint(Number.parseInt(source.slice(i + 1, i + 1 + hex), 16));
      i += hex;
    } else if (Escapes[e] !== undefined) {
      value += Escapes[e];
    } else {
      throw TemplateError.parse(source, i, `invalid syntax: unknown escape sequence \\${e}`);
    }
  }
  throw TemplateError.parse(source, open, 'unterminated quoted string');
}
