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

/** A list answer (apimodels' `listSchema`): a paging token, then the items. */
export interface ListBody {
  NextToken: string;
  Items: readonly object[];
}

/** The longest a list answer's encoding holds the event loop at a time. */
export const ListSliceMs = 10;

/**
 * `goJson(wire(body, schema))`, byte for byte, for a list answer that may be long, encoded a slice of
 * items per turn of the event loop: Bacalhau lists every job when a request sets no limit, and
 * encoding 50,000 at once (33 MB) held the loop for ~500 ms. The answer without its items is encoded
 * as usual, and the items, each through `item`, go where its empty `Items` is.
 */
export async function goJsonList(
  body: ListBody,
  schema: () => StructSchema,
  item: () => StructSchema,
  options: JsonOptions & { sliceMs?: number } = {},
): Promise<string> {
  const envelope = goJson(wire({ ...body, Items: [] }, schema), options);
  if (body.Items.length === 0) return envelope;
  const pretty = options.pretty === true;
  // the last field of a list answer, at the first level of indentation when pretty
  const emptyItems = pretty ? '"Items": []' : '"Items":[]';
  const at = envelope.lastIndexOf(emptyItems);
  if (at < 0) throw new Error(`not a list answer: ${schema().name} has no Items`);
  const itemSchema = item();
  const encoded: string[] = [];
  const sliceMs = options.sliceMs ?? ListSliceMs;
  let sliceEnds = performance.now() + sliceMs;
  for (const value of body.Items) {
    const text = goMarshal(encodeStruct(value as Record<string, unknown>, itemSchema), {
      pretty,
      escapeHTML: options.unescaped !== true,
    });
    // an item sits two levels deep (answer, Items); only indentation has raw newlines in JSON
    encoded.push(pretty ? text.replaceAll('\n', '\n    ') : text);
    if (performance.now() < sliceEnds) continue;
    await new Promise((resolve) => setImmediate(resolve));
    sliceEnds = performance.now() + sliceMs;
  }
  const items = pretty ? `[\n    ${encoded.join(',\n    ')}\n  ]` : `[${encoded.join(',')}]`;
  return `${envelope.slice(0, at + emptyItems.length - 2)}${items}${envelope.slice(at + emptyItems.length)}`;
}
