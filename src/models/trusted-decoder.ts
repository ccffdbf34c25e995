/**
 * A fast decoder for documents this program wrote itself with the codec's `encode` (the job store's
 * records): keys are spelled exactly as the schema's fields and every value has its field's type, so
 * there is nothing to report and no key to fold. It skips what the general decoder spends most of its
 * time on (case-insensitive key lookup, type checks, field paths for messages) and produces the same
 * value: scalar fields absent from the document get their zero value, null and absent containers stay
 * absent, custom kinds (enums) decode as usual. Anything else, a document from elsewhere above all,
 * goes through `decodeStruct`.
 */
import { scalarZero, type Kind, type StructSchema } from './codec.js';

type Decode = (raw: unknown) => unknown;

const compiled = new WeakMap<StructSchema, Decode>();

/** The decoder of `schema`'s documents, compiled once per schema. */
export function trustedDecoder<T>(schema: StructSchema): (raw: unknown) => T {
  return structDecoder(schema) as (raw: unknown) => T;
}

function structDecoder(schema: StructSchema): Decode {
  const existing = compiled.get(schema);
  if (existing !== undefined) return existing;
  // Field decoders are resolved on first use: schemas refer to each other (and to themselves).
  let fields: { name: string; decode: Decode; zero: unknown }[] | undefined;
  const decode: Decode = (raw) => {
    fields ??= schema.fields.map((f) => ({
      name: f.name,
      decode: kindDecoder(f.kind),
      zero: scalarZero(f.kind),
    }));
    const source = raw as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const value = source[field.name];
      const decoded = value === null || value === undefined ? undefined : field.decode(value);
      if (decoded !== undefined) out[field.name] = decoded;
      else if (field.zero !== undefined) out[field.name] = field.zero;
    }
    return out;
  };
  compiled.set(schema, decode);
  return decode;
}

const identity: Decode = (raw) => raw;

function kindDecoder(kind: Kind): Decode {
  switch (kind.kind) {
    case 'string':
    case 'int':
    case 'uint':
    case 'float':
    case 'bool':
    case 'any':
      return identity;
    case 'custom':
      return (raw) => kind.decode(raw);
    case 'struct': {
      let decode: Decode | undefined;
      return (raw) => (decode ??= structDecoder(kind.schema()))(raw);
    }
    case 'array': {
      const element = elementDecoder(kind.of);
      return (raw) => (raw as unknown[]).map(element);
    }
    case 'map': {
      const element = elementDecoder(kind.of);
      return (raw) => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
          const decoded = element(value);
          if (decoded !== undefined) out[key] = decoded;
        }
        return out;
      };
    }
  }
}

/** Elements of arrays and maps: null stays null in free-form data, else becomes the zero value. */
function elementDecoder(kind: Kind): Decode {
  const decode = kindDecoder(kind);
  const zero = scalarZero(kind);
  if (kind.kind === 'any') return identity;
  return (raw) => (raw === null || raw === undefined ? zero : (decode(raw) ?? zero));
}
