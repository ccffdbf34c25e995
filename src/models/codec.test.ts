/**
 * Unit tests of the schema-driven codec against the behaviour of Go's encoding/json, which is what
 * Bacalhau's wire format really is (reference §0 conventions, §1.8 CLI unmarshaller messages).
 */
import { describe, expect, it } from 'vitest';
import {
  any,
  arrayOf,
  bool,
  decodeStruct,
  decodeValue,
  encode,
  encodeStruct,
  float,
  int,
  mapOf,
  string,
  struct,
  uint,
  type StructSchema,
} from './codec.js';
import { jobSchema, runCommandResultSchema, taskSchema } from './schemas.js';

/** A struct with two fields that differ only by case, which Go allows (`json:"value"` and `json:"Value"`). */
const twinSchema = (): StructSchema => ({
  name: 'Twin',
  fields: [
    { name: 'value', kind: string },
    { name: 'Value', kind: string },
  ],
});

/** Every kind of field, to check type errors and zero values in one place. */
const allKindsSchema = (): StructSchema => ({
  name: 'AllKinds',
  fields: [
    { name: 'S', kind: string },
    { name: 'I', kind: int },
    { name: 'U', kind: uint },
    { name: 'F', kind: float },
    { name: 'B', kind: bool },
    { name: 'A', kind: any },
    { name: 'L', kind: arrayOf(string) },
    { name: 'M', kind: mapOf(string) },
    { name: 'N', kind: struct(twinSchema) },
  ],
});

/** The zero values Go gives the scalar fields of a struct that the input did not set. */
const zeroTwin = { value: '', Value: '' };
const zeroAllKinds = { S: '', I: 0, U: 0, F: 0, B: false };
const zeroJob = {
  ID: '',
  Name: '',
  Namespace: '',
  Type: '',
  Priority: 0,
  Count: 0,
  Version: 0,
  Revision: 0,
  CreateTime: 0,
  ModifyTime: 0,
};
const zeroRunOutput = {
  Stdout: '',
  StdoutTruncated: false,
  stderr: '',
  StderrTruncated: false,
  ExitCode: 0,
  ErrorMsg: '',
};

describe('decode: key matching', () => {
  it('prefers the field spelled exactly like the key over a case-insensitive match', () => {
    const { value, errors, unknownFields } = decodeStruct({ Value: 'upper', value: 'lower' }, twinSchema());
    expect(value).toEqual({ value: 'lower', Value: 'upper' });
    expect(errors).toEqual([]);
    expect(unknownFields).toEqual([]);
  });

  it('sends a key that matches no field exactly to the first field in struct order that folds equal (Go)', () => {
    // Go's typeFields: "For historical reasons, first folded match takes precedence."
    expect(decodeStruct({ VALUE: 'x' }, twinSchema()).value).toEqual({ ...zeroTwin, value: 'x' });
    expect(decodeStruct({ vAlUe: 'y' }, twinSchema()).value).toEqual({ ...zeroTwin, value: 'y' });
  });

  it.each(['Name', 'name', 'NAME', 'nAmE'])('matches the Job field Name from the key %j', (key) => {
    const { value, unknownFields } = decodeStruct({ [key]: 'job-a' }, jobSchema());
    expect(value).toEqual({ ...zeroJob, Name: 'job-a' });
    expect(unknownFields).toEqual([]);
  });

  it("matches RunOutput's lower-case wire key `stderr` from any casing", () => {
    for (const key of ['stderr', 'Stderr', 'STDERR']) {
      expect(decodeStruct({ [key]: 'oops' }, runCommandResultSchema()).value).toEqual({
        ...zeroRunOutput,
        stderr: 'oops',
      });
    }
  });

  it('keeps map keys exactly as written (only struct keys are case-insensitive)', () => {
    const { value } = decodeStruct(
      { meta: { Owner: 'a', owner: 'b' }, LABELS: { Env: 'prod' } },
      jobSchema(),
    );
    expect(value).toEqual({ ...zeroJob, Meta: { Owner: 'a', owner: 'b' }, Labels: { Env: 'prod' } });
  });

  it('lets the last of two differently-cased keys for one field win, as Go does in document order', () => {
    // Go's decoder walks the object in document order and assigns every key it maps to a field, so
    // `{"Name":"a","name":"b"}` leaves Name = "b" and `{"name":"b","Name":"a"}` leaves Name = "a".
    // (The CLI path converts YAML to JSON first, which re-orders keys; the API path decodes as written.)
    expect(decodeStruct({ Name: 'first', name: 'second' }, jobSchema()).value).toEqual({
      ...zeroJob,
      Name: 'second',
    });
    expect(decodeStruct({ name: 'first', Name: 'second' }, jobSchema()).value).toEqual({
      ...zeroJob,
      Name: 'second',
    });
    expect(decodeStruct({ Count: 1, COUNT: 7, count: 3 }, jobSchema()).value).toEqual({
      ...zeroJob,
      Count: 3,
    });
  });

  it('replaces a list given twice under different casings (Go resets the slice)', () => {
    const { value } = decodeStruct(
      { Tasks: [{ Name: 'a' }, { Name: 'b' }], tasks: [{ Name: 'c' }] },
      jobSchema(),
    );
    expect(value).toEqual({ ...zeroJob, Tasks: [{ Name: 'c' }] });
  });

  it('keeps the earlier value when the later duplicate is null (null is a no-op for a Go string)', () => {
    expect(decodeStruct({ Name: 'kept', name: null }, jobSchema()).value).toEqual({
      ...zeroJob,
      Name: 'kept',
    });
  });
});

