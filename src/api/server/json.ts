/**
 * JSON as Go's echo writes it: `json.Encoder` output (a trailing newline; `<`, `>`, `&`, U+2028 and U+2029
 * escaped inside strings unless the route asked for unescaped JSON, as the results route does), indented
 * by two spaces when the query has `pretty`. Content-Type `application/json`.
 */
import { encodeStruct, type StructSchema } from '../../models/codec.js';
import { goMarshal } from '../../models/go-compat.js';

export interface JsonOptions {
  /** Go's `SetEscapeHTML(false)` (`publicapi.UnescapedJSON`). */
  unescaped?: boolean;
  pretty?: boolean;
}

/** Serialises `value` (already in wire form) like Go's `json.Encoder`, with its trailing newline. */
export function goJson(value: unknown, options: JsonOptions = {}): string {
  return `${goMarshal(value, { pretty: options.pretty === true, escapeHTML: options.unescaped !== true })}\n`;
}

/** A response body encoded through its wire schema (field order, omitempty). */
export function wire(value: object, schema: () => StructSchema): Record<string, unknown> {
  return encodeStruct(value as Record<string, unknown>, schema());
}
