/**
 * The parameters each engine, input source and publisher reads from its `Params` map. The map is free
 * in the job's schema, and the nodes ignore keys they do not read (Go's decoders and ours alike), so a
 * misspelt or invented one (`Content` for an inline input, `Headers` for a URL) vanished without a
 * word. Named here as a warning at submission, with the parameters that exist. Types not listed here
 * (a custom engine, a Go node's plugin) are not judged.
 */
import type { InputSource, Job, SpecConfig } from '../index.js';
import { getField } from '../codec.js';
import { isBlank } from '../validate.js';
import { closestKey } from './closest-key.js';

const engines: Readonly<Record<string, readonly string[]>> = {
  docker: ['Image', 'Entrypoint', 'Parameters', 'EnvironmentVariables', 'WorkingDirectory'],
  wasm: ['EntryModule', 'Entrypoint', 'Parameters', 'ImportModules'],
};

/**
 * Where what a parameter the docs promise, and no node reads, is set instead (by type, then key, both
 * lower case): said in place of a "did you mean".
 */
const setInstead: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  wasm: { environmentvariables: "set the variables in the task's Env instead" },
};

const inputs: Readonly<Record<string, readonly string[]>> = {
  inline: ['URL'],
  urldownload: ['URL'],
  local: ['SourcePath', 'ReadWrite', 'CreateAs'],
  localdirectory: ['SourcePath', 'ReadWrite'],
  s3: ['Bucket', 'Key', 'Filter', 'Region', 'Endpoint', 'VersionID', 'ChecksumSHA256', 'Partition'],
  s3presigned: ['PreSignedURL', 'SourceSpec'],
  ipfs: ['CID'],
};

/**
 * The parameter without which an input source of a type this project's nodes serve cannot be fetched,
 * and what it holds. Go's nodes refuse such an input only when they come to fetch it, retrying on other
 * nodes; the orchestrator here refuses the submission (models/engines/check.ts).
 */
const requiredInputParams: Readonly<Record<string, readonly [name: string, holds: string]>> = {
  inline: ['URL', 'a data: URL holding the content, e.g. "data:text/plain;base64,aGVsbG8="'],
  urldownload: ['URL', 'the http:// or https:// URL of a file'],
  local: ['SourcePath', 'the path on the compute node'],
  localdirectory: ['SourcePath', 'the path on the compute node'],
};

const publishers: Readonly<Record<string, readonly string[]>> = {
  local: [],
  noop: [],
  ipfs: [],
  s3: ['Bucket', 'Key', 'Endpoint', 'Region', 'Encoding'],
};

/** One warning per parameter no engine, input source or publisher of the job reads. */
export function unknownParamWarnings(job: Job): string[] {
  const warnings: string[] = [];
  job.Tasks.forEach((task, i) => {
    const at = `Tasks[${i}]`;
    check(warnings, `${at}.Engine`, task.Engine, engines, 'engine');
    (task.InputSources ?? []).forEach((input, j) => {
      check(warnings, `${at}.InputSources[${j}].Source`, input.Source, inputs, 'input source');
    });
    check(warnings, `${at}.Publisher`, task.Publisher, publishers, 'publisher');
  });
  return warnings;
}

/** `<param> is missing: …` when `input` lacks its type's required parameter, else undefined. */
export function missingInputParam(input: InputSource): string | undefined {
  const type = input.Source?.Type ?? '';
  const required = forType(requiredInputParams, type);
  if (required === undefined) return undefined;
  const [name, holds] = required;
  const value = getField(input.Source?.Params ?? {}, name);
  const missing = value === undefined || value === null || (typeof value === 'string' && isBlank(value));
  return missing ? `${name} is missing: the ${type} input source needs it (${holds})` : undefined;
}

function check(
  warnings: string[],
  path: string,
  spec: SpecConfig | undefined,
  known: Readonly<Record<string, readonly string[]>>,
  kind: string,
): void {
  const type = spec?.Type ?? '';
  const names = forType(known, type);
  if (names === undefined) return;
  const lower = new Set(names.map((n) => n.toLowerCase()));
  for (const key of Object.keys(spec?.Params ?? {})) {
    if (lower.has(key.toLowerCase())) continue;
    const reads = names.length === 0 ? 'none' : names.join(', ');
    const suggestion = closestKey(key, names);
    const fix =
      setInstead[type.toLowerCase()]?.[key.toLowerCase()] ??
      (suggestion === undefined ? undefined : `did you mean '${suggestion}'?`);
    warnings.push(
      `${path}.Params.${key} is not a parameter of the ${type} ${kind} (it reads ${reads}) and is ignored` +
        (fix === undefined ? '' : `: ${fix}`),
    );
  }
}

/** The entry of `table` for a spec type, whatever its case (the tables' keys are lower case). */
function forType<T>(table: Readonly<Record<string, T>>, type: string): T | undefined {
  const key = type.toLowerCase();
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
