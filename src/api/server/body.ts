/**
 * Request bodies: JSON read by one lenient content-type parser (any media type, an empty body is no body),
 * then decoded through the models codec with Go's rules: keys match case-insensitively, unknown keys are
 * ignored, a value of the wrong JSON type is a 400 naming the field. JSON `null` or no body at all leaves
 * every field at its zero value, as Go's binder does.
 */
import { abbreviate } from '../../lib/abbreviate.js';
import { findOversizedJsonCollection } from '../../lib/json-collection-scan.js';
import { decodeStruct, findField, isPlainObject, jsonTypeOf, type StructSchema } from '../../models/codec.js';
import { MaxSpecCollectionEntries, OversizedCollectionHint } from '../../models/jobspec/collection-size.js';
import { requestError } from './errors.js';

/** The one key that reaches an object's prototype when code copies the body with `obj[key] = value`. */
const protoKey = '__proto__';

/**
 * How deep a body may nest. The decoders and encoders after the parse recurse, so depth is bounded
 * here: far beyond any request's shape (a job spec is a few levels deep), and below the ~2,000 levels
 * the stack took when a reviver bounded it.
 */
export const MaxBodyDepth = 1000;

const NestedTooDeeply = 'invalid JSON body: nested too deeply';

/**
 * Parses a request body. Empty or blank → undefined. `__proto__` keys are dropped.
 * @throws a 400 (`invalid JSON body: …`) for text that is not JSON, or nests deeper than
 *   {@link MaxBodyDepth}; a 400 naming a list or map of more entries than a job spec may hold
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  refuseOversizedCollections(text);
  let value: unknown;
  try {
    // No reviver: V8 calls one back for every value, which made a 10 MB body hold the event loop
    // (every other request, the node's heartbeats) for 2 s instead of 0.2 s.
    value = JSON.parse(text);
  } catch (err) {
    throw requestError(`invalid JSON body: ${(err as Error).message}`);
  }
  dropProtoKeys(value);
  return value;
}

/**
 * A list or map longer than a job spec's may be (the only body that holds any of length) is refused
 * before the parse: parsing one with hundreds of thousands of keys, and then walking it, held the node
 * for over a second; so is nesting deeper than {@link MaxBodyDepth} (10 MB of `[` took the parse
 * 1.3 s). Bodies too short to hold either at length are not scanned.
 */
function refuseOversizedCollections(text: string): void {
  // the shortest list of more than the limit: `[0,0,…]`
  if (text.length < 2 * MaxSpecCollectionEntries + 3) return;
  const found = findOversizedJsonCollection(text, MaxSpecCollectionEntries, MaxBodyDepth);
  if (found === undefined) return;
  if (found.kind === 'nesting') throw requestError(NestedTooDeeply);
  // the path is made of the client's own keys, which may be long: quoted in part
  throw requestError(
    `${found.path === '' ? 'the request body' : abbreviate(found.path)}: ${found.entries} ${found.kind === 'object' ? 'keys' : 'entries'}, ` +
      `more than the ${MaxSpecCollectionEntries} one list or map of a request body may hold`,
    { hint: OversizedCollectionHint },
  );
}

/** Deletes every `__proto__` key of `root`, walking it without recursion to bound its depth. */
function dropProtoKeys(root: unknown): void {
  const pending: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MaxBodyDepth) throw requestError(NestedTooDeeply);
    let children: readonly unknown[];
    // an array is walked by index: no copy of a long one's elements
    if (Array.isArray(value)) children = value;
    else {
      delete (value as Record<string, unknown>)[protoKey];
      children = Object.values(value);
    }
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: depth + 1 });
    }
  }
}

/**
 * Decodes a parsed body into `schema`'s fields.
 * @throws a 400 for a body that is not a JSON object, or whose fields have the wrong JSON types (every such
 *   field is named, one per line)
 */
export function decodeBody<T>(raw: unknown, schema: StructSchema): Partial<T> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) {
    throw requestError(
      `invalid request body: expected a JSON object (${schema.name}), got ${jsonTypeOf(raw)}`,
    );
  }
  const decoded = decodeStruct<T>(raw, schema);
  if (decoded.errors.length > 0) {
    throw requestError(decoded.errors.join('\n'), { details: { problems: String(decoded.errors.length) } });
  }
  // Fields the body did not have are left out, so callers can tell absent from zero.
  const present = new Set(Object.keys(raw).map((key) => findField(schema, key)?.name));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(decoded.value as Record<string, unknown>)) {
    if (present.has(key)) out[key] = value;
  }
  return out as Partial<T>;
}
