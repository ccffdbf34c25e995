import { BacalhauError, ErrorCode } from '../bacerrors.js';
import { decodeStruct, isPlainObject, jsonTypeOf, type UnknownField } from '../codec.js';
import { JobType } from '../constants.js';
import { emptyJob, type Job } from '../job.js';
import { jobSchema } from '../schemas.js';
import { NilSpecConfig } from '../spec-config.js';
import { PublisherRequired } from '../task.js';
import { appendAll, listedFirst } from '../validate.js';
import { closestKey } from './closest-key.js';
import { oversizedCollections, OversizedCollectionHint } from './collection-size.js';
import { convertLegacySpec, isLegacySpec } from './legacy.js';
import { parseSpecDocument } from './parse.js';
import { unsupportedFieldHint } from './unsupported.js';
import { unknownParamWarnings } from './params.js';
import { wildcardResultPathWarnings } from './result-paths.js';

/**
 * How strictly a spec is read.
 * - `client`: `bacalhau job run|validate`. Unknown or server-managed top-level fields are errors (as
 *   Bacalhau's CLI unmarshaller), and so are fields Bacalhau's docs promise but Bacalhau does not have.
 * - `server`: the HTTP API. Like Go's API it accepts what it can, but says what it ignored in warnings.
 */
export type SpecStrictness = 'client' | 'server';

export interface DecodedJobSpec {
  job: Job;
  warnings: string[];
}

/** A decoded spec with the problems found so far, for callers that add their own checks. */
export interface InspectedJobSpec extends DecodedJobSpec {
  problems: string[];
  /** False when a value had the wrong JSON type: the job then lacks that value, so checking it would mislead. */
  wellTyped: boolean;
}

/** Top-level fields only the server may set. */
const serverManagedKeys = new Set(['id', 'state', 'version', 'revision', 'createtime', 'modifytime']);

/** Parses YAML or JSON text and decodes it into a job (not yet validated or normalized). */
export function loadJobSpec(text: string, strictness: SpecStrictness, source?: string): DecodedJobSpec {
  return decodeJobSpec(parseSpecDocument(text, source), strictness);
}

/** Like decodeJobSpec, but throws one ValidationError listing every problem found. */
export function decodeJobSpec(raw: unknown, strictness: SpecStrictness): DecodedJobSpec {
  const { job, warnings, problems } = inspectJobSpec(raw, strictness);
  if (problems.length > 0) throw invalidJobSpec(problems);
  return { job, warnings };
}

/**
 * Decodes plain data into a Job with Bacalhau's rules: keys match case-insensitively, `Count` defaults
 * to 1 for batch and service jobs when absent, and the legacy v0 spec is converted. Problems are
 * returned, not thrown, so that validation can add its own and the user sees all of them at once.
 */
export function inspectJobSpec(raw: unknown, strictness: SpecStrictness): InspectedJobSpec {
  if (!isPlainObject(raw)) {
    const type = jsonTypeOf(raw);
    throw invalidJobSpec([
      `a job spec must be a mapping of fields, not ${type === 'null' ? '' : /^[aeiou]/.test(type) ? 'an ' : 'a '}${type}`,
    ]);
  }
  // before anything else: every later step costs as much as the spec's longest list or map
  const oversized = oversizedCollections(raw);
  if (oversized.length > 0) throw invalidJobSpec(oversized, OversizedCollectionHint);
  const warnings: string[] = [];
  const problems: string[] = [];
  let spec = raw;
  if (isLegacySpec(raw)) {
    const converted = convertLegacySpec(raw);
    spec = converted.spec;
    appendAll(warnings, converted.warnings);
    appendAll(problems, converted.problems);
  } else if (strictness === 'client') {
    appendAll(problems, topLevelProblems(raw));
  }

  const decoded = decodeStruct<Partial<Job>>(spec, jobSchema());
  appendAll(problems, decoded.errors);
  for (const field of decoded.unknownFields) {
    // The client already judged top-level keys above. Nested ones Bacalhau ignores, on both sides,
    // so a spec written for it runs here too; the warning says what was ignored and why.
    if (strictness === 'client' && field.path === '') continue;
    warnings.push(ignoredFieldWarning(field, unsupportedFieldHint(field.struct, field.key)));
  }
  const job: Job = { ...emptyJob(), ...decoded.value };
  if ((job.Type === JobType.Batch || job.Type === JobType.Service) && !hasKey(spec, 'count')) job.Count = 1;
  if (decoded.errors.length === 0) {
    appendAll(warnings, unknownParamWarnings(job));
    appendAll(warnings, wildcardResultPathWarnings(job));
  }
  return { job, warnings, problems, wellTyped: decoded.errors.length === 0 };
}

/**
 * A server-managed field holding its zero value, as `docker run --dry-run` prints it (Go's too:
 * `ID: ""`, `State: {StateType: Undefined}`, `Version: 0`, ...). Bacalhau refuses these keys whatever
 * their value, so the YAML its own help says to save with `--dry-run > job.yaml` could not be run;
 * unset, they say nothing the server would not set anyway.
 */
