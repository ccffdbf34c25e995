/**
 * Query parameters: declared per route as TypeBox schemas (which also document them in the OpenAPI
 * document), read the way Go's echo binder reads them, and checked with messages that name the parameter.
 *
 * Echo's rules kept: only the first value of a repeated parameter counts (except list parameters such as
 * `labels`); an empty value is the zero value; integers are decimal digits (`strconv.ParseUint`); booleans
 * are `strconv.ParseBool`'s spellings; unknown parameters are ignored.
 * Deliberate difference: a value that does not parse, or is outside the parameter's range or choices, is a
 * 400 naming the parameter (echo's message quotes only strconv's text; some choices Go does not check at all).
 */
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { requestError } from './errors.js';

/** A string parameter restricted to `values` (documented as an enum). */
export function StringEnum<const T extends readonly string[]>(values: T, description: string) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });
}
export const UInt32 = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, description });
export const UInt64 = (description: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

/** Parameters every request accepts (`BaseRequest`). */
export const namespaceParam = () =>
  Type.Optional(
    Type.String({ description: "Namespace of the job ('' = default; '*' lists every namespace)" }),
  );
export const prettyParam = () =>
  Type.Optional(Type.String({ description: 'Present (any value): indent the JSON response' }));

/** `BaseListRequest`. */
export const listParams = () => ({
  namespace: namespaceParam(),
  limit: Type.Optional(UInt32('Page size; 0 = no limit')),
  next_token: Type.Optional(Type.String({ description: 'The NextToken of the previous page' })),
  reverse: Type.Optional(Type.Boolean({ description: 'Reverse the order' })),
});

/** `BaseVersionedListRequest`. */
export const versionedParams = () => ({
  job_version: Type.Optional(UInt64('Only this job version; 0 = the latest')),
  all_job_versions: Type.Optional(Type.Boolean({ description: 'Every job version' })),
});

type RawQuery = Record<string, string | string[] | undefined>;

interface SchemaLike {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
}

const trueValues = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const falseValues = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Reads `raw` (Fastify's parsed query string) against `schema`; throws a 400 naming the first bad parameter. */
export function parseQuery<T extends TObject>(schema: T, raw: unknown): Static<T> {
  const query = (typeof raw === 'object' && raw !== null ? raw : {}) as RawQuery;
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const given = Object.hasOwn(query, name) ? query[name] : anyCase(query, name);
    if (given === undefined) continue;
    const values = Array.isArray(given) ? given : [given];
    const spec = prop as SchemaLike & { items?: SchemaLike };
    if (spec.type === 'array') {
      out[name] = values;
      continue;
    }
    const first = values[0] ?? '';
    if (first === '') continue;
    out[name] = convert(name, first, spec);
  }
  return out;
}

/**
 * A parameter given in another case (`Limit` for `limit`), which echo's binder also accepts when the
 * exact name is absent; the first such, where echo takes any.
 */
function anyCase(query: RawQuery, name: string): RawQuery[string] | undefined {
  const lower = name.toLowerCase();
  const key = Object.keys(query).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : query[key];
}

function convert(name: string, text: string, spec: SchemaLike): unknown {
  if (spec.type === 'integer') {
    if (!/^[+-]?[0-9]+$/.test(text)) throw invalid(name, text, 'an integer');
    const value = Number(text);
    if (spec.minimum !== undefined && value < spec.minimum)
      throw invalid(name, text, `an integer >= ${spec.minimum}`);
    if (spec.maximum !== undefined && value > spec.maximum)
      throw invalid(name, text, `an integer <= ${spec.maximum}`);
    return value;
  }
  if (spec.type === 'boolean') {
    if (trueValues.has(text)) return true;
    if (falseValues.has(text)) return false;
    throw invalid(name, text, 'a boolean (true or false)');
  }
  return spec.enum === undefined ? text : choice(name, text, spec.enum);
}

/** `text` when it is one of `values`; else the 400 naming the parameter and its choices. */
export function choice<const T extends readonly unknown[]>(name: string, text: string, values: T): T[number] {
  if (values.includes(text)) return text;
  const choices = values.filter((v) => v !== '').map((v) => JSON.stringify(v));
  throw invalid(name, text, `one of ${choices.join(', ')}`);
}

function invalid(name: string, text: string, expected: string): Error {
  return requestError(`invalid query parameter '${name}': ${JSON.stringify(text)} is not ${expected}`, {
    details: { parameter: name },
  });
}
