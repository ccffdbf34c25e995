/**
 * Property-based fuzzing of the job spec reader (parse → decode → validate → sanitize).
 *
 * The contract under test: whatever text a user or an API client sends, `loadJobSpec` (client and server
 * strictness) and `prepareJobForSubmission` either return a job or throw a BacalhauError with code
 * ValidationError. Never a TypeError, RangeError, ReferenceError, … (those become HTTP 500s and stack
 * traces in the CLI). On top of that: decoding ignores the case of struct keys but not of map keys, and
 * YAML and JSON renderings of the same spec decode to the same job.
 *
 * Crashes found by these properties are pinned as plain regression tests at the end of the file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { BacalhauError } from '../bacerrors.js';
import { encode, isPlainObject, struct, type Kind } from '../codec.js';
import { jobTypes } from '../constants.js';
import type { Job } from '../job.js';
import { jobSchema } from '../schemas.js';
import { prepareJobForSubmission } from './client.js';
import { loadJobSpec } from './decode.js';

// ---------------------------------------------------------------------------------------------------
// Running the three entry points
// ---------------------------------------------------------------------------------------------------

type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

interface Read {
  job: Job;
  warnings: string[];
}

function describeThrown(err: unknown): string {
  if (err instanceof BacalhauError) return `BacalhauError(${err.code}): ${err.message}`;
  if (err instanceof Error) return `${err.constructor.name}: ${err.message}`;
  return `${typeof err}: ${String(err)}`;
}

/** Runs `fn`; a ValidationError is an expected outcome, anything else thrown fails the property. */
function attempt<T>(what: string, fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof BacalhauError && err.code === 'ValidationError')
      return { ok: false, message: err.message };
    throw new Error(`${what} threw ${describeThrown(err)}`, { cause: err });
  }
}

const jobKind: Kind = struct(jobSchema);

/** A job that was accepted must be storable and servable: encodable to JSON. */
function assertEncodable(what: string, job: Job): void {
  try {
    JSON.stringify(encode(job, jobKind));
  } catch (err) {
    throw new Error(`${what} returned a job that cannot be encoded as JSON: ${describeThrown(err)}`, {
      cause: err,
    });
  }
}

/** No message may leak JavaScript internals (Object.prototype members used as data). */
function assertCleanMessages(what: string, messages: readonly string[]): void {
  for (const message of messages) {
    if (message.includes('[native code]'))
      throw new Error(`${what} leaked a JS function into a message: ${message}`);
  }
}

interface ReadAll {
  client: Outcome<Read>;
  server: Outcome<Read>;
  prepared: Outcome<Read>;
}

/** Feeds one text to every entry point and checks the invariants that hold for any input. */
function readEverywhere(text: string): ReadAll {
  const client = attempt("loadJobSpec(text, 'client')", () => loadJobSpec(text, 'client'));
  const server = attempt("loadJobSpec(text, 'server')", () => loadJobSpec(text, 'server'));
  const prepared = attempt('prepareJobForSubmission(text)', () => prepareJobForSubmission(text));
  for (const [what, outcome] of [
    ['client', client],
    ['server', server],
    ['prepare', prepared],
  ] as const) {
    if (outcome.ok) {
      assertEncodable(what, outcome.value.job);
      assertCleanMessages(what, outcome.value.warnings);
    } else {
      assertCleanMessages(what, [outcome.message]);
    }
  }
  if (prepared.ok) {
    // A job that passed submission checks has a known type and (after sanitizing) exactly one task.
    expect(jobTypes).toContain(prepared.value.job.Type);
    expect(prepared.value.job.Tasks.length).toBeGreaterThanOrEqual(1);
    // prepareJobForSubmission is the client decode plus validation: it cannot accept what the client refuses.
    expect(client.ok).toBe(true);
  }
  if (client.ok) {
    // The server is the more lenient reader; where the client succeeds it reads the same job.
    expect(server.ok).toBe(true);
    if (server.ok) expect(server.value.job).toEqual(client.value.job);
  }
  return { client, server, prepared };
}