describe('decode: null', () => {
  it('leaves every kind of field at its zero value: "" 0 false for scalars, absent (nil) for the rest', () => {
    const raw = { S: null, I: null, U: null, F: null, B: null, A: null, L: null, M: null, N: null };
    const { value, errors, unknownFields } = decodeStruct(raw, allKindsSchema());
    expect(value).toEqual(zeroAllKinds);
    expect(Object.keys(value as object).sort()).toEqual(['B', 'F', 'I', 'S', 'U']);
    expect(errors).toEqual([]);
    expect(unknownFields).toEqual([]);
  });

  it('gives null elements of a string list the zero value "" (Go: null leaves the new element zero)', () => {
    // Go: json.Unmarshal(`["a",null,"c"]`, &[]string{}) == []string{"a", "", "c"}.
    const { value, errors } = decodeValue<string[]>(['a', null, 'c'], arrayOf(string), 'Values', 'X');
    expect(errors).toEqual([]);
    expect(value).toEqual(['a', '', 'c']);
  });

  it('keeps a map key whose value is null, with the zero value "" (Go: SetMapIndex with a zero element)', () => {
    // Go: json.Unmarshal(`{"A":null,"B":"x"}`, &map[string]string{}) == map[string]string{"A": "", "B": "x"}.
    const { value, errors } = decodeValue<Record<string, string>>(
      { A: null, B: 'x' },
      mapOf(string),
      'Env',
      'Task',
    );
    expect(errors).toEqual([]);
    expect(value).toEqual({ A: '', B: 'x' });
  });
});

