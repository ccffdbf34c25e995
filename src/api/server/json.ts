/**
 * JSON as Go's echo writes it: `json.Encoder` output (a trailing newline; `<`, `>`, `&`, U+2028 and U+2029
 * escaped inside strings unless the route asked for unescaped JSON, as the results route does), indented
 * by two spaces when the query has `pretty`. Content-Type `application/json`.
 */
import { encodeStruct, type StructSchema } from '../../models/codec.js';

export interface JsonOptions {
  /** Go's `SetEscapeHTML(false)` (`publicapi.UnescapedJSON`). */
  unescaped?: boolean;
  pretty?: boolean;
}

const htmlEscapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Serialises `value` (already in wire form) like Go's `json.Encoder`. */
export function goJson(value: unknown, options: JsonOptions = {}): string {
  let text = JSON.stringify(value, null, options.pretty === true ? 2 : undefined) ?? 'null';
  // Inside JSON text these characters can only occur in strings, so a global replacement is exact.
  if (options.unescaped !== true) text = text.replace(/[<>&\u2028\u2029]/g, (c) => htmlEscapes[c] ?? c);
  return `${text}\n`;
}

/** A response body encoded through its wire schema (field order, omitempty). */
export function wire(value: object, schema: () => StructSchema): Record<string, unknown> {
  return encodeStruct(value as Record<string, unknown>, schema());
}