/** JSON.stringify / YAML stringify that give up (undefined) on values they cannot render. */
function asJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * Undefined when the library cannot write it, or writes a key `<<` plain: that is YAML's merge key, so
 * the text means something else than the value (the CLI's own writer quotes it: cli/output/encode.ts).
 */
function asYaml(value: unknown): string | undefined {
  try {
    const text = toYaml(value);
    return /(^|[\s{,])<<:/m.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------

/** A double that survives JSON and YAML alike (no NaN, no infinities, no negative zero). */
const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0));
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 1_000_000 }),
  finiteDouble,
  fc.boolean(),
  fc.constant(null),
);
const mapKey = fc.string({ maxLength: 8 });
/** A value of the wrong type for almost any field. */
const junk = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(mapKey, scalar, { maxKeys: 3 }),
  fc.array(fc.dictionary(mapKey, scalar, { maxKeys: 2 }), { maxLength: 2 }),
);
/** JSON-ish values for interface{} fields (Params). */
const paramValue = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(mapKey, fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })), { maxKeys: 3 }),
);

function oneOfOrAny(...values: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...values) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
}

/** A record of which any subset of the keys is present. */
function some<T extends Record<string, fc.Arbitrary<unknown>>>(
  model: T,
): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(model, { requiredKeys: [] });
}

/** Keys that are not fields of the struct they are put in; some are Object.prototype members on purpose. */
const extraKey = fc.oneof(
  fc.constantFrom(
    'Foo',
    'ExecutionPlan',
    'UpdateStrategy',
    'EnableIPv6',
    'Compression',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'spec',
    'engine',
    'Deal',
    'Docker',
    'Inputs',
  ),
  fc.string({ maxLength: 8 }),
);

const operators = ['in', 'notin', 'exists', '!', '=', '==', '!=', 'gt', 'lt'];

/**
 * Structurally plausible job specs: random subsets of the real fields, with values of the right JSON type
 * but random content. When `noisy`, some values have the wrong type, unknown keys appear at every level
 * and server-managed fields are sometimes set. Quiet specs get through decoding, so they exercise the
 * validators; noisy ones exercise the decoder's error paths.
 */
