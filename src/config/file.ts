/**
 * Reading config files: YAML (JSON is YAML too), keys matched case-insensitively against the schema,
 * every unknown key and ill-typed value reported, not just the first.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import { isPlainObject, repr } from './checks.js';
import type { Problem } from './errors.js';
import { Leaf, type SchemaGroup } from './leaf.js';
import { findChild, findKey, firstKeyIn, isGroupKey, suggestKey } from './keys.js';
import { retiredKeyReplacement, retiredKeyWarnings } from './retired-keys.js';
import { schema, type ConfigKey } from './schema.js';
import { fromData } from './values.js';
import { resolveAliases, YamlAliasHint } from '../models/jobspec/yaml-aliases.js';
import { MaxYamlDepth, yamlTooDeepAt } from '../models/jobspec/yaml-depth.js';
import { yamlText, YamlEncodingError } from '../models/jobspec/yaml-text.js';

/** The problem for a key that is not in the schema, with a "did you mean" when one is close. */
export function unknownKeyProblem(key: string, binName: string, inFile = false): Problem {
  // a file with an unknown key stops every command that reads it, config list too: one that reads none
  const hint = inFile
    ? `Fix or remove it in the file; '${binName} config list -c /dev/null' lists the valid config keys ` +
      '(it reads no config file)'
    : `Run '${binName} config list' for the complete list of valid config keys`;
  if (isGroupKey(key)) {
    const example = firstKeyIn(key);
    return {
      message: `"${key}" is a group of config keys, not a key${example ? ` (e.g. "${example}")` : ''}`,
      hint,
    };
  }
  const replacement = retiredKeyReplacement(key);
  if (replacement !== undefined) {
    // not "did you mean": JobAdmissionControl.AcceptNetworkedJobs is closest to its opposite
    return {
      message: `"${key}" is a key of an earlier Bacalhau version, no longer read: ${replacement}`,
      hint,
    };
  }
  const entry = mapEntryOf(key);
  if (entry !== undefined)
    return mapEntryProblem(key, entry.map, [`${entry.entry}=<value>`, '<key>=<value>']);
  const suggestion = suggestKey(key);
  return {
    message: `"${key}" is not a valid config key${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    hint,
  };
}

/**
 * `Labels.region`: an entry of a map key (which takes its entries in one value), split into the map's
 * key as the schema spells it and the entry; undefined for any other key.
 */
export function mapEntryOf(key: string): { map: ConfigKey; entry: string } | undefined {
  const dot = key.lastIndexOf('.');
  const map = dot > 0 ? findKey(key.slice(0, dot)) : undefined;
  return map?.kind === 'string-map' ? { map: map.key, entry: key.slice(dot + 1) } : undefined;
}

/** The problem of a map entry given as a key, the hint showing the map set to `entries` in one value. */
export function mapEntryProblem(key: string, map: ConfigKey, entries: readonly string[]): Problem {
  return {
    message: `"${key}" is not a valid config key: ${map} is a map, set as a whole`,
    hint: `Give its entries in one value: ${map}=${entries.join(',')}`,
  };
}

const YamlSyntaxHint = 'Fix the YAML syntax of the config file';

/** A YAML syntax error as `yaml: line L, column C: <reason>`. */
export function yamlErrorProblem(err: YAMLError): Problem {
  const pos = err.linePos?.[0];
  const where = (reason: string): string => (pos ? yamlAt(pos.line, pos.col, reason) : `yaml: ${reason}`);
  if (err.code === 'MULTIPLE_DOCS') {
    // the library's words name one of its functions; Go's viper reads the first document silently
    return {
      message: where('a second YAML document starts here (after ---); a config file is one document'),
      hint: 'Merge the documents into one, or put each in its own file and pass each with --config',
    };
  }
  return { message: where(err.message.split(' at line ')[0] ?? err.message), hint: YamlSyntaxHint };
}

/** `yaml: line L, column C: <reason>`, as Go's YAML errors read. */
function yamlAt(line: number, column: number, reason: string): string {
  return `yaml: line ${line}, column ${column}: ${reason}`;
}

/** A config file that is not text in an encoding YAML allows. */
export function encodingProblem(err: YamlEncodingError): Problem {
  return {
    message: `yaml: ${err.message}`,
    hint: 'Convert the config file to UTF-8, e.g. with iconv -t UTF-8',
  };
}

export interface FileValues {
  readonly values: Map<ConfigKey, unknown>;
  readonly problems: Problem[];
  /** What was read but ignored (keys of earlier Bacalhau versions, see retired-keys.ts). */
  readonly warnings?: string[];
  /** A regular file of no bytes (not /dev/null, this CLI's way to read no config file). */
  readonly empty?: boolean;
}

/** Parses config file text into key values, collecting every problem. */
export function parseConfigText(text: string, binName = 'bacalhau'): FileValues {
  const values = new Map<ConfigKey, unknown>();
  const problems: Problem[] = [];
  const deep = yamlTooDeepAt(text);
  if (deep !== undefined) {
    const message = yamlAt(deep.line, deep.column, `nested more than ${MaxYamlDepth} levels deep`);
    return { values, problems: [{ message, hint: 'A config file is a few levels deep: fix its structure' }] };
  }
  // merge keys (`<<: *defaults`) as Go's reader (yaml.v3 under viper) expands them
  const doc = parseDocument(text, { prettyErrors: true, merge: true });
  if (doc.errors.length > 0) {
    return { values, problems: doc.errors.map(yamlErrorProblem) };
  }
  let data: unknown;
  try {
    data = resolveAliases(doc);
  } catch (err) {
    const message = `yaml: ${err instanceof Error ? err.message : String(err)}`;
    return { values, problems: [{ message, hint: YamlAliasHint }] };
  }
  if (data === null || data === undefined) return { values, problems };
  if (!isPlainObject(data)) {
    problems.push({ message: `expected a mapping of config keys at the top level, received: ${repr(data)}` });
    return { values, problems };
  }
  const warnings: string[] = [];
  walk(schema, data, [], { values, problems, warnings }, binName);
  return { values, problems, warnings };
}

function walk(
  group: SchemaGroup,
  data: Record<string, unknown>,
  prefix: readonly string[],
  found: Required<Omit<FileValues, 'empty'>>,
  binName: string,
): void {
  const { values, problems, warnings } = found;
  for (const [name, raw] of Object.entries(data)) {
    const child = findChild(group, name);
    if (child === undefined) {
      const key = [...prefix, name].join('.');
      const retired = retiredKeyWarnings(key, raw);
      if (retired !== undefined) warnings.push(...retired);
      else problems.push(unknownKeyProblem(key, binName, true));
      continue;
    }
    const path = [...prefix, child.name];
    if (raw === null || raw === undefined) continue;
    if (child.node instanceof Leaf) {
      const spec = findKey(path.join('.'));
      if (spec === undefined) continue; // unreachable: every leaf has a key
      const parsed = fromData(spec, raw);
      if (!parsed.ok) problems.push(...parsed.problems);
      else values.set(spec.key, spec.kind === 'string-map' ? lowerCaseKeys(parsed.value) : parsed.value);
    } else if (isPlainObject(raw)) {
      walk(child.node, raw, path, found, binName);
    } else {
      problems.push({
        message: `"${path.join('.')}" is a group of config keys and expects a mapping, received: ${repr(raw)}`,
      });
    }
  }
}

/**
 * A map's keys from a file are lower-cased, as Go's config reader (viper) lower-cases every key of a
 * file: a label `Zone: A` is `zone=A` on the node (`-c Labels=Zone=A` and env vars keep the case, as
 * in Go), and `Zone` in one file and `zone` in another are one entry.
 */
function lowerCaseKeys(map: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
  );
}

/** Reads one config file; a file that cannot be read is one problem. */
export function readConfigFile(path: string, binName = 'bacalhau'): FileValues {
  let text: string;
  try {
    text = yamlText(readFileSync(path));
  } catch (err) {
    if (err instanceof YamlEncodingError) return { values: new Map(), problems: [encodingProblem(err)] };
    const reason = err instanceof Error ? err.message : String(err);
    return { values: new Map(), problems: [{ message: `cannot read the file: ${reason}` }] };
  }
  if (text === '') return { values: new Map(), problems: [], empty: statSync(path).isFile() };
  const read = parseConfigText(text, binName);
  if (!/\.[^./]+$/.test(basename(path)) || /\.(ya?ml|json)$/i.test(path)) return read;
  // named for another format (a .toml, say): Go refuses such a name before reading it
  const problems = read.problems.map((problem) =>
    problem.hint === YamlSyntaxHint
      ? {
          ...problem,
          hint: 'Config files are YAML (Go reads only files named *.yaml or *.yml): write it as YAML',
        }
      : problem,
  );
  return { ...read, problems };
}
