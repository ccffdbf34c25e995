/**
 * Value checks and decoders used by the schema: allocated-capacity strings and the two structured auth
 * keys (`API.Auth.Methods`, `API.Auth.Users`). Field names inside structured values match
 * case-insensitively, like every other key.
 */
import { goRegExp } from '../lib/go-regexp.js';
import { parseBytes, parseCpu, parseGpu } from '../models/resources.js';
import type { Decoded } from './leaf.js';

/** `types.AuthenticatorConfig`: one named authentication method. */
export interface AuthenticatorConfig {
  readonly Type: string;
  readonly PolicyPath?: string;
}

/** `types.Capability`: actions granted to a user, e.g. `read:job`, `write:*`. */
export interface AuthCapability {
  readonly Actions?: readonly string[];
}

/** `types.AuthUser`: a user of the username/password or API-key auth mechanism. */
export interface AuthUser {
  readonly Alias?: string;
  readonly Username?: string;
  readonly Password?: string;
  readonly APIKey?: string;
  readonly Capabilities?: readonly AuthCapability[];
}

/** A printable rendering of a raw value for error messages (strings quoted, like Go's %q). */
export function repr(raw: unknown): string {
  if (raw === undefined) return 'null';
  if (typeof raw === 'string') return JSON.stringify(raw);
  try {
    const json = JSON.stringify(raw) as string | undefined;
    if (json !== undefined) return json;
  } catch {
    // cyclic or otherwise unserialisable: fall through
  }
  return typeof raw === 'bigint' ? raw.toString() : Object.prototype.toString.call(raw);
}