function isUnsetServerField(key: string, value: unknown): boolean {
  if (key.toLowerCase() !== 'state') return value === null || value === '' || value === 0;
  return (
    isPlainObject(value) &&
    Object.entries(value).every(
      ([k, v]) => v === null || v === '' || (k.toLowerCase() === 'statetype' && v === 'Undefined'),
    )
  );
}

/** Bacalhau's CLI check of top-level keys, with hints for fields from the aspirational docs. */
function topLevelProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const known = new Set(jobSchema().fields.map((f) => f.name.toLowerCase()));
  for (const [key, value] of Object.entries(raw)) {
    if (serverManagedKeys.has(key.toLowerCase()) && !isUnsetServerField(key, value)) {
      problems.push(`field: '${key}' in 'Job' is not allowed`);
    }
  }
  for (const key of Object.keys(raw)) {
    const lower = key.toLowerCase();
    if (serverManagedKeys.has(lower) || known.has(lower)) continue;
    const hint =
      unsupportedFieldHint('Job', key) ??
      didYouMean(
        key,
        jobSchema().fields.map((f) => f.name),
      );
    problems.push(`unknown field: '${key}' in 'Job'${hint === undefined ? '' : `: ${hint}`}`);
  }
  return problems;
}

function unknownFieldMessage(field: UnknownField): string {
  const where = field.path === '' ? '' : ` (at ${field.path})`;
  return `unknown field: '${field.key}' in '${field.struct}'${where}`;
}

function ignoredFieldWarning(field: UnknownField, hint: string | undefined): string {
  const reason = hint ?? didYouMean(field.key, field.known);
  return `${unknownFieldMessage(field)} is ignored${reason === undefined ? '' : `: ${reason}`}`;
}

function didYouMean(key: string, known: readonly string[]): string | undefined {
  const suggestion = closestKey(key, known);
  return suggestion === undefined ? undefined : `did you mean '${suggestion}'?`;
}

function hasKey(obj: Record<string, unknown>, lowerKey: string): boolean {
  return Object.keys(obj).some((k) => k.toLowerCase() === lowerKey && obj[k] !== null);
}

/**
 * The fix for problems whose message, in Go's words, does not say it: the first problem that a
 * pattern matches gets its hint. Task problems come prefixed (`task main validation failed: …`), and
 * one problem may hold several lines, so the patterns look at how a line ends.
 */
const problemHints: readonly (readonly [RegExp, string])[] = [
  [
    endingWith(PublisherRequired),
    'add a publisher to the task for its results (Publisher: {Type: local}, or -p local with docker run and wasm run)',
  ],
  [
    endingWith(`invalid engine: ${NilSpecConfig}`),
    'add an engine to the task, e.g. Engine: {Type: docker, Params: {Image: <image>}} or Engine: {Type: wasm, Params: {EntryModule: <input target>}}',
  ],
  [/invalid CPU value: /, 'CPU (--cpu) takes cores or millicores: 1, 0.5 or 500m'],
  [
    /invalid (memory|disk) value: /,
    'Memory (--memory) and Disk (--disk) take bytes or a number with a unit: 512mb, 1.5gb or 2gib (kb, mb, gb and tb count in powers of 1000; kib, mib, gib and tib in powers of 1024)',
  ],
  [/invalid GPU value: /, 'GPU (--gpu) takes a whole number of GPUs: 1'],
  [/in 'TimeoutConfig' is invalid type: /, 'timeouts are whole seconds: ExecutionTimeout: 3600 for an hour'],
  [
    /in 'ResourcesConfig' is invalid type: 'number' expected: 'string'/,
    'resources are strings: quote a number in YAML (CPU: "1"), or give a unit (Memory: 512mb)',
  ],
  [/^(missing job type|invalid job type: .*)$/m, 'Type is one of batch, service, daemon or ops'],
  [
    endingWith('input source is missing a target'),
    'give each input source a Target: the absolute path where the task finds it, e.g. /inputs',
  ],
  [
    /environment variable '[^']*' must be uppercase$/m,
    'write environment variable names in upper case: MY_VAR, not my_var',
  ],
];

function endingWith(text: string): RegExp {
  return new RegExp(`${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');
}

/**
 * The error every spec problem becomes: one message line per problem. The hint is the first known
 * problem's, else `fallbackHint` (a hint the code that found the problem gave).
 */
export function invalidJobSpec(problems: readonly string[], fallbackHint?: string): BacalhauError {
  const hint = problemHints.find(([pattern]) => problems.some((p) => pattern.test(p)))?.[1] ?? fallbackHint;
  return new BacalhauError(listedFirst(problems, 'problems').join('\n'), {
    code: ErrorCode.ValidationError,
    component: 'JobSpec',
    details: { problems: String(problems.length) },
    ...(hint === undefined ? {} : { hint }),
  });
}
