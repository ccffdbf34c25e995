/**
 * Turning raw input into typed config values, one function per kind of input:
 *  - `fromData`: values already structured (YAML/JSON files, typed flag values);
 *  - `fromText`: one string (env vars, `-c key=value`, flags); lists are comma-separated, maps `k=v,k2=v2`;
 *  - `fromArgs`: the argument list of `config set` (Bacalhau's `CastConfigValueForKey`).
 * Every problem names the key, the value received and the type expected.
 */
import { parse as parseYaml } from 'yaml';
import { DurationSyntaxError, canonicalDuration } from '../models/duration.js';
import { isPlainObject, repr } from './checks.js';
import type { Problem } from './errors.js';
import type { KeySpec } from './keys.js';

export type Parsed = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

const fail = (message: string, hint?: string): Parsed => ({
  ok: false,
  problems: [hint === undefined ? { message } : { message, hint }],
});

const hints = {
  bool: "Accepted formats: 'true' or 'false'",
  int: "Accepted formats: '1', '2', '10', etc.",
  duration:
    "Accepted formats: 'h' (hours), 'm' (minutes), 's' (seconds), 'ms' (milliseconds), etc. Example: '2h45m', '30s', '100ms'",
  map: "Accepted formats: 'key=value', 'key1=value1,key2=value2', etc.",
  list: "Accepted formats: 'a', 'a,b,c'",
};

const goTrue = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const goFalse = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function typeProblem(spec: KeySpec, expected: string, raw: unknown, hint?: string): Parsed {
  return fail(`config key: "${spec.key}" expects ${expected}, received: ${repr(raw)}`, hint);
}

function parseBoolText(spec: KeySpec, text: string): Parsed {
  if (goTrue.has(text)) return { ok: true, value: true };
  if (goFalse.has(text)) return { ok: true, value: false };
  return typeProblem(spec, 'a boolean value', text, hints.bool);
}

function parseIntText(spec: KeySpec, text: string): Parsed {
  const unsigned = spec.kind === 'uint';
  const pattern = unsigned ? /^\+?\d+$/ : /^[+-]?\d+$/;
  const n = Number(text);
  if (!pattern.test(text) || !Number.isSafeInteger(n)) {
    return typeProblem(spec, unsigned ? 'a positive integer value' : 'an integer value', text, hints.int);
  }
  return { ok: true, value: n };
}

function parseDurationText(spec: KeySpec, text: string): Parsed {
  try {
    return { ok: true, value: canonicalDuration(text.trim()) };
  } catch (err) {
    if (!(err instanceof DurationSyntaxError)) throw err;
    return typeProblem(spec, 'a valid duration value', text, hints.duration);
  }
}

/**
 * Bacalhau's `StringSliceToMap`: `k=v,k2=v2`, exactly one `=` per pair, key and value non-empty.
 * Not `strict` (env vars), as lists there: spaces around pairs, keys and values are dropped, and so
 * are empty pairs (`BACALHAU_LABELS="zone=a, disk=ssd"` is two labels, not one keyed " disk").
 */
function parseMapText(spec: KeySpec, text: string, strict: boolean): Parsed {
  const out: Record<string, string> = {};
  const items = strict ? text.split(',') : text.split(',').filter((item) => item.trim() !== '');
  for (const item of items) {
    const tokens = strict ? item.split('=') : item.split('=').map((token) => token.trim());
    const [key = '', value = ''] = tokens;
    let reason: string | undefined;
    if (tokens.length < 2) reason = `no '=' in '${item}'`;
    else if (tokens.length > 2) reason = `multiple '=' in '${item}', only one is allowed per pair`;
    else if (key === '') reason = `missing key before '=' in '${item}'`;
    else if (value === '') reason = `missing value after '=' for key '${key}'`;
    if (reason !== undefined) {
      return fail(
        `config key: "${spec.key}" expects key=value pairs separated by commas, received: ${repr(text)}: ${reason}`,
        hints.map,
      );
    }
    out[key] = value;
  }
  return { ok: true, value: out };
}

/**
 * Comma-separated list. `strict` (command-line input) follows Bacalhau: no spaces or `;`, no empty items;
 * otherwise (env vars) items are trimmed and empty ones dropped.
 */
function parseListText(spec: KeySpec, text: string, strict: boolean): Parsed {
  if (!strict) {
    return {
      ok: true,
      value: text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    };
  }
  const bad = (reason: string): Parsed =>
    fail(
      `config key: "${spec.key}" expects a comma-separated list, received: ${repr(text)}: ${reason}`,
      hints.list,
    );
  if (text.includes(';') || text.includes(' ')) return bad('invalid separator, only comma (,) is allowed');
  const tokens = text.split(',');
  if (tokens.length === 1) return { ok: true, value: tokens };
  const empty = tokens.findIndex((t) => t.trim() === '');
  if (empty >= 0) return bad(`empty item at position ${empty}`);
  return { ok: true, value: tokens.map((t) => t.trim()) };
}

