/**
 * The parameters of a Content-Disposition header read as Go's `mime.ParseMediaType` reads them, since
 * that decides the name Go's urldownload gives a file, which jobs then open by name: a header it cannot
 * parse gives no parameters at all (not the readable part of it), RFC 2231 values are decoded from
 * US-ASCII and UTF-8 only, and `key*0`, `key*1`, … continuations are joined.
 */

/** Go's tspecials (RFC 2045), which end a token and may be backslash-escaped in a quoted string. */
const TSpecials = new Set('()<>@,;:\\"/[]?=');

/** ASCII from `!` to `~`, not a tspecial (Go's `isTokenChar`). */
function isTokenChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return code > 0x20 && code < 0x7f && !TSpecials.has(char);
}

/** The leading token of `text` and what follows it. */
function consumeToken(text: string): [token: string, rest: string] {
  let end = 0;
  while (end < text.length && isTokenChar(text[end] as string)) end++;
  return [text.slice(0, end), text.slice(end)];
}

/** A token or quoted string; undefined when `text` starts with neither. */
function consumeValue(text: string): [value: string, rest: string] | undefined {
  if (!text.startsWith('"')) {
    const [token, rest] = consumeToken(text);
    return token === '' ? undefined : [token, rest];
  }
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '"') return [value, text.slice(i + 1)];
    // only tspecials are escaped: other backslashes are literal, as MSIE sends Windows paths
    const next = text[i + 1];
    if (char === '\\' && next !== undefined && TSpecials.has(next)) {
      value += next;
      i++;
    } else if (char === '\r' || char === '\n') return undefined;
    else value += char;
  }
  return undefined; // no closing quote
}

/** `; key=value` at the start of `text` (after spaces), with the key lower-cased. */
function consumeParam(text: string): [key: string, value: string, rest: string] | undefined {
  let rest = text.trimStart();
  if (!rest.startsWith(';')) return undefined;
  const [key, afterKey] = consumeToken(rest.slice(1).trimStart());
  rest = afterKey.trimStart();
  if (key === '' || !rest.startsWith('=')) return undefined;
  const value = consumeValue(rest.slice(1).trimStart());
  return value === undefined ? undefined : [key.toLowerCase(), ...value];
}

/** Go's `checkMediaTypeDisposition`: a token, or `type/subtype`. */
function validDisposition(text: string): boolean {
  const [type, rest] = consumeToken(text);
  if (type === '' || rest === '') return type !== '';
  if (!rest.startsWith('/')) return false;
  const [subtype, end] = consumeToken(rest.slice(1));
  return subtype !== '' && end === '';
}

/**
 * The header's parameters, keys lower-cased, RFC 2231 ones decoded under their plain name; undefined
 * where Go's `mime.ParseMediaType` fails (a parameter given twice with two values included).
 */
export function mediaParams(header: string): Map<string, string> | undefined {
  const semicolon = header.indexOf(';');
  const base = semicolon < 0 ? header : header.slice(0, semicolon);
  if (!validDisposition(base.trim().toLowerCase())) return undefined;
  const params = new Map<string, string>();
  // base name -> the starred keys given for it (`filename*`, `filename*0`, …)
  const starred = new Map<string, Map<string, string>>();
  let rest = header.slice(base.length);
  while (rest.trimStart() !== '') {
    const param = consumeParam(rest);
    if (param === undefined) {
      if (rest.trim() === ';') break; // a trailing semicolon is not an error
      return undefined;
    }
    const [key, value, after] = param;
    const star = key.indexOf('*');
    let map = params;
    if (star >= 0) {
      const name = key.slice(0, star);
      map = starred.get(name) ?? new Map<string, string>();
      starred.set(name, map);
    }
    const earlier = map.get(key);
    if (earlier !== undefined && earlier !== value) return undefined;
    map.set(key, value);
    rest = after;
  }
  for (const [name, pieces] of starred) {
    const joined = joinPieces(name, pieces);
    if (joined !== undefined) params.set(name, joined);
  }
  return params;
}

/** `name*` decoded, or `name*0`, `name*1`, … (each maybe `*`-encoded) joined; undefined if none is usable. */
function joinPieces(name: string, pieces: Map<string, string>): string | undefined {
  const single = pieces.get(`${name}*`);
  if (single !== undefined) return decode2231(single);
  let joined: string | undefined;
  for (let n = 0; ; n++) {
    const plain = pieces.get(`${name}*${n}`);
    const encoded = pieces.get(`${name}*${n}*`);
    if (plain === undefined && encoded === undefined) return joined;
    // only the first piece names a charset; an undecodable piece adds nothing, as in Go
    const text = plain ?? (n === 0 ? decode2231(encoded as string) : percentDecode(encoded as string));
    joined = (joined ?? '') + (text ?? '');
  }
}

/** RFC 2231 `charset'language'percent-encoded`, for the charsets Go decodes. */
function decode2231(value: string): string | undefined {
  const parts = value.split("'");
  if (parts.length < 3) return undefined;
  const charset = (parts[0] as string).toLowerCase();
  if (charset !== 'us-ascii' && charset !== 'utf-8') return undefined;
  return percentDecode(parts.slice(2).join("'"));
}

/**
 * `%XX` escapes as bytes, the whole read as UTF-8; undefined for a malformed escape. Go keeps the
 * bytes as they are: bytes that are not UTF-8 become U+FFFD here, where Go writes them raw.
 */
function percentDecode(text: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return undefined;
  const bytes = text
    .split(/(%[0-9A-Fa-f]{2})/)
    .map((part) => (part.startsWith('%') ? Buffer.from([parseInt(part.slice(1), 16)]) : Buffer.from(part)));
  return Buffer.concat(bytes).toString('utf8');
}
