/**
 * Request bodies: JSON read by one lenient content-type parser (any media type, an empty body is no body),
 * then decoded through the models codec with Go's rules: keys match case-insensitively, unknown keys are
 * ignored, a value of the wrong JSON type is a 400 naming the field. JSON `null` or no body at all leaves
 * every field at its zero value, as Go's binder does.
 */
import { decodeStruct, findField, isPlainObject, jsonTypeOf, type StructSchema } from '../../models/codec.js';
import { requestError } from './errors.js';

/** The one key that reaches an object's prototype when code copies the body with `obj[key] = value`. */
const protoKey = '__proto__';

/**
 * Parses a request body. Empty or blank → undefined. `__proto__` keys are dropped.
 * @throws a 400 (`invalid JSON body: …`) for text that is not JSON.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text, (key, value: unknown) => (key === protoKey ? undefined : value));
  } catch (err) {
    // the reviver recurses per level: it runs out of stack between 2,000 and 3,000 levels
    if (err instanceof RangeError) throw requestError('invalid JSON body: nested too deeply');
    throw requestError(`invalid JSON body: ${(err as Error).message}`);
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