describe('decode: type mismatches', () => {
  const mismatch = (path: string, struct: string, got: string, expected: string): string =>
    `field: '${path}' in '${struct}' is invalid type: '${got}' expected: '${expected}'`;

  it.each<[string, unknown, string, string]>([
    ['S', 5, 'number', 'string'],
    ['S', true, 'bool', 'string'],
    ['S', { a: 1 }, 'object', 'string'],
    ['S', ['x'], 'array', 'string'],
    ['I', '1', 'string', 'int'],
    ['U', '1', 'string', 'uint64'],
    ['F', 'fast', 'string', 'float64'],
    ['B', 'true', 'string', 'bool'],
    ['B', 0, 'number', 'bool'],
    ['L', 'x', 'string', '[]string'],
    ['L', { a: 'b' }, 'object', '[]string'],
    ['M', ['x'], 'array', 'map[string]string'],
    ['M', 'x', 'string', 'map[string]string'],
    ['N', 'x', 'string', 'Twin'],
  ])('%s = %j is a %s where a %s is expected', (field, raw, got, expected) => {
    const { value, errors } = decodeStruct({ [field]: raw }, allKindsSchema());
    expect(errors).toEqual([mismatch(field, 'AllKinds', got, expected)]);
    expect(value).toEqual(zeroAllKinds);
  });

  it('accepts anything for an interface{} field, including nested values', () => {
    const a = { deep: [1, 'two', { three: true }], n: null };
    expect(decodeStruct({ A: a }, allKindsSchema())).toEqual({
      value: { ...zeroAllKinds, A: a },
      errors: [],
      unknownFields: [],
    });
  });

  it("names nested fields by their path (Go's: no list indices) and their own struct", () => {
    const { errors } = decodeStruct(
      {
        Type: 'batch',
        Tasks: [
          { Name: 'ok', Engine: { Type: 'docker' } },
          { Name: 7, Engine: { Type: 5 } },
        ],
      },
      jobSchema(),
    );
    expect(errors).toEqual([
      mismatch('Tasks.Name', 'Task', 'number', 'string'),
      mismatch('Tasks.Engine.Type', 'SpecConfig', 'number', 'string'),
    ]);
  });

  it('names the path of a bad element of a nested list and a bad value of a nested map', () => {
    const { errors } = decodeStruct(
      {
        Constraints: [{ Key: 'a', Operator: 'in', Values: ['x', 3] }],
        Tasks: [{ Name: 't', Env: { GOOD: 'v', BAD: 1 }, Engine: 'docker' }],
      },
      jobSchema(),
    );
    expect(errors).toEqual([
      mismatch('Constraints.Values', 'LabelSelectorRequirement', 'number', 'string'),
      mismatch('Tasks.Env.BAD', 'Task', 'number', 'models.EnvVarValue'),
      mismatch('Tasks.Engine', 'Task', 'string', 'models.SpecConfig'),
    ]);
  });

  // Go's UnmarshalTypeError names the Go type (reflect's String()): package-qualified, with the
  // pointers of Bacalhau's []*T lists and its named types, as `bacalhau job run` prints it.
  it.each<[string, Record<string, unknown>, string, string, string, string]>([
    [
      'a task list given as one task',
      { Tasks: { Name: 'main' } },
      'Tasks',
      'Job',
      'object',
      '[]*models.Task',
    ],
    [
      'a constraint list given as one',
      { Constraints: { Key: 'a' } },
      'Constraints',
      'Job',
      'object',
      '[]*models.LabelSelectorRequirement',
    ],
    [
      'a publisher given as a name',
      { Tasks: [{ Publisher: 'local' }] },
      'Tasks.Publisher',
      'Task',
      'string',
      'models.SpecConfig',
    ],
    [
      'input sources given as one',
      { Tasks: [{ InputSources: { Target: '/a' } }] },
      'Tasks.InputSources',
      'Task',
      'object',
      '[]*models.InputSource',
    ],
    [
      'result paths given as one',
      { Tasks: [{ ResultPaths: { Name: 'a' } }] },
      'Tasks.ResultPaths',
      'Task',
      'object',
      '[]*models.ResultPath',
    ],
    [
      'resources given as a number',
      { Tasks: [{ Resources: 1 }] },
      'Tasks.Resources',
      'Task',
      'number',
      'models.ResourcesConfig',
    ],
    [
      'timeouts given as a number',
      { Tasks: [{ Timeouts: 30 }] },
      'Tasks.Timeouts',
      'Task',
      'number',
      'models.TimeoutConfig',
    ],
    [
      'ports given as one',
      { Tasks: [{ Network: { Ports: { Name: 'A' } } }] },
      'Tasks.Network.Ports',
      'NetworkConfig',
      'object',
      'models.PortMap',
    ],
    [
      'env given as a list',
      { Tasks: [{ Env: ['A=1'] }] },
      'Tasks.Env',
      'Task',
      'array',
      'map[string]models.EnvVarValue',
    ],
  ])('names the Go type for %s', (_what, spec, path, struct, got, expected) => {
    expect(decodeStruct(spec, jobSchema()).errors).toEqual([mismatch(path, struct, got, expected)]);
  });

  it('reports every mismatch, not only the first, and keeps the fields that did decode', () => {
    const { value, errors } = decodeStruct({ Name: 1, Type: 'batch', Count: 'one', Labels: [] }, jobSchema());
    expect(value).toEqual({ ...zeroJob, Type: 'batch' });
    expect(errors).toEqual([
      mismatch('Name', 'Job', 'number', 'string'),
      mismatch('Count', 'Job', 'string', 'int'),
      mismatch('Labels', 'Job', 'array', 'map[string]string'),
    ]);
  });

  it("names an int64 field's Go type as int64, as Go's UnmarshalTypeError does (Timeouts are int64)", () => {
    // Go: `json: cannot unmarshal string into Go struct field TimeoutConfig.Tasks.Timeouts.ExecutionTimeout
    // of type int64`, so the CLI prints expected: 'int64'.
    const { errors } = decodeStruct({ Timeouts: { ExecutionTimeout: '10m' } }, taskSchema());
    expect(errors).toEqual([mismatch('Timeouts.ExecutionTimeout', 'TimeoutConfig', 'string', 'int64')]);
  });
});