export function isPlainObject(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

type FieldDecoder = (raw: unknown, path: string, problems: string[]) => unknown;

const stringField: FieldDecoder = (raw, path, problems) => {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  problems.push(`config key: "${path}" expects a string value, received: ${repr(raw)}`);
  return undefined;
};

const stringListField: FieldDecoder = (raw, path, problems) => {
  if (!Array.isArray(raw)) {
    problems.push(`config key: "${path}" expects a list of strings, received: ${repr(raw)}`);
    return undefined;
  }
  return raw.map((item, i) => stringField(item, `${path}[${i}]`, problems));
};

function listOf(item: FieldDecoder): FieldDecoder {
  return (raw, path, problems) => {
    if (!Array.isArray(raw)) {
      problems.push(`config key: "${path}" expects a list, received: ${repr(raw)}`);
      return undefined;
    }
    return raw.map((entry, i) => item(entry, `${path}[${i}]`, problems));
  };
}

function mapOf(item: FieldDecoder): FieldDecoder {
  return (raw, path, problems) => {
    if (!isPlainObject(raw)) {
      problems.push(`config key: "${path}" expects a mapping, received: ${repr(raw)}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(raw)) out[name] = item(entry, `${path}.${name}`, problems);
    return out;
  };
}

/** A Go struct: fields matched case-insensitively; empty fields are omitted (Go's `omitempty`). */
function structOf(fields: Record<string, FieldDecoder>): FieldDecoder {
  const byLower = new Map(Object.keys(fields).map((name) => [name.toLowerCase(), name]));
  return (raw, path, problems) => {
    if (!isPlainObject(raw)) {
      problems.push(`config key: "${path}" expects a mapping, received: ${repr(raw)}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(raw)) {
      const field = byLower.get(name.toLowerCase());
      const decode = field === undefined ? undefined : fields[field];
      if (field === undefined || decode === undefined) {
        problems.push(
          `"${path}.${name}" is not a valid config key (fields of ${path}: ${Object.keys(fields).join(', ')})`,
        );
        continue;
      }
      if (value === null || value === undefined) continue;
      const decoded = decode(value, `${path}.${field}`, problems);
      if (decoded === undefined || decoded === '' || (Array.isArray(decoded) && decoded.length === 0))
        continue;
      out[field] = decoded;
    }
    return out;
  };
}

function decoder<T>(decode: FieldDecoder): (raw: unknown, path: string) => Decoded<T> {
  return (raw, path) => {
    const problems: string[] = [];
    const value = decode(raw, path, problems);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, value: value as T };
  };
}

export const decodeAuthMethods = decoder<Readonly<Record<string, AuthenticatorConfig>>>(
  mapOf(structOf({ Type: stringField, PolicyPath: stringField })),
);

export const decodeAuthUsers = decoder<readonly AuthUser[]>(
  listOf(
    structOf({
      Alias: stringField,
      Username: stringField,
      Password: stringField,
      APIKey: stringField,
      Capabilities: listOf(structOf({ Actions: stringListField })),
    }),
  ),
);

/** Go's strconv.ParseFloat for the plain decimal forms a percentage can take. */
const floatPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The parsers the compute node reads an absolute amount with at start (allocated.ts). */
const amountParsers = { CPU: parseCpu, Memory: parseBytes, Disk: parseBytes, GPU: parseGpu };

/**
 * Allocated capacity of one resource: a percentage of what the node has (`80%`) or an absolute amount
 * (`4`, `500m` CPU; `16Gi`, `10GB` memory/disk; `1` GPU). Messages follow Bacalhau's `ResourceScaler`.
 */
export function capacityCheck(
  dimension: 'CPU' | 'Memory' | 'Disk' | 'GPU',
): (value: string) => string | undefined {
  const lower = dimension.toLowerCase();
  return (value) => {
    if (value === '') return undefined;
    if (value.endsWith('%')) {
      const text = value.slice(0, -1);
      const prefix = dimension === 'GPU' ? '' : `${lower} capacity `;
      if (!floatPattern.test(text)) return `${prefix}invalid percentage format: ${JSON.stringify(value)}`;
      const pct = Number(text);
      if (pct < 0 || pct > 100) return `${prefix}percentage must be between 0% and 100%, got ${value}`;
      return undefined;
    }
    // Parsed as the node will parse it, so a value accepted here cannot fail the node's start.
    let amount: number;
    try {
      amount = amountParsers[dimension](value);
    } catch {
      amount = NaN;
    }
    // A negative CPU (which Go's ParseFloat reads) would leave the node a negative capacity.
    if (!(amount >= 0)) return `invalid ${dimension} value ${JSON.stringify(value)}`;
    return dimension === 'Memory' || dimension === 'Disk' ? fractionOfAByteProblem(value) : undefined;
  };
}

/**
 * A unitless (or `b`) amount is a count of bytes, which Bacalhau truncates: `Memory=0.5`, most likely
 * meant as half the machine, gives the node 0 bytes and it then takes no job, without a word.
 */
function fractionOfAByteProblem(value: string): string | undefined {
  if (!/^\d*\.\d*[1-9]\d*\s*b?$/i.test(value.trim())) return undefined;
  return (
    `${JSON.stringify(value)} is a number of bytes, which must be whole: give a percentage of the ` +
    'machine (e.g. "50%") or an amount with a unit (e.g. "512Mi", "16Gi")'
  );
}

/** A task timeout: 0s is no limit, and a negative one would make every job that takes it invalid. */
export function taskTimeoutProblem(value: string): string | undefined {
  return value.startsWith('-')
    ? `${value} is negative: give a positive duration, or 0s for no limit`
    : undefined;
}

/** Go (RE2) regular expressions: each must read as one, or it would match nothing without a word. */
export function regexpListProblem(patterns: readonly string[]): string | undefined {
  for (const pattern of patterns) {
    try {
      goRegExp(pattern);
    } catch (err) {
      return `${JSON.stringify(pattern)} is not a regular expression: ${(err as Error).message}`;
    }
  }
  return undefined;
}

/** Go's `%v` of `map[string]AuthenticatorConfig`: `map[ClientKey:{challenge }]`. */
export function formatAuthMethods(methods: Readonly<Record<string, AuthenticatorConfig>>): string {
  const entries = Object.keys(methods)
    .sort()
    .map((name) => `${name}:{${methods[name]?.Type ?? ''} ${methods[name]?.PolicyPath ?? ''}}`);
  return `map[${entries.join(' ')}]`;
}

/** Go's `%v` of `[]AuthUser`: `[{alias name password key [{[read:job]}]}]`. */
export function formatAuthUsers(users: readonly AuthUser[]): string {
  const user = (u: AuthUser): string => {
    const caps = (u.Capabilities ?? []).map((c) => `{[${(c.Actions ?? []).join(' ')}]}`).join(' ');
    return `{${u.Alias ?? ''} ${u.Username ?? ''} ${u.Password ?? ''} ${u.APIKey ?? ''} [${caps}]}`;
  };
  return `[${users.map(user).join(' ')}]`;
}
