/**
 * Loading the configuration. Precedence, lowest first (Bacalhau's `config.New`):
 *
 *   defaults < config files < env vars BACALHAU_<KEY> < flags < `-c key=value`
 *
 * Config files are the `-c <file>` values merged in order; when there are none, `<DataDir>/config.yaml`
 * if it exists (DataDir resolved from every other source). The result is validated and deeply frozen.
 */
import { statSync, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../models/bacerrors.js';
import { isPlainObject } from './checks.js';
import { throwIfProblems, type Problem } from './errors.js';
import { deepFreeze } from '../lib/deep-freeze.js';
import { mapEntryOf, mapEntryProblem, readConfigFile, unknownKeyProblem } from './file.js';
import type { DefaultsContext } from './leaf.js';
import { buildTree, configKeys, defaultValues, findKey, isGroupKey, type KeySpec } from './keys.js';
import { absPath, defaultConfigFileName, expandHome, homeDirectory } from './paths.js';
import { defaultDataDir, type BacalhauConfig, type ConfigKey } from './schema.js';
import { validateConfig } from './validate.js';
import { fromData, fromText } from './values.js';

/** What is said of an empty config file (Go's words). */
const EmptyFileWarning = 'the specified configuration file is empty and ineffectual';

export interface LoadOptions {
  /** The `-c/--config` values in order: config file paths and `key=value` overrides. */
  readonly config?: readonly string[];
  /** The config file given is to be written (`config set`): an empty one is not warned of, as in Go. */
  readonly writing?: boolean;
  /**
   * Values of flags bound to config keys (e.g. `--api-port` → `API.Port`); keys match case-insensitively.
   * Strings are parsed like `-c key=value` values; other values must already have the key's type.
   */
  readonly flags?: Readonly<Partial<Record<ConfigKey, unknown>>> | Readonly<Record<string, unknown>>;
  /** The `--data-dir` flag (same as `flags.DataDir`); made absolute against `cwd`. */
  readonly dataDir?: string;
  /** Environment variables (never read from process.env directly). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. Default: process.cwd(). */
  readonly cwd?: string;
  /** Home directory for `~` and the default data dir. Default: env HOME, else os.homedir(). */
  readonly home?: string;
  /** CPU count for defaults (Orchestrator.Scheduler.WorkerCount). Default: os.availableParallelism(). */
  readonly numCpu?: number;
  /** Name of the CLI binary, used in hints. Default: `bacalhau`. */
  readonly binName?: string;
}

/** Where a key's value came from. */
export type ValueSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'flag' }
  | { readonly kind: 'config-flag' };

export interface LoadedConfig {
  /** The resolved configuration, deeply frozen. */
  readonly config: BacalhauConfig;
  /** Config files merged, lowest precedence first (absolute paths). */
  readonly files: readonly string[];
  /** Where each key's value came from. */
  readonly sources: ReadonlyMap<ConfigKey, ValueSource>;
  /** What the config files hold that was ignored, each naming its file: for the user to see. */
  readonly warnings: readonly string[];
}

/** Loads, merges, validates and freezes the configuration. Throws a BacalhauError listing every problem. */
export function load(options: LoadOptions = {}): BacalhauConfig {
  return loadConfig(options).config;
}