function plausibleSpecs(noisy: boolean): fc.Arbitrary<Record<string, unknown>> {
  /** Mostly a plausible value, when noisy sometimes one of the wrong type. */
  const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
    noisy ? fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: junk }) : arb;

  /** When noisy, adds (rarely) one or two unknown keys to the generated record. */
  const withExtras = (arb: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> => {
    if (!noisy) return arb;
    const extras = fc.oneof(
      { weight: 4, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.dictionary(extraKey, junk, { maxKeys: 2 }) },
    );
    return fc.tuple(arb, extras).map(([record, extra]) => ({ ...extra, ...record }));
  };

  const stringMap = fc.dictionary(mapKey, maybe(fc.string({ maxLength: 8 })), { maxKeys: 3 });

  const envMap = fc.dictionary(
    oneOfOrAny('FOO', 'BAR_1', 'lower', 'BACALHAU_X', '1ABC', 'A-B', ''),
    maybe(oneOfOrAny('x', '', 'env:HOME', 'a=b')),
    { maxKeys: 3 },
  );

  const specConfig = (...types: string[]): fc.Arbitrary<unknown> =>
    maybe(
      withExtras(
        some({
          Type: maybe(oneOfOrAny(...types)),
          Params: maybe(fc.dictionary(mapKey, paramValue, { maxKeys: 3 })),
        }),
      ),
    );

  /** A list that may hold nulls: Go decodes those to nil pointers or zero values. */
  const listOf = (item: fc.Arbitrary<unknown>, maxLength: number): fc.Arbitrary<unknown> =>
    maybe(
      fc.array(fc.oneof({ weight: 6, arbitrary: item }, { weight: 1, arbitrary: fc.constant(null) }), {
        maxLength,
      }),
    );

  const constraint = maybe(
    withExtras(
      some({
        Key: maybe(oneOfOrAny('region', 'favour_zone', '', 'bad key!', 'a/b')),
        Operator: maybe(oneOfOrAny(...operators, 'In', 'bogus', '')),
        Values: listOf(maybe(oneOfOrAny('eu', '1', 'x y', '')), 3),
      }),
    ),
  );

  const inputSource = maybe(
    withExtras(
      some({
        Source: specConfig('urlDownload', 's3', 'ipfs', 'inline', 'local', ''),
        Alias: maybe(oneOfOrAny('data', 'in', '')),
        Target: maybe(oneOfOrAny('/inputs', '/data', 'relative', '')),
      }),
    ),
  );

  const resultPath = maybe(
    withExtras(
      some({
        Name: maybe(oneOfOrAny('outputs', 'out', '')),
        Path: maybe(oneOfOrAny('/outputs', 'relative', '', '/')),
      }),
    ),
  );

  const port = maybe(
    withExtras(
      some({
        Name: maybe(oneOfOrAny('web', 'HTTP_PORT', '1bad', '')),
        Static: maybe(fc.integer({ min: -1, max: 70_000 })),
        Target: maybe(fc.integer({ min: -1, max: 70_000 })),
        HostNetwork: maybe(oneOfOrAny('0.0.0.0', '127.0.0.1', 'nope', '')),
      }),
    ),
  );

  const network = maybe(
    withExtras(
      some({
        Type: maybe(oneOfOrAny('Default', 'None', 'Host', 'Full', 'HTTP', 'Bridge', 'http', 'bogus', '')),
        Domains: listOf(maybe(oneOfOrAny('example.com', '.example.org', 'bad domain', '10.0.0.1', '')), 2),
        Ports: listOf(port, 2),
      }),
    ),
  );

  const timeouts = maybe(
    withExtras(
      some({
        ExecutionTimeout: maybe(fc.integer({ min: -10, max: 1_000_000 })),
        QueueTimeout: maybe(fc.integer({ min: -10, max: 1_000_000 })),
        TotalTimeout: maybe(fc.integer({ min: -10, max: 1_000_000 })),
      }),
    ),
  );

  const resources = maybe(
    withExtras(
      some({
        CPU: maybe(oneOfOrAny('1', '500m', '0.5', '-1', 'abc', '', ' 250 M ')),
        Memory: maybe(oneOfOrAny('512Mb', '1gb', '1Gi', 'x', '', '1.5GB')),
        Disk: maybe(oneOfOrAny('10gb', '0', '-5', '')),
        GPU: maybe(oneOfOrAny('0', '1', '1.5', '-1', '')),
      }),
    ),
  );

  const task = maybe(
    withExtras(
      some({
        Name: maybe(oneOfOrAny('main', 'task-1', '', ' ')),
        Engine: specConfig('docker', 'wasm', 'noop', '', ' docker '),
        Publisher: specConfig('', 'local', 's3', 'ipfs', 'noop'),
        Env: maybe(envMap),
        Meta: maybe(stringMap),
        InputSources: listOf(inputSource, 2),
        ResultPaths: listOf(resultPath, 2),
        Resources: resources,
        Network: network,
        Timeouts: timeouts,
      }),
    ),
  );

  /** Fields only the server may set; present in a minority of noisy specs. */
  const serverManaged = noisy
    ? fc.oneof(
        { weight: 4, arbitrary: fc.constant({}) },
        {
          weight: 1,
          arbitrary: some({
            ID: maybe(oneOfOrAny('j-1', '')),
            State: maybe(
              some({
                StateType: maybe(oneOfOrAny('Pending', 'Running', 'bogus', '')),
                Message: maybe(fc.string()),
              }),
            ),
            Version: maybe(fc.integer({ min: -1, max: 5 })),
            Revision: maybe(fc.integer({ min: -1, max: 5 })),
            CreateTime: maybe(fc.integer({ min: -1, max: 2 ** 31 })),
            ModifyTime: maybe(fc.integer({ min: -1, max: 2 ** 31 })),
          }),
        },
      )
    : fc.constant({});

  return fc
    .tuple(
      withExtras(
        some({
          Name: maybe(oneOfOrAny('my job', 'x', '')),
          Namespace: maybe(oneOfOrAny('default', 'team-a', '')),
          Type: maybe(oneOfOrAny('batch', 'service', 'daemon', 'ops', 'Batch', 'cron', '')),
          Priority: maybe(fc.integer({ min: -5, max: 100 })),
          Count: maybe(fc.integer({ min: -2, max: 4 })),
          Constraints: listOf(constraint, 2),
          Meta: maybe(stringMap),
          Labels: maybe(stringMap),
          Tasks: listOf(task, 2),
        }),
      ),
      serverManaged,
    )
    .map(([spec, managed]) => ({ ...managed, ...spec }));
}

