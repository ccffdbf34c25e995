/**
 * Finds a JSON array or object with too many entries by reading the text, before `JSON.parse` builds
 * it. V8 keeps an object of hundreds of thousands of keys in dictionary mode, where parsing it and
 * every later walk of its keys (`Object.values`, `Object.entries`) take ~0.4 s each for 300,000 of
 * them; a scan of the text takes a tenth of one.
 */

/**
 * A collection of the text with more entries than allowed (a key written twice counts twice, as the
 * text holds it), or, with `kind: 'nesting'`, one nested deeper than allowed.
 */
export type OversizedJsonCollection =
  | {
      /** Where it is: `a.b[2].c`, or `''` for the whole text. Keys are as written, escapes decoded. */
      path: string;
      kind: 'array' | 'object';
      entries: number;
    }
  | { kind: 'nesting' };

interface Frame {
  kind: 'array' | 'object';
  commas: number;
  empty: boolean;
  /** In an object: whether the next string is a key. */
  expectKey: boolean;
  /** In an object: where the current key's string starts and ends (quotes included). */
  keyStart: number;
  keyEnd: number;
}

const Quote = 0x22;
const Backslash = 0x5c;
const Comma = 0x2c;
const OpenBrace = 0x7b;
const CloseBrace = 0x7d;
const OpenBracket = 0x5b;
const CloseBracket = 0x5d;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The first collection (in the order they close) of `text` with more than `limit` entries, or the
 * first opened deeper than `maxDepth` (the scan keeps a frame per level, so depth is bounded here
 * too), or undefined. Of text that is not JSON it may find anything or nothing: the parse that
 * follows reports it.
 */
export function findOversizedJsonCollection(
  text: string,
  limit: number,
  maxDepth: number,
): OversizedJsonCollection | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isWhitespace(c)) continue;
    const top = stack.at(-1);
    if (c === CloseBrace || c === CloseBracket) {
      if (top === undefined) return undefined;
      stack.pop();
      const entries = top.empty ? 0 : top.commas + 1;
      if (entries > limit) return { path: pathOf(text, stack), kind: top.kind, entries };
      continue;
    }
    if (top !== undefined) top.empty = false;
    if (c === Quote) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      if (top?.expectKey === true) {
        top.keyStart = i;
        top.keyEnd = end + 1;
        top.expectKey = false;
      }
      i = end;
    } else if (c === Comma) {
      if (top === undefined) return undefined;
      top.commas++;
      top.expectKey = top.kind === 'object';
    } else if (c === OpenBrace || c === OpenBracket) {
      if (stack.length >= maxDepth) return { kind: 'nesting' };
      const kind = c === OpenBrace ? 'object' : 'array';
      stack.push({ kind, commas: 0, empty: true, expectKey: kind === 'object', keyStart: 0, keyEnd: 0 });
    }
  }
  return undefined;
}

/** The index of the quote that closes the string opening at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  for (let quote = text.indexOf('"', start + 1); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === Backslash) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

function pathOf(text: string, ancestors: readonly Frame[]): string {
  let path = '';
  for (const frame of ancestors) {
    if (frame.kind === 'array') path += `[${frame.commas}]`;
    else path += `${path === '' ? '' : '.'}${keyOf(text, frame)}`;
  }
  return path;
}

function keyOf(text: string, frame: Frame): string {
  const raw = text.slice(frame.keyStart, frame.keyEnd);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw;
  }
}