/** As `load`, also telling which files were read and where each value came from. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? {};
  const home = options.home ?? homeDirectory(env);
  const cwd = options.cwd ?? process.cwd();
  const binName = options.binName ?? 'bacalhau';
  const ctx: DefaultsContext = { home, numCpu: options.numCpu ?? availableParallelism() };

  const configArgs = parseConfigArgs(options.config ?? [], { cwd, home, binName });
  const envLayer = readEnv(env);
  const flagLayer = readFlags(options, { cwd, home, binName });

  const files = [...configArgs.files];
  if (files.length === 0) {
    // Bacalhau looks for <DataDir>/config.yaml last, with DataDir resolved from every other source.
    const dataDir =
      configArgs.values.get('DataDir') ??
      flagLayer.values.get('DataDir') ??
      envLayer.values.get('DataDir')?.value ??
      defaultDataDir(home);
    const dir = typeof dataDir === 'string' ? dataDir : defaultDataDir(home);
    const candidate = join(expandHome(dir, home), defaultConfigFileName);
    if (isFile(candidate)) files.push(candidate);
  }
  const fileLayers = files.map((path) => ({ path, ...readConfigFile(path, binName) }));

  throwIfProblems([
    { subject: '--config flag', problems: configArgs.problems, code: ErrorCode.ValidationError },
    { subject: 'flags', problems: flagLayer.problems, code: ErrorCode.ValidationError },
    { subject: 'environment', problems: envLayer.problems },
    ...fileLayers.map((f) => ({ subject: `config file ${JSON.stringify(f.path)}`, problems: f.problems })),
  ]);

  const values = defaultValues(ctx);
  const sources = new Map<ConfigKey, ValueSource>(configKeys.map((spec) => [spec.key, { kind: 'default' }]));
  for (const layer of fileLayers) {
    for (const [key, value] of layer.values) {
      const previous = values.get(key);
      const merge =
        findKey(key)?.leaf.options.mergeFiles === true &&
        sources.get(key)?.kind === 'file' &&
        isPlainObject(previous) &&
        isPlainObject(value);
      values.set(key, merge ? { ...previous, ...value } : value);
      sources.set(key, { kind: 'file', path: layer.path });
    }
  }
  for (const [key, { value, name }] of envLayer.values) {
    values.set(key, value);
    sources.set(key, { kind: 'env', name });
  }
  for (const [key, value] of flagLayer.values) {
    values.set(key, value);
    sources.set(key, { kind: 'flag' });
  }
  for (const [key, value] of configArgs.values) {
    values.set(key, value);
    sources.set(key, { kind: 'config-flag' });
  }
  values.set('DataDir', expandHome(String(values.get('DataDir')), home));

  const config = buildTree(values);
  throwIfProblems([{ subject: '', problems: validateConfig(config) }]);
  // Go warns of an empty file given with --config to read, not of an empty <DataDir>/config.yaml
  const warnOfEmpty = configArgs.files.length > 0 && options.writing !== true;
  const warnings = fileLayers.flatMap((f) =>
    [...(f.warnings ?? []), ...(f.empty === true && warnOfEmpty ? [EmptyFileWarning] : [])].map(
      (warning) => `config file ${JSON.stringify(f.path)}: ${warning}`,
    ),
  );
  return { config: deepFreeze(config), files, sources, warnings };
}

/** DataDir is kept absolute; every other value as parsed. */
function resolvedValue(key: ConfigKey, value: unknown, paths: PathContext): unknown {
  return key === 'DataDir' ? absPath(String(value), paths.cwd, paths.home) : value;
}

interface PathContext {
  readonly cwd: string;
  readonly home: string;
  readonly binName: string;
}

/**
 * Sorts `-c` values into files and key=value overrides. A value with `=` whose left side is a key is an
 * override; a bare boolean key means `true`; anything else must be an existing file.
 */
export function parseConfigArgs(
  args: readonly string[],
  paths: PathContext,
): { files: string[]; values: Map<ConfigKey, unknown>; problems: Problem[] } {
  const files: string[] = [];
  const values = new Map<ConfigKey, unknown>();
  const problems: Problem[] = [];
  /** `-c Labels.zone=a -c Labels.disk=ssd`: each map's entries, for one hint setting them all at once. */
  const mapEntries = new Map<ConfigKey, { keys: string[]; entries: string[] }>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const entry = eq > 0 && !/\s/.test(arg) ? mapEntryOf(arg.slice(0, eq)) : undefined;
    if (entry !== undefined) {
      const given = mapEntries.get(entry.map) ?? { keys: [], entries: [] };
      given.keys.push(arg.slice(0, eq));
      given.entries.push(`${entry.entry}=${arg.slice(eq + 1)}`);
      mapEntries.set(entry.map, given);
      continue;
    }
    const spec = findKey(eq >= 0 ? arg.slice(0, eq) : arg);
    if (spec !== undefined) {
      if (eq < 0 && spec.kind !== 'bool') {
        problems.push({
          message: `config flag key requires a value.\nTo correct this provide a value to the config, e.g. --config ${arg}=<value>`,
        });
        continue;
      }
      const parsed = eq < 0 ? { ok: true as const, value: true } : fromText(spec, arg.slice(eq + 1), true);
      if (!parsed.ok) {
        problems.push(...parsed.problems);
        continue;
      }
      values.set(spec.key, resolvedValue(spec.key, parsed.value, paths));
      continue;
    }
    const path = absPath(arg, paths.cwd, paths.home);
    const stat = statOrError(path);
    if (!(stat instanceof Error)) {
      if (stat.isDirectory()) {
        problems.push({ message: `specified configuration file is a directory, must be a file: ${arg}` });
      } else {
        // Not only regular files: `-c /dev/null` (no config) and `-c <(…)` (a pipe) are read as files.
        files.push(path);
      }
    } else if (stat.code !== 'ENOENT' && stat.code !== 'ENOTDIR') {
      problems.push({
        message: `specified configuration file cannot be read: ${arg} (${stat.code ?? stat.message})`,
      });
    } else if (eq > 0 || looksLikeKey(arg) || isGroupKey(arg)) {
      const problem = unknownKeyProblem(eq > 0 ? arg.slice(0, eq) : arg, paths.binName);
      problems.push(
        /\s/.test(arg) ? { ...problem, hint: ownDashCHint(problem.hint, paths.binName) } : problem,
      );
    } else {
      const hint = 'Pass an existing config file or a key=value pair to --config';
      problems.push({
        message: `specified configuration file doesn't exist: ${arg}`,
        hint: /\s/.test(arg) ? ownDashCHint(hint, paths.binName) : hint,
      });
    }
  }
  for (const [map, { keys, entries }] of mapEntries) {
    problems.push(...keys.map((key) => mapEntryProblem(key, map, entries)));
  }
  return { files, values, problems };
}