describe('decode: integers', () => {
  it.each<[string, number, string]>([
    ['I', 1.5, "field: 'I' in 'AllKinds' is invalid type: 'number 1.5' expected: 'int'"],
    ['U', 1.5, "field: 'U' in 'AllKinds' is invalid type: 'number 1.5' expected: 'uint64'"],
    ['U', -1, "field: 'U' in 'AllKinds' is invalid type: 'number -1' expected: 'uint64'"],
  ])('rejects %s = %d', (field, raw, message) => {
    const { value, errors } = decodeStruct({ [field]: raw }, allKindsSchema());
    expect(errors).toEqual([message]);
    expect(value).toEqual(zeroAllKinds);
  });

  it('accepts integers beyond 2^53 that fit Go int64/uint64 (e.g. Unix nanoseconds), at double precision', () => {
    const { value, errors } = decodeStruct({ I: 2 ** 53 + 2, U: 2 ** 60 }, allKindsSchema());
    expect(errors).toEqual([]);
    expect(value).toEqual({ ...zeroAllKinds, I: 2 ** 53 + 2, U: 2 ** 60 });
  });

  it('rejects integers outside Go int64 range', () => {
    const { value, errors } = decodeStruct({ I: 2 ** 64, U: -(2 ** 64) }, allKindsSchema());
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^field: 'I' in 'AllKinds' is invalid type: 'number \d+' expected: 'int'$/);
    expect(errors[1]).toMatch(/^field: 'U' in 'AllKinds' is invalid type: 'number -\d+' expected: 'uint64'$/);
    expect(value).toEqual(zeroAllKinds);
  });

  it('accepts negative ints, zero for uints, and fractions for floats', () => {
    const { value, errors } = decodeStruct({ I: -42, U: 0, F: 0.25 }, allKindsSchema());
    expect(errors).toEqual([]);
    expect(value).toEqual({ ...zeroAllKinds, I: -42, U: 0, F: 0.25 });
  });

  it('rejects non-finite numbers everywhere', () => {
    const { errors } = decodeStruct({ I: Infinity, F: NaN }, allKindsSchema());
    expect(errors).toEqual([
      "field: 'I' in 'AllKinds' is invalid type: 'number' expected: 'int'",
      "field: 'F' in 'AllKinds' is invalid type: 'number' expected: 'float64'",
    ]);
  });

  it('rejects a fractional Count and a negative Version on a job', () => {
    const { errors } = decodeStruct({ Count: 2.5, Version: -3 }, jobSchema());
    expect(errors).toEqual([
      "field: 'Count' in 'Job' is invalid type: 'number 2.5' expected: 'int'",
      "field: 'Version' in 'Job' is invalid type: 'number -3' expected: 'uint64'",
    ]);
  });
});

describe('decode: unknown fields', () => {
  it('reports each unknown key with the path of its struct and the struct name, and drops it', () => {
    const { value, errors, unknownFields } = decodeStruct(
      {
        Type: 'batch',
        Foo: 1,
        Tasks: [
          { Name: 'a' },
          { Name: 'b', Bar: 2, Timeouts: { QueueTimeout: 5, Baz: 3 }, Engine: { Type: 'docker', Qux: 4 } },
        ],
      },
      jobSchema(),
    );
    expect(errors).toEqual([]);
    expect(unknownFields).toEqual([
      expect.objectContaining({ path: '', key: 'Foo', struct: 'Job' }),
      expect.objectContaining({ path: 'Tasks[1]', key: 'Bar', struct: 'Task' }),
      {
        path: 'Tasks[1].Timeouts',
        key: 'Baz',
        struct: 'TimeoutConfig',
        known: ['ExecutionTimeout', 'QueueTimeout', 'TotalTimeout'],
      },
      { path: 'Tasks[1].Engine', key: 'Qux', struct: 'SpecConfig', known: ['Type', 'Params'] },
    ]);
    expect(value).toEqual({
      ...zeroJob,
      Type: 'batch',
      Tasks: [
        { Name: 'a' },
        {
          Name: 'b',
          // A Go struct has all its fields: the omitted timeouts are 0.
          Timeouts: { ExecutionTimeout: 0, QueueTimeout: 5, TotalTimeout: 0 },
          Engine: { Type: 'docker' },
        },
      ],
    });
  });

  it('does not treat map keys or interface{} contents as unknown fields', () => {
    const { unknownFields } = decodeStruct(
      {
        Meta: { Whatever: 'x' },
        Tasks: [{ Name: 'a', Engine: { Type: 'docker', Params: { Foo: { Bar: 1 } } } }],
      },
      jobSchema(),
    );
    expect(unknownFields).toEqual([]);
  });

  it('uses the given root path for top-level unknown fields', () => {
    expect(decodeStruct({ Nope: 1 }, taskSchema(), 'Tasks[0]').unknownFields).toEqual([
      expect.objectContaining({ path: 'Tasks[0]', key: 'Nope', struct: 'Task' }),
    ]);
  });
});

