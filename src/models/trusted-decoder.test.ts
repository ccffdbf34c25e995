import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStruct, encodeStruct, type CustomKind, type Kind, type StructSchema } from './codec.js';
import {
  evaluationSchema,
  executionSchema,
  jobHistorySchema,
  jobSchema,
  nodeStateSchema,
} from './schemas.js';
import { trustedDecoder } from './trusted-decoder.js';

/** Any well-typed decoded value of `kind`, as the store would hold it, nested at most `depth` structs deep. */
function valueOf(kind: Kind, depth: number): fc.Arbitrary<unknown> {
  switch (kind.kind) {
    case 'string':
      return fc.string({ maxLength: 6 });
    case 'int':
    case 'uint':
      return fc.nat(1_000);
    case 'float':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 10 });
    case 'bool':
      return fc.boolean();
    case 'any':
      return fc.jsonValue({ maxDepth: 2 });
    case 'custom':
      return fc.constantFrom(...enumValues(kind));
    case 'array':
      return depth <= 0 ? fc.constant([]) : fc.array(valueOf(kind.of, depth - 1), { maxLength: 2 });
    case 'map':
      return depth <= 0
        ? fc.constant({})
        : fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), valueOf(kind.of, depth - 1), {
            maxKeys: 2,
          });
    case 'struct':
      return structOf(kind.schema(), depth - 1);
  }
}

/** The values of an enum kind, found by trying the wire forms enums use (indexes and names). */
function enumValues(kind: CustomKind): unknown[] {
  const candidates = [
    0,
    1,
    2,
    3,
    'JobLevel',
    'ExecutionLevel',
    'Pending',
    'Running',
    'CONNECTED',
    'APPROVED',
    'Compute',
  ];
  const values = candidates.flatMap((raw) => {
    try {
      return [kind.decode(raw)];
    } catch {
      return [];
    }
  });
  return values.length > 0 ? values : [kind.zero];
}

/** Past `depth`, only the fields that need a value (enums whose zero is not a valid value) are set. */
function structOf(schema: StructSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of schema.fields) {
    if (depth >= 0 || field.kind.kind === 'custom') fields[field.name] = valueOf(field.kind, depth);
  }
  const required = schema.fields.filter((f) => f.kind.kind === 'custom').map((f) => f.name);
  return fc.record(fields, { requiredKeys: required });
}

describe('trustedDecoder', () => {
  const schemas = { jobSchema, executionSchema, evaluationSchema, jobHistorySchema, nodeStateSchema };
  for (const [name, schemaOf] of Object.entries(schemas)) {
    it(`decodes encoded ${name} documents exactly as the general decoder does`, () => {
      const schema = schemaOf();
      const decode = trustedDecoder(schema);
      fc.assert(
        fc.property(structOf(schema, 4), (value) => {
          const doc: unknown = JSON.parse(JSON.stringify(encodeStruct(value, schema)));
          const general = decodeStruct(doc, schema);
          expect(general.errors).toEqual([]);
          expect(decode(JSON.parse(JSON.stringify(doc)))).toEqual(general.value);
        }),
        { numRuns: 300 },
      );
    });
  }
});
