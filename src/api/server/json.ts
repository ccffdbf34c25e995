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

/**
 * A list answer: its schema's last field is the list of items (`Items` of apimodels' `listSchema`,
 * `Nodes` of `ListNodesResponse`), after the paging token.
 */
export type ListBody = Readonly<Record<string, unknown>>;

/** The longest one part of a list answer's encoding takes. */
export const ListSliceMs = 10;

/** One part of a list answer's text; `last` says that none follows. */
export interface JsonPart {
  text: string;
  last: boolean;
}

/**
 * `goJson(wire(body, schema))` in parts, for a list answer that may be long: each step of the generator
 * encodes items for at most `sliceMs` and yields that part of the text, the whole being the answer
 * byte for byte. Bacalhau lists every job when a request sets no limit: encoding 50,000 at once
 * (33 MB) held the event loop for ~500 ms, and the text was copied twice more to be sent. The answer
 * without its items is encoded as usual, and the items, each through `item`, go where its empty list
 * is. A short answer is one part.
 */
export function* goJsonListParts(
  body: ListBody,
  schema: () => StructSchema,
  item: () => StructSchema,
  options: JsonOptions & { sliceMs?: number } = {},
): Generator<JsonPart, void> {
  const field = schema().fields.at(-1)?.name ?? '';
  const items: unknown = body[field];
  if (!Array.isArray(items)) throw new Error(`not a list answer: ${schema().name}.${field} is no list`);
  const envelope = goJson(wire({ ...body, [field]: [] }, schema), options);
  if (items.length === 0) {
    yield { text: envelope, last: true };
    return;
  }
  const pretty = options.pretty === true;
  // the last field, at the first level of indentation when pretty
  const emptyItems = pretty ? `"${field}": []` : `"${field}":[]`;
  const at = envelope.lastIndexOf(emptyItems);
  if (at < 0) throw new Error(`not a list answer: ${schema().name} leaves out an empty ${field}`);
  const itemSchema = item();
  const sliceMs = options.sliceMs ?? ListSliceMs;
  // an item sits two levels deep (answer, list) when pretty
  const [open, separator, close] = pretty ? ['[\n    ', ',\n    ', '\n  ]'] : ['[', ',', ']'];
  let part: string[] = [envelope.slice(0, at + emptyItems.length - 2), open];
  let sliceEnds = performance.now() + sliceMs;
  for (const [i, value] of items.entries()) {
    const text = goMarshal(encodeStruct(value as Record<string, unknown>, itemSchema), {
      pretty,
      escapeHTML: options.unescaped !== true,
    });
    if (i > 0) part.push(separator);
    // only indentation has raw newlines in JSON
    part.push(pretty ? text.replaceAll('\n', '\n    ') : text);
    if (performance.now() < sliceEnds || i === items.length - 1) continue;
    yield { text: part.join(''), last: false };
    part = [];
    sliceEnds = performance.now() + sliceMs;
  }
  part.push(close, envelope.slice(at + emptyItems.length));
  yield { text: part.join(''), last: true };
}