/** Half quiet (reaches the validators), half noisy (exercises decoding errors and unknown keys). */
const plausibleSpec: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  plausibleSpecs(false),
  plausibleSpecs(true),
);

/** A minimal valid spec with one arbitrary value injected at a random field, at job or task level. */
const taskFields = [
  'Name',
  'Engine',
  'Publisher',
  'Env',
  'Meta',
  'InputSources',
  'ResultPaths',
  'Resources',
  'Network',
  'Timeouts',
];
const jobFields = [
  'Name',
  'Namespace',
  'Type',
  'Priority',
  'Count',
  'Constraints',
  'Meta',
  'Labels',
  'Tasks',
];
const injectedSpec: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.boolean(),
    fc.constantFrom(
      ...taskFields,
      'Engine.Params',
      'Network.Ports',
      'Network.Domains',
      'Constraints[0].Values',
    ),
    fc.constantFrom(...jobFields),
    fc.oneof(fc.jsonValue({ maxDepth: 3 }), junk, fc.constant([null]), fc.constant([{}]), fc.constant({})),
  )
  .map(([atTask, taskField, jobField, value]) => {
    const task: Record<string, unknown> = {
      Name: 'main',
      Engine: { Type: 'docker', Params: { Image: 'busybox' } },
    };
    const job: Record<string, unknown> = { Type: 'batch', Tasks: [task] };
    if (!atTask) {
      job[jobField] = value;
    } else if (taskField === 'Engine.Params') {
      task['Engine'] = { Type: 'docker', Params: value };
    } else if (taskField === 'Network.Ports') {
      task['Network'] = { Type: 'Bridge', Ports: value };
    } else if (taskField === 'Network.Domains') {
      task['Network'] = { Type: 'HTTP', Domains: value };
    } else if (taskField === 'Constraints[0].Values') {
      job['Constraints'] = [{ Key: 'region', Operator: 'in', Values: value }];
    } else {
      task[taskField] = value;
    }
    return job;
  });

/** A small deterministic PRNG so that random key casing shrinks with its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Casing = 'upper' | 'lower' | 'random';

function caser(casing: Casing, seed: number): (key: string) => string {
  const next = prng(seed);
  return (key) => {
    if (casing === 'upper') return key.toUpperCase();
    if (casing === 'lower') return key.toLowerCase();
    return [...key].map((c) => (next() < 0.5 ? c.toLowerCase() : c.toUpperCase())).join('');
  };
}

/**
 * Re-cases the keys of structs (as the schema says they are), leaving map keys (Meta, Labels, Env,
 * Params, AllocatedResources.Tasks, …) and interface{} contents exactly as they were.
 */
function recaseStructKeys(value: unknown, kind: Kind, recase: (key: string) => string): unknown {
  switch (kind.kind) {
    case 'struct': {
      if (!isPlainObject(value)) return value;
      const schema = kind.schema();
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        const field = schema.fields.find((f) => f.name.toLowerCase() === key.toLowerCase());
        out[recase(key)] = field === undefined ? child : recaseStructKeys(child, field.kind, recase);
      }
      return out;
    }
    case 'array':
      return Array.isArray(value) ? value.map((item) => recaseStructKeys(item, kind.of, recase)) : value;
    case 'map':
      return isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, recaseStructKeys(v, kind.of, recase)]))
        : value;
    case 'any':
    case 'bool':
    case 'custom':
    case 'float':
    case 'int':
    case 'string':
    case 'uint':
      return value;
  }
}

/** Mixed-case keys for maps, to catch a decoder that re-cases map keys. */
const mixedMapKey = fc.constantFrom('Owner', 'owner', 'OWNER', 'team.Name', 'Env', 'x-Y', 'k8s.io/App');
const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/).filter((k) => !k.startsWith('BACALHAU_'));
const shortText = fc.string({ minLength: 1, maxLength: 10 });