/**
 * For a --config value with spaces in it: most likely a container's `sh -c '…'` (`docker run ubuntu
 * sh -c 'ls /in'`, or `'x=$(…); …'`) taken for the CLI's own -c.
 */
function ownDashCHint(hint: string | undefined, binName: string): string {
  return (
    `${hint ?? ''}${hint ? '. ' : ''}For a command's own -c (sh -c '…'), ` +
    `put -- before the command: ${binName} docker run IMAGE -- sh -c '…'`
  );
}

/** `Compute.Enabled`, `api.port`: dotted words with no path separator or file extension. */
function looksLikeKey(arg: string): boolean {
  return /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/.test(arg) && !/\.(ya?ml|json)$/i.test(arg);
}

/** Env vars `BACALHAU_<KEY>` (then the key's aliases, e.g. BACALHAU_DIR, LOG_LEVEL); empty means unset. */
function readEnv(env: Readonly<Record<string, string | undefined>>): {
  values: Map<ConfigKey, { value: unknown; name: string }>;
  problems: Problem[];
} {
  const values = new Map<ConfigKey, { value: unknown; name: string }>();
  const problems: Problem[] = [];
  for (const spec of configKeys) {
    for (const name of envNames(spec)) {
      const text = env[name];
      if (text === undefined || text === '') continue;
      const parsed = fromText(spec, text, false);
      if (parsed.ok) values.set(spec.key, { value: parsed.value, name });
      else problems.push(...parsed.problems.map((p) => ({ ...p, message: `${name}: ${p.message}` })));
      break;
    }
  }
  return { values, problems };
}

/** The env vars that set a key, highest precedence first. */
export function envNames(spec: KeySpec): readonly string[] {
  return [spec.env, ...(spec.leaf.options.envAliases ?? [])];
}

function readFlags(
  options: LoadOptions,
  paths: PathContext,
): { values: Map<ConfigKey, unknown>; problems: Problem[] } {
  const values = new Map<ConfigKey, unknown>();
  const problems: Problem[] = [];
  const entries: Array<[string, unknown]> = Object.entries(options.flags ?? {});
  if (options.dataDir !== undefined) entries.push(['DataDir', options.dataDir]);
  for (const [name, raw] of entries) {
    if (raw === undefined) continue;
    const spec = findKey(name);
    if (spec === undefined) {
      problems.push(unknownKeyProblem(name, paths.binName));
      continue;
    }
    const parsed = typeof raw === 'string' ? fromText(spec, raw, true) : fromData(spec, raw);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    values.set(spec.key, resolvedValue(spec.key, parsed.value, paths));
  }
  return { values, problems };
}

function statOrError(path: string): Stats | NodeJS.ErrnoException {
  try {
    return statSync(path);
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

function isFile(path: string): boolean {
  const stat = statOrError(path);
  return !(stat instanceof Error) && stat.isFile();
}