/** Applies the key's allowed values and extra check to a well-typed value. */
function refine(spec: KeySpec, parsed: Parsed): Parsed {
  if (!parsed.ok) return parsed;
  let value = parsed.value;
  const options = spec.leaf.options;
  const oneOf = options.oneOf;
  if (oneOf !== undefined && typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    const match = oneOf.find((allowed) => allowed.toLowerCase() === lower);
    if (match === undefined) {
      return typeProblem(spec, `one of ${oneOf.map((v) => JSON.stringify(v)).join(', ')}`, value);
    }
    value = match;
  }
  const problem = options.check?.(value);
  if (problem !== undefined) return fail(`config key: "${spec.key}": ${problem}`);
  return { ok: true, value };
}

/** A value from a parsed YAML/JSON document (or a typed flag value). */
export function fromData(spec: KeySpec, raw: unknown): Parsed {
  return refine(spec, fromDataUnrefined(spec, raw));
}

function fromDataUnrefined(spec: KeySpec, raw: unknown): Parsed {
  const scalar = typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean';
  switch (spec.kind) {
    case 'string':
      return scalar ? { ok: true, value: String(raw) } : typeProblem(spec, 'a string value', raw);
    case 'bool':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      return typeof raw === 'string'
        ? parseBoolText(spec, raw)
        : typeProblem(spec, 'a boolean value', raw, hints.bool);
    case 'int':
    case 'uint':
      if (typeof raw === 'number' || typeof raw === 'string') return parseIntText(spec, String(raw).trim());
      return typeProblem(
        spec,
        spec.kind === 'uint' ? 'a positive integer value' : 'an integer value',
        raw,
        hints.int,
      );
    case 'duration':
      if (raw === 0) return { ok: true, value: '0s' };
      return typeof raw === 'string'
        ? parseDurationText(spec, raw)
        : typeProblem(spec, 'a valid duration value', raw, hints.duration);
    case 'string-list':
      if (typeof raw === 'string') return parseListText(spec, raw, false);
      if (Array.isArray(raw) && raw.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) {
        return { ok: true, value: raw.map((item) => String(item)) };
      }
      return typeProblem(spec, 'a list of strings', raw, hints.list);
    case 'string-map': {
      if (typeof raw === 'string') return parseMapText(spec, raw, false);
      if (!isPlainObject(raw)) return typeProblem(spec, 'a mapping of strings to strings', raw, hints.map);
      const nested = Object.entries(raw).find(([, v]) => v !== null && typeof v === 'object');
      if (nested !== undefined) {
        const [name, value] = nested;
        return fail(`config key: "${spec.key}.${name}" expects a string, received: ${repr(value)}`);
      }
      // an entry with no value (`spot:`) is empty, as Go's weakly typed decoding makes it
      return {
        ok: true,
        value: Object.fromEntries(
          Object.entries(raw).map(([k, v]) => [k, v === null ? '' : String(v as string | number | boolean)]),
        ),
      };
    }
    case 'object': {
      const decoded = spec.leaf.options.decode?.(raw, spec.key);
      if (decoded === undefined) return { ok: true, value: raw };
      return decoded.ok
        ? { ok: true, value: decoded.value }
        : { ok: false, problems: decoded.problems.map((message) => ({ message })) };
    }
  }
}

/**
 * A value given as one string: env vars (`strict: false`), `-c key=value` and flags (`strict: true`).
 * Structured (object) keys take JSON or YAML text.
 */
export function fromText(spec: KeySpec, text: string, strict: boolean): Parsed {
  return refine(spec, fromTextUnrefined(spec, text, strict));
}

function fromTextUnrefined(spec: KeySpec, text: string, strict: boolean): Parsed {
  switch (spec.kind) {
    case 'string':
      return { ok: true, value: text };
    case 'bool':
      return parseBoolText(spec, text.trim());
    case 'int':
    case 'uint':
      return parseIntText(spec, text.trim());
    case 'duration':
      return parseDurationText(spec, text);
    case 'string-list':
      return parseListText(spec, text, strict);
    case 'string-map':
      return parseMapText(spec, text, strict);
    case 'object': {
      let data: unknown;
      try {
        data = parseYaml(text);
      } catch (err) {
        return typeProblem(
          spec,
          'a JSON or YAML value',
          text,
          err instanceof Error ? err.message : undefined,
        );
      }
      return fromDataUnrefined(spec, data);
    }
  }
}

/**
 * The values of `config set <key> <value...>` (Bacalhau's `CastConfigValueForKey` with a string slice):
 * several values make a list; a single value with commas is split; other kinds use the first value.
 */
export function fromArgs(spec: KeySpec, values: readonly string[]): Parsed {
  const [first = ''] = values;
  if (spec.kind === 'string-list') {
    if (values.length === 1 && first.includes(',')) return { ok: true, value: first.split(',') };
    return { ok: true, value: [...values] };
  }
  return fromText(spec, first, true);
}

/** Go's `%v` rendering of a value, as `config list` prints it (`[a b]`, `map[k:v]`, `1m0s`). */
export function formatValue(spec: KeySpec, value: unknown): string {
  const options = spec.leaf.options;
  return options.format === undefined ? goFormat(value) : options.format(value);
}

export function goFormat(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(value[k])}`).join(' ')}]`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return value.toString();
  if (value === undefined || value === null) return '<nil>';
  return JSON.stringify(value) ?? '';
}