describe('encode', () => {
  it('sorts the keys of interface{} values at every depth, inside lists too', () => {
    const encoded = encode({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 }, C: null }, any);
    expect(JSON.stringify(encoded)).toBe('{"C":null,"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('sorts map keys bytewise (upper case before lower case), as Go does', () => {
    const encoded = encode({ b: 'x', B: 'y', a: 'z', _: 'w', 'a-b': 'v', 'a.b': 'u' }, mapOf(string));
    expect(Object.keys(encoded as object)).toEqual(['B', '_', 'a', 'a-b', 'a.b', 'b']);
  });

  it('writes struct fields in schema order whatever the order of the properties', () => {
    const encoded = encodeStruct({ B: true, S: 's', I: 1 }, allKindsSchema());
    expect(Object.keys(encoded)).toEqual(['S', 'I', 'U', 'F', 'B', 'A', 'L', 'M', 'N']);
  });

  it('writes Go zero values for absent fields: "" 0 false, and null for slices, maps, interfaces and pointers', () => {
    expect(encodeStruct({}, allKindsSchema())).toEqual({
      S: '',
      I: 0,
      U: 0,
      F: 0,
      B: false,
      A: null,
      L: null,
      M: null,
      N: null,
    });
  });

  it('leaves out omitempty fields holding "", 0, false, empty lists and maps, or nothing', () => {
    const schema: StructSchema = {
      name: 'Omit',
      fields: [
        { name: 'S', kind: string, omitEmpty: true },
        { name: 'I', kind: int, omitEmpty: true },
        { name: 'B', kind: bool, omitEmpty: true },
        { name: 'L', kind: arrayOf(string), omitEmpty: true },
        { name: 'M', kind: mapOf(string), omitEmpty: true },
        { name: 'N', kind: struct(twinSchema), omitEmpty: true },
        { name: 'Kept', kind: string },
      ],
    };
    expect(encodeStruct({ S: '', I: 0, B: false, L: [], M: {} }, schema)).toEqual({ Kept: '' });
    // A present struct is never empty in Go, even with all fields zero.
    expect(encodeStruct({ S: 'x', I: -1, B: true, L: [''], M: { k: '' }, N: {} }, schema)).toEqual({
      S: 'x',
      I: -1,
      B: true,
      L: [''],
      M: { k: '' },
      N: { value: '', Value: '' },
      Kept: '',
    });
  });

  it('encodes nested structs inside lists and maps', () => {
    const encoded = encode({ z: { Value: 'v' }, a: { value: 'w' } }, mapOf(struct(twinSchema)));
    expect(JSON.stringify(encoded)).toBe('{"a":{"value":"w","Value":""},"z":{"value":"","Value":"v"}}');
    expect(encode([{ Value: 'v' }], arrayOf(struct(twinSchema)))).toEqual([{ value: '', Value: 'v' }]);
  });

  it('round-trips a value of every kind through JSON', () => {
    const value = {
      S: 's',
      I: -7,
      U: 9,
      F: 1.5,
      B: true,
      A: { y: [1, { b: 2, a: 1 }], x: 'x' },
      L: ['b', 'a'],
      M: { b: '2', a: '1' },
      N: { value: 'lower', Value: 'upper' },
    };
    const wire: unknown = JSON.parse(JSON.stringify(encodeStruct(value, allKindsSchema())));
    expect(decodeStruct(wire, allKindsSchema())).toEqual({ value, errors: [], unknownFields: [] });
  });
});
