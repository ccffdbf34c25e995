/**
 * Go string and number semantics shared by the model files (resources, network, selector). They
 * reproduce Go library behaviour that message texts and parsing depend on.
 */
// ---------------------------------------------------------------------------------------------------

/**
 * Go `strings.ToLower`: per code point simple lower-casing. Differs from `String.toLowerCase` in two
 * places: `İ` (U+0130) becomes `i` (JS gives `i̇`), and a final `Σ` becomes `σ` (JS gives `ς`).
 */
export function goToLower(s: string): string {
  if (!/[^\p{ASCII}]/u.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return out;
}

const goSpace = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const goTrimRe = new RegExp(`^[${goSpace}]+|[${goSpace}]+$`, 'g');

/**
 * Go `strings.TrimSpace` (Unicode `White_Space`): unlike `String.trim` it removes U+0085 and keeps
 * U+FEFF.
 */
export function goTrimSpace(s: string): string {
  return s.replace(goTrimRe, '');
}

/** Go's `s1 < s2` / `strings.Compare`: byte-wise UTF-8 order, i.e. code point order (not UTF-16 order). */
export function goCompareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    // A surrogate starts a code point above U+FFFF, which sorts after every BMP code point.
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * The first malformed percent-escape in `s` (`%`, `%Z`, `%zz`), as Go's `url.Parse` refuses it in every
 * part of a URL but the query; undefined when there is none.
 */
export function goInvalidUrlEscape(s: string): string | undefined {
  return /%(?![0-9A-Fa-f]{2}).{0,2}/.exec(s)?.[0];
}

/** Go's `strconv.Quote` (what `%q` prints for a string). Lone surrogates print as U+FFFD. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else if (ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (goEscapes[ch] !== undefined) out += goEscapes[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

const goEscapes: Readonly<Record<string, string>> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/**
 * Go's `fmt` `%.<prec>f`: fixed notation, exact decimal value rounded half to even (JS `toFixed`
 * rounds exact ties away from zero), no exponent for large values, `-` kept on negative zero,
 * `NaN`/`+Inf`/`-Inf`.
 */
export function goFormatFixed(x: number, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const negative = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e21) {
    s = BigInt(a).toString() + (prec > 0 ? `.${'0'.repeat(prec)}` : '');
  } else {
    s = a.toFixed(prec);
    // A tie is a value whose exact decimal expansion stops at digit prec+1 with a 5; such a value is a
    // multiple of 2^-(prec+1), and toFixed(prec+1) shows it exactly.
    if (prec < 100 && Number.isInteger(a * 2 ** (prec + 1))) {
      const longer = a.toFixed(prec + 1);
      if (longer.endsWith('5')) {
        const towardZero = prec === 0 ? longer.slice(0, -2) : longer.slice(0, -1);
        if (Number(s.at(-1)) % 2 === 1) s = towardZero;
      }
    }
  }
  return negative ? `-${s}` : s;
}

/** Go's `%d` for an integral number (no exponent notation for large values). */
export function goFormatInt(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  if (Number.isFinite(n)) return BigInt(Math.trunc(n)).toString();
  return String(n);
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Go's `strconv.ParseInt(s, 10, 64)` (and `strconv.Atoi` on 64-bit): optional `+`/`-`, ASCII digits,
 * int64 range. Returns undefined where Go returns an error.
 */
export function goParseInt(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * Go's `strconv.ParseFloat(s, 64)`. `error` is set where Go returns one: `syntax` for malformed input,
 * `range` when the value overflows (then `value` is ±Infinity, as in Go). Accepts what Go accepts:
 * optional sign; decimal mantissa with at most one `.` and an optional `e` exponent; hexadecimal
 * mantissa (`0x`) with a mandatory `p` exponent; `_` only between digits (or after `0x`); and,
 * case-insensitively, `inf`, `infinity` (optionally signed) and `nan` (unsigned), which are not errors.
 */
export function goParseFloat(s: string): { value: number; error?: 'syntax' | 'range' } {
  const special = /^([+-]?)(inf|infinity)$/i.exec(s);
  if (special !== null) return { value: special[1] === '-' ? -Infinity : Infinity };
  if (/^nan$/i.test(s)) return { value: NaN };
  const syntax = { value: 0, error: 'syntax' } as const;
  if (s.includes('_') && !goUnderscoreOK(s)) return syntax;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?\d[\d_]*)$/.exec(s);
  let value: number;
  if (hex !== null) {
    const intPart = (hex[2] ?? '').replaceAll('_', '');
    const fracPart = (hex[3] ?? '').replaceAll('_', '');
    if (intPart === '' && fracPart === '') return syntax;
    const exponent = Number((hex[4] ?? '').replaceAll('_', '')) - 4 * fracPart.length;
    value = hexToNumber(BigInt(`0x${intPart}${fracPart}`), exponent);
    if (hex[1] === '-') value = -value;
  } else {
    const dec = /^[+-]?([\d_]*)(?:\.([\d_]*))?(?:[eE][+-]?\d[\d_]*)?$/.exec(s);
    if (dec === null || !/\d/.test(`${dec[1] ?? ''}${dec[2] ?? ''}`)) return syntax;
    value = Number(s.replaceAll('_', ''));
  }
  return Number.isFinite(value) ? { value } : { value, error: 'range' };
}

/** mantissa × 2^exponent, rounded once to a double (except in the subnormal range). */
function hexToNumber(mantissa: bigint, exponent: number): number {
  const bits = mantissa.toString(2).length;
  if (bits > 64) {
    // Keep 64 bits plus a sticky bit so that the conversion below still rounds correctly.
    const shift = BigInt(bits - 64);
    const sticky = (mantissa & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
    mantissa = (mantissa >> shift) | sticky;
    exponent += bits - 64;
  }
  let value = Number(mantissa);
  while (exponent > 0 && Number.isFinite(value) && value !== 0) {
    const step = Math.min(exponent, 1000);
    value *= 2 ** step;
    exponent -= step;
  }
  while (exponent < 0 && value !== 0) {
    const step = Math.min(-exponent, 1000);
    value /= 2 ** step;
    exponent += step;
  }
  return value;
}

/** Go's `underscoreOK`: every `_` sits between digits, or between a base prefix and a digit. */
function goUnderscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.startsWith('+') || s.startsWith('-')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1] ?? '')) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/**
 * JSON text as Go's `encoding/json` writes it (`json.Marshal`, or an Encoder with `SetIndent("", "  ")`
 * when `pretty`): like `JSON.stringify`, but `<`, `>`, `&`, U+2028 and U+2029 are escaped unless
 * `escapeHTML` is false (Go's `SetEscapeHTML(false)`). `value` must already be in wire form. Inside
 * JSON text those characters can only occur in strings, so replacing them everywhere is exact.
 */
export function goMarshal(value: unknown, options: { pretty?: boolean; escapeHTML?: boolean } = {}): string {
  const text = JSON.stringify(value, null, options.pretty === true ? 2 : undefined) ?? 'null';
  if (options.escapeHTML === false) return text;
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