/** A Params value other than null (a null map value is a separate matter, see codec.test.ts). */
const setParamValue = paramValue.filter((v) => v !== null);

const validTask = fc
  .record(
    {
      Name: fc.constantFrom('main', 'task-1', 'say hello'),
      Engine: fc.record(
        {
          Type: fc.constantFrom('docker', 'wasm', 'noop'),
          Params: fc.dictionary(mixedMapKey, setParamValue, { maxKeys: 3 }),
        },
        { requiredKeys: ['Type'] },
      ),
      Publisher: fc.record(
        {
          Type: fc.constantFrom('local', 's3', 'ipfs', 'noop'),
          Params: fc.dictionary(mixedMapKey, setParamValue, { maxKeys: 2 }),
        },
        { requiredKeys: ['Type'] },
      ),
      Env: fc.dictionary(envName, shortText, { maxKeys: 3 }),
      Meta: fc.dictionary(mixedMapKey, fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      InputSources: fc.array(fc.webUrl(), { maxLength: 2 }).map((urls) =>
        urls.map((url, i) => ({
          Source: { Type: 'urlDownload', Params: { URL: url } },
          Alias: `in${i}`,
          Target: `/inputs/${i}`,
        })),
      ),
      ResultPaths: fc
        .integer({ min: 0, max: 2 })
        .map((n) => Array.from({ length: n }, (_, i) => ({ Name: `out${i}`, Path: `/outputs/${i}` }))),
      Resources: fc.record(
        {
          CPU: fc.constantFrom('1', '500m', '0.25', '2'),
          Memory: fc.constantFrom('512Mb', '1gb', '64MiB', '1048576'),
          Disk: fc.constantFrom('10gb', '1Gi'),
          GPU: fc.constantFrom('0', '1'),
        },
        { requiredKeys: [] },
      ),
      Network: fc.oneof(
        fc.record({ Type: fc.constantFrom('Default', 'None', 'Host', 'Bridge') }),
        fc.record({
          Type: fc.constant('HTTP'),
          Domains: fc.subarray(['example.com', '.example.org', 'pypi.org'], { minLength: 1 }),
        }),
      ),
      Timeouts: fc.record(
        {
          ExecutionTimeout: fc.integer({ min: 0, max: 3600 }),
          QueueTimeout: fc.integer({ min: 0, max: 3600 }),
          TotalTimeout: fc.integer({ min: 0, max: 3600 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['Name', 'Engine'] },
  )
  .map((task) => {
    // Keep the store-time budget rule out of the way: Exec + Queue <= Total when Total is set.
    const t = task.Timeouts;
    if (t?.TotalTimeout !== undefined && t.TotalTimeout > 0) {
      t.TotalTimeout = t.TotalTimeout + (t.ExecutionTimeout ?? 0) + (t.QueueTimeout ?? 0);
    }
    return task;
  });

const validConstraint = fc.oneof(
  fc.record({
    Key: fc.constantFrom('region', 'favour_zone'),
    Operator: fc.constantFrom('in', 'notin'),
    Values: fc.subarray(['eu', 'us', 'ap'], { minLength: 1 }),
  }),
  fc.record({ Key: fc.constantFrom('gpu', 'arch'), Operator: fc.constantFrom('exists', '!') }),
  fc.record({
    Key: fc.constantFrom('zone', 'tier'),
    Operator: fc.constantFrom('=', '==', '!='),
    Values: fc.constantFrom(['a'], ['gold']),
  }),
  fc.record({
    Key: fc.constant('cores'),
    Operator: fc.constantFrom('gt', 'lt'),
    Values: fc.constantFrom(['2'], ['16']),
  }),
);

/** Specs that prepareJobForSubmission accepts (checked, so that the generator cannot rot silently). */
const validSpec: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      Name: fc.constantFrom('my job', 'nightly-etl', 'x'),
      Namespace: fc.constantFrom('default', 'team-a'),
      Type: fc.constantFrom('batch', 'service', 'daemon', 'ops'),
      Priority: fc.integer({ min: 0, max: 100 }),
      Count: fc.integer({ min: 0, max: 3 }),
      Constraints: fc.array(validConstraint, { maxLength: 2 }),
      Meta: fc.dictionary(mixedMapKey, fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      Labels: fc.dictionary(mixedMapKey, fc.constantFrom('a', 'prod', 'v1'), { maxKeys: 3 }),
      Tasks: fc.tuple(validTask),
    },
    { requiredKeys: ['Type', 'Tasks'] },
  )
  .map((spec) => {
    const out: Record<string, unknown> = { ...spec };
    if ((spec.Type === 'daemon' || spec.Type === 'ops') && (spec.Count ?? 0) > 1) out['Count'] = 1;
    return out;
  });

/** Tokens that, glued together, make text that is nearly YAML: anchors, tags, directives, flow, blocks. */
const yamlToken = fc.constantFrom(
  'Type',
  'Tasks',
  'Name',
  'Engine',
  'Params',
  'Count',
  'Constraints',
  'Meta',
  'Env',
  'Network',
  'Resources',
  'Timeouts',
  'InputSources',
  'ResultPaths',
  'constructor',
  '__proto__',
  'toString',
  ':',
  ': ',
  ' ',
  '\n',
  '\n  ',
  '\n    ',
  '- ',
  '-',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '&b ',
  '*b',
  '!!str ',
  '!!int ',
  '!!map ',
  '!!seq ',
  '!!binary ',
  '!!set ',
  '!!omap ',
  '!!pairs ',
  '!!timestamp ',
  '!!float ',
  '!!null ',
  '!custom ',
  '%YAML 1.1\n---\n',
  '%YAML 1.2\n---\n',
  '%TAG ! tag:x,2000:\n---\n',
  '---\n',
  '...\n',
  '? ',
  '|\n  ',
  '>-\n  ',
  '#c',
  '<<: ',
  'batch',
  'docker',
  'null',
  '~',
  'true',
  'yes',
  '0x1F',
  '0o17',
  '1e400',
  '-.inf',
  '.nan',
  '12:30:45',
  '2001-12-14',
  '\t',
  '\u0000',
  '\ufeff',
  '\\u0000',
);
const yamlish = fc.array(yamlToken, { maxLength: 40 }).map((tokens) => tokens.join(''));

// ---------------------------------------------------------------------------------------------------
// (a) arbitrary input
// ---------------------------------------------------------------------------------------------------

describe('(a) arbitrary text never crashes the spec reader', () => {
  it('arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 })),
        (text) => {
          readEverywhere(text);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('YAML-ish token soup', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        readEverywhere(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('arbitrary JSON values as JSON and as YAML', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        for (const text of [asJson(value), asYaml(value)]) if (text !== undefined) readEverywhere(text);
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary JS values (fc.anything) as JSON and as YAML', () => {
    fc.assert(
      fc.property(
        fc.anything({
          maxDepth: 3,
          withBoxedValues: true,
          withMap: true,
          withSet: true,
          withDate: true,
          withNullPrototype: true,
          withSparseArray: true,
          withTypedArray: true,
        }),
        (value) => {
          for (const text of [asJson(value), asYaml(value)]) if (text !== undefined) readEverywhere(text);
        },
      ),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// (b) structurally plausible specs
// ---------------------------------------------------------------------------------------------------

describe('(b) structurally plausible specs never crash the spec reader', () => {
  it('random subsets of real fields, random value types, random key casing and extra keys', () => {
    fc.assert(
      fc.property(
        plausibleSpec,
        fc.constantFrom<Casing>('upper', 'lower', 'random'),
        fc.integer(),
        fc.boolean(),
        (spec, casing, seed, recase) => {
          const cased = recase ? recaseStructKeys(spec, jobKind, caser(casing, seed)) : spec;
          for (const text of [asJson(cased), asYaml(cased)]) if (text !== undefined) readEverywhere(text);
        },
      ),
      { numRuns: 800 },
    );
  });

  it('a valid spec with one arbitrary value injected at a job or task field', () => {
    fc.assert(
      fc.property(injectedSpec, (spec) => {
        const text = asJson(spec);
        if (text !== undefined) readEverywhere(text);
      }),
      { numRuns: 800 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// (c) key-case invariance and (d) JSON/YAML parity
// ---------------------------------------------------------------------------------------------------

describe('(c) struct keys are case-insensitive, map keys are not', () => {
  it('the generator of valid specs only makes specs that are accepted', () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        const { prepared } = readEverywhere(JSON.stringify(spec));
        if (!prepared.ok) throw new Error(`valid spec rejected: ${prepared.message}`);
      }),
      { numRuns: 200 },
    );
  });

  it('re-casing every struct key (upper, lower, random) decodes to the same job, map keys kept as written', () => {
    fc.assert(
      fc.property(
        validSpec,
        fc.constantFrom<Casing>('upper', 'lower', 'random'),
        fc.integer(),
        (spec, casing, seed) => {
          const original = readEverywhere(JSON.stringify(spec));
          const recased = readEverywhere(
            JSON.stringify(recaseStructKeys(spec, jobKind, caser(casing, seed))),
          );
          expect(recased).toEqual(original);
          if (!original.client.ok) throw new Error(`valid spec rejected: ${original.client.message}`);
          // Map keys arrive exactly as written, whatever their case.
          const job = original.client.value.job;
          const task = (spec['Tasks'] as Record<string, unknown>[])[0] ?? {};
          expect(job.Meta).toEqual(spec['Meta'] ?? {});
          expect(job.Labels).toEqual(spec['Labels'] ?? {});
          expect(job.Tasks[0]?.Env).toEqual(task['Env']);
          expect(job.Tasks[0]?.Meta).toEqual(task['Meta']);
          expect(job.Tasks[0]?.Engine?.Params).toEqual((task['Engine'] as Record<string, unknown>)['Params']);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('(d) JSON and YAML renderings of one spec decode alike', () => {
  function parity(spec: Record<string, unknown>): void {
    const json = asJson(spec);
    const yaml = asYaml(spec);
    if (json === undefined || yaml === undefined) return;
    const fromJson = readEverywhere(json);
    const fromYaml = readEverywhere(yaml);
    expect(fromYaml).toEqual(fromJson);
  }

  it('valid specs', () => {
    fc.assert(fc.property(validSpec, parity), { numRuns: 300 });
  });

  it('plausible specs, including invalid ones (same job or same problems)', () => {
    fc.assert(fc.property(plausibleSpec, parity), { numRuns: 400 });
  });
});

// ---------------------------------------------------------------------------------------------------
// Regressions: crashes and wrong messages found by the properties above, each with its minimal input.
// ---------------------------------------------------------------------------------------------------

/** The problems a spec is rejected with; fails if it is accepted or if anything but a ValidationError is thrown. */
function problemsOf(text: string): string[] {
  let thrown: unknown;
  try {
    prepareJobForSubmission(text);
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error('expected the spec to be rejected');
  if (!(thrown instanceof BacalhauError))
    throw new Error(`expected a ValidationError, got ${describeThrown(thrown)}`);
  expect(thrown.code).toBe('ValidationError');
  return thrown.message.split('\n');
}

const engine = '"Engine":{"Type":"docker"}';
const withTask = (taskFields: string, jobFields = ''): string =>
  `{"Type":"batch",${jobFields}"Tasks":[{"Name":"t",${engine}${taskFields === '' ? '' : `,${taskFields}`}}]}`;

describe('regressions found by fuzzing', () => {
  it('a null task is a validation problem, not a TypeError', () => {
    expect(problemsOf('{"Type":"batch","Tasks":[null]}').length).toBeGreaterThan(0);
  });

  it('a result path without Path is "missing path", not a TypeError', () => {
    expect(problemsOf(withTask('"ResultPaths":[{"Name":"out"}]'))).toContain(
      'task t validation failed: invalid output: missing path',
    );
  });

  it('a null result path is a validation problem, not a TypeError', () => {
    expect(problemsOf(withTask('"ResultPaths":[null]')).length).toBeGreaterThan(0);
  });

  it('a null input source is a validation problem, not a TypeError', () => {
    expect(problemsOf(withTask('"InputSources":[null]')).length).toBeGreaterThan(0);
  });

  it('a null constraint is a validation problem, not a TypeError', () => {
    expect(problemsOf(withTask('', '"Constraints":[null],')).length).toBeGreaterThan(0);
  });

  it('an empty constraint {} is "selector key cannot be blank", not a TypeError', () => {
    const problems = problemsOf(withTask('', '"Constraints":[{}],'));
    expect(
      problems.some(
        (p) => p.startsWith('constraint 1 validation failed: ') && p.includes('selector key cannot be blank'),
      ),
    ).toBe(true);
  });

  it('a null constraint value is read as "" like Go (a valid selector value), not a TypeError', () => {
    const { job } = prepareJobForSubmission(
      withTask('', '"Constraints":[{"Key":"a","Operator":"in","Values":[null]}],'),
    );
    expect(job.Constraints).toEqual([{ Key: 'a', Operator: 'in', Values: [''] }]);
  });

  it('an empty port mapping {} is a validation problem (port name required), not a TypeError', () => {
    const problems = problemsOf(withTask('"Network":{"Type":"Bridge","Ports":[{}]}'));
    expect(problems.some((p) => p.startsWith('task t validation failed: invalid network: '))).toBe(true);
  });

  it('a null HTTP domain is a validation problem, not a TypeError', () => {
    expect(problemsOf(withTask('"Network":{"Type":"HTTP","Domains":[null]}')).length).toBeGreaterThan(0);
  });

  it('an alias without its anchor (`*a`) is a ValidationError, not a ReferenceError from the YAML library', () => {
    for (const text of ['*a', 'Type: batch\nTasks: *tasks\n']) {
      expect(() => loadJobSpec(text, 'client')).toThrow(BacalhauError);
      expect(() => loadJobSpec(text, 'server')).toThrow(BacalhauError);
      expect(() => prepareJobForSubmission(text)).toThrow(BacalhauError);
    }
  });

  it('a document with runaway aliases is a ValidationError, not a ReferenceError from the YAML library', () => {
    const text =
      'a: &a x\nType: batch\nTasks: [{Name: t, Engine: {Type: docker}}]\n' +
      `Meta: {${Array.from({ length: 5000 }, (_, i) => `k${i}: *a`).join(', ')}}\n`;
    expect(() => loadJobSpec(text, 'server')).toThrow(BacalhauError);
    expect(() => prepareJobForSubmission(text)).toThrow(BacalhauError);
  });

  it('a self-referencing YAML alias in Params is rejected instead of yielding a job that cannot be encoded', () => {
    const text =
      'Type: batch\nTasks:\n- Name: a\n  Engine:\n    Type: docker\n    Params: &p\n      self: *p\n';
    const outcome = attempt('loadJobSpec', () => loadJobSpec(text, 'server'));
    if (outcome.ok) assertEncodable('loadJobSpec', outcome.value.job);
  });

  it("an unknown nested key named like an Object.prototype member ('constructor') is only a warning", () => {
    const { warnings } = loadJobSpec(withTask('"Network":{"Type":"Host","constructor":1}'), 'client');
    expect(warnings).toEqual([
      "unknown field: 'constructor' in 'NetworkConfig' (at Tasks[0].Network) is ignored",
    ]);
  });

  it("an unknown top-level '__proto__' key is reported without a JS object in the message", () => {
    expect(problemsOf(`{"Type":"batch","__proto__":{"x":1},"Tasks":[{"Name":"t",${engine}}]}`)).toEqual([
      "unknown field: '__proto__' in 'Job'",
    ]);
  });

  it('Network {} is the Default network, as in Go (the zero Network is Default), not an invalid type', () => {
    const { job } = prepareJobForSubmission(withTask('"Network":{}'));
    expect(job.Tasks[0]?.Network?.Type ?? 'Default').toBe('Default');
  });

  it('a task without a Name says "task  validation failed" like Go, not "task undefined …"', () => {
    expect(problemsOf(`{"Type":"batch","Tasks":[{${engine}}]}`)).toEqual([
      'task  validation failed: missing task name',
    ]);
  });
});
