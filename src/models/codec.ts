/**
 * A small schema-driven codec that reproduces how Bacalhau's Go structs travel as JSON:
 * - decoding matches keys case-insensitively (exact spelling first), as Go's encoding/json does, and
 *   checks every value's JSON type, reporting all mismatches rather than the first;
 * - encoding writes fields in struct order, drops `omitempty` fields that are empty, and sorts map keys.
 * One schema per wire type (see schemas.ts) serves JSON, YAML, the API and the CLI.
 */
import { MaxListedLines } from './validate.js';

export type Kind =
  | { readonly kind: 'string'; readonly goType?: string }
  | { readonly kind: 'int'; readonly goType?: string }
  | { readonly kind: 'uint' }
  | { readonly kind: 'float' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'any' }
  /** `pointers`: Go's list holds pointers (`[]*models.Task`); `goType`: a named list type (`models.PortMap`). */
  | { readonly kind: 'array'; readonly of: Kind; readonly pointers?: boolean; readonly goType?: string }
  | { readonly kind: 'map'; readonly of: Kind }
  | { readonly kind: 'struct'; readonly schema: () => StructSchema }
  | CustomKind;

/** A value with its own wire form, such as an enum that travels as a name or an integer. */
export interface CustomKind {
  readonly kind: 'custom';
  /** The Go type name shown in type errors. */
  readonly goType: string;
  /** Returns the decoded value, or throws an Error whose message explains the problem. */
  decode(raw: unknown): unknown;
  encode(value: unknown): unknown;
  /** The decoded value of an absent field (Go's zero value). */
  readonly zero: unknown;
}

export interface FieldSpec {
  /** The wire key, also the property name in TypeScript. */
  readonly name: string;
  readonly kind: Kind;
  /** Go's `omitempty`: zero values are left out of the encoding. */
  readonly omitEmpty?: boolean;
}

export interface StructSchema {
  /** The Go struct name, used in messages ("field: 'X' in 'Task' …"). */
  readonly name: string;
  /**
   * The struct's type as Go's reflect names it (`models.Task`), where type errors say what was
   * expected ("… expected: 'models.SpecConfig'"); `name` when absent.
   */
  readonly goType?: string;
  readonly fields: readonly FieldSpec[];
}

export const string: Kind = { kind: 'string' };
export const int: Kind = { kind: 'int' };
/** An int64 field: decoded like int, named `int64` in type errors as Go does. */
export const int64: Kind = { kind: 'int', goType: 'int64' };
export const uint: Kind = { kind: 'uint' };
export const float: Kind = { kind: 'float' };
export const bool: Kind = { kind: 'bool' };
export const any: Kind = { kind: 'any' };
export const arrayOf = (of: Kind): Kind => ({ kind: 'array', of });
/** A list of pointers to structs, as Bacalhau's `[]*Task`: decoded like arrayOf, named with the `*`. */
export const pointerListOf = (of: Kind): Kind => ({ kind: 'array', of, pointers: true });
export const mapOf = (of: Kind): Kind => ({ kind: 'map', of });
/**
 * A schema built on first use and then shared: schemas are constant data, and building a job's (with
 * every struct kind it nests) on each decode made decoding a spec take twice as long.
 */
export function sharedSchema(build: () => StructSchema): () => StructSchema {
  let built: StructSchema | undefined;
  return () => (built ??= build());
}

/** A struct kind; its schema is built once, on first use (schemas refer to each other lazily). */
export function struct(schema: () => StructSchema): Kind {
  return { kind: 'struct', schema: sharedSchema(schema) };
}

/** A key present in the input that no field of its struct claims. */
export interface UnknownField {
  /** Dotted path of the enclosing struct ('' for the top level), e.g. `Tasks[0].Network`. */
  readonly path: string;
  readonly key: string;
  readonly struct: string;
  /** The fields the struct does have, for suggestions. */
  readonly known: readonly string[];
}

export interface DecodeResult<T> {
  value: T;
  /**
   * Type mismatches, each naming the field; decoding continues past them with the zero value. At most
   * {@link MaxListedLines}, then one line counting the rest: a long array of wrong items gets a readable
   * answer, not one line per item (Go stops at the first).
   */
  errors: string[];
  unknownFields: UnknownField[];
}

class Decoder {
  readonly #errors: string[] = [];
  #moreErrors = 0;
  readonly unknownFields: UnknownField[] = [];

  get errors(): string[] {
    if (this.#moreErrors === 0) return this.#errors;
    return [...this.#errors, `… and ${this.#moreErrors} more type errors like these`];
  }

  #fail(message: string): undefined {
    if (this.#errors.length < MaxListedLines) this.#errors.push(message);
    else this.#moreErrors++;
    return undefined;
  }

  decode(raw: unknown, kind: Kind, path: string, owner: string): unknown {
    // JSON null leaves a Go value at its zero value.
    if (raw === null || raw === undefined) return undefined;
    switch (kind.kind) {
      case 'string':
        return typeof raw === 'string' ? raw : this.mismatch(raw, goTypeName(kind), path, owner);
      case 'bool':
        return typeof raw === 'boolean' ? raw : this.mismatch(raw, 'bool', path, owner);
      case 'int':
        return this.decodeNumber(raw, 'int', path, owner, kind.goType);
      case 'uint':
      case 'float':
        return this.decodeNumber(raw, kind.kind, path, owner);
      case 'any':
        return raw;
      case 'array':
        if (!Array.isArray(raw)) return this.mismatch(raw, goTypeName(kind), path, owner);
        return raw.map((item, i) => this.decodeElement(item, kind.of, `${path}[${i}]`, owner));
      case 'map': {
        if (!isPlainObject(raw)) return this.mismatch(raw, goTypeName(kind), path, owner);
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(raw)) {
          const decoded = this.decodeElement(value, kind.of, joinPath(path, key), owner);
          if (decoded !== undefined) out[key] = decoded;
        }
        return out;
      }
      case 'struct':
        return this.decodeStruct(raw, kind.schema(), path, owner);
      case 'custom':
        try {
          return kind.decode(raw);
        } catch (err) {
          return this.#fail(`field: '${path}' in '${owner}' is invalid: ${(err as Error).message}`);
        }
    }
  }

  /**
   * A null element becomes the element's zero value, as in Go. A null struct element would be a nil
   * pointer that Bacalhau dereferences (and panics on); here it is a type error naming the element.
   */
  private decodeElement(raw: unknown, kind: Kind, path: string, owner: string): unknown {
    if (raw === null && kind.kind === 'struct') return this.mismatch(raw, kind.schema().name, path, owner);
    // Inside free-form data (Params) null is a value of its own, kept as Go keeps a nil interface.
    if (raw === null && kind.kind === 'any') return null;
    return this.decode(raw, kind, path, owner) ?? scalarZero(kind);
  }

  decodeStruct(raw: unknown, schema: StructSchema, path: string, owner: string): unknown {
    if (!isPlainObject(raw)) return this.mismatch(raw, schema.goType ?? schema.name, path, owner);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      const field = findField(schema, key);
      if (field === undefined) {
        this.unknownFields.push({
          path,
          key,
          struct: schema.name,
          known: schema.fields.map((f) => f.name),
        });
        continue;
      }
      const decoded = this.decode(value, field.kind, joinPath(path, field.name), schema.name);
      if (decoded !== undefined) out[field.name] = decoded;
    }
    // Like a Go struct, scalar fields exist with their zero value even when the input lacks them.
    for (const field of schema.fields) {
      if (out[field.name] === undefined) {
        const zero = scalarZero(field.kind);
        if (zero !== undefined) out[field.name] = zero;
      }
    }
    return out;
  }

  private decodeNumber(
    raw: unknown,
    kind: 'int' | 'uint' | 'float',
    path: string,
    owner: string,
    intType = 'int',
  ): unknown {
    const goType = kind === 'uint' ? 'uint64' : kind === 'int' ? intType : 'float64';
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return this.mismatch(raw, goType, path, owner);
    if (kind === 'float') return raw;
    // Integers beyond 2^53 (nanosecond timestamps) are accepted with a double's precision: 256 ns today.
    if (!Number.isInteger(raw) || (kind === 'uint' && raw < 0) || Math.abs(raw) >= 2 ** 63) {
      return this.#fail(invalidType(path, owner, `number ${raw}`, goType));
    }
    return raw;
  }

  private mismatch(raw: unknown, expected: string, path: string, owner: string): undefined {
    return this.#fail(invalidType(path, owner, jsonTypeOf(raw), expected));
  }
}

/**
 * The message of Bacalhau's CLI unmarshaller for a JSON type mismatch. Its field is Go's
 * `UnmarshalTypeError.Field`: the names on the way down, without list indices (`Tasks.Resources.CPU`).
 */
function invalidType(path: string, owner: string, got: string, expected: string): string {
  const field = path.replace(/\[\d+\]/g, '');
  return `field: '${field}' in '${owner}' is invalid type: '${got}' expected: '${expected}'`;
}

/** Go's field matching: the exact key first, else the first field equal under case folding. */
export function findField(schema: StructSchema, key: string): FieldSpec | undefined {
  const exact = schema.fields.find((f) => f.name === key);
  if (exact) return exact;
  const folded = key.toLowerCase();
  return schema.fields.find((f) => f.name.toLowerCase() === folded);
}

/**
 * A field of free-form decoded data (engine params, legacy specs) looked up the way Go's JSON decoding
 * matches keys: the exact key first, else the first key equal under case folding. Own keys only.
 */
export function getField(obj: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const folded = key.toLowerCase();
  const found = Object.keys(obj).find((k) => k.toLowerCase() === folded);
  return found === undefined ? undefined : obj[found];
}

export function decodeStruct<T>(raw: unknown, schema: StructSchema, path = ''): DecodeResult<T> {
  const decoder = new Decoder();
  const value = decoder.decodeStruct(raw, schema, path, schema.name) ?? {};
  return { value: value as T, errors: decoder.errors, unknownFields: decoder.unknownFields };
}

export function decodeValue<T>(raw: unknown, kind: Kind, path: string, owner: string): DecodeResult<T> {
  const decoder = new Decoder();
  const value = decoder.decode(raw, kind, path, owner);
  return { value: value as T, errors: decoder.errors, unknownFields: decoder.unknownFields };
}

/** Encodes a value as Go would marshal it: struct field order, omitempty, sorted map keys. */
export function encode(value: unknown, kind: Kind): unknown {
  if (value === undefined || value === null) return null;
  switch (kind.kind) {
    case 'array':
      return (value as unknown[]).map((item) => encode(item, kind.of));
    case 'map': {
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj).sort()) out[key] = encode(obj[key], kind.of);
      return out;
    }
    case 'struct':
      return encodeStruct(value as Record<string, unknown>, kind.schema());
    case 'custom':
      return kind.encode(value);
    case 'any':
      return sortKeysDeep(value);
    case 'string':
    case 'int':
    case 'uint':
    case 'float':
    case 'bool':
      return value;
  }
}

export function encodeStruct(value: Record<string, unknown>, schema: StructSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const fieldValue = value[field.name];
    if (field.omitEmpty === true && isEmptyValue(fieldValue, field.kind)) continue;
    out[field.name] = fieldValue === undefined ? zeroValue(field.kind) : encode(fieldValue, field.kind);
  }
  return out;
}

/** Go's omitempty test: false, 0, "", nil, and empty slices and maps. Structs are never empty unless nil. */
function isEmptyValue(value: unknown, kind: Kind): boolean {
  if (value === undefined || value === null) return true;
  switch (kind.kind) {
    case 'string':
      return value === '';
    case 'int':
    case 'uint':
    case 'float':
      return value === 0;
    case 'bool':
      return value === false;
    case 'array':
      return (value as unknown[]).length === 0;
    case 'map':
      return Object.keys(value).length === 0;
    case 'any':
    case 'struct':
    case 'custom':
      return false;
  }
}

/** What Go writes for a field whose value is absent: its zero value (nil for slices, maps, pointers). */
function zeroValue(kind: Kind): unknown {
  const zero = scalarZero(kind);
  if (zero === undefined) return null;
  return kind.kind === 'custom' ? kind.encode(zero) : zero;
}

/** The decoded zero value of a scalar kind; undefined for containers and structs (Go's nil). */
export function scalarZero(kind: Kind): unknown {
  switch (kind.kind) {
    case 'string':
      return '';
    case 'int':
    case 'uint':
    case 'float':
      return 0;
    case 'bool':
      return false;
    case 'custom':
      return kind.zero;
    case 'any':
    case 'array':
    case 'map':
    case 'struct':
      return undefined;
  }
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep(value[key]);
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type names Go's UnmarshalTypeError uses. */
export function jsonTypeOf(raw: unknown): string {
  if (Array.isArray(raw)) return 'array';
  if (raw === null) return 'null';
  const type = typeof raw;
  if (type === 'boolean') return 'bool';
  return type;
}

export function goTypeName(kind: Kind): string {
  switch (kind.kind) {
    case 'string':
      return kind.goType ?? 'string';
    case 'int':
      return kind.goType ?? 'int';
    case 'uint':
      return 'uint64';
    case 'float':
      return 'float64';
    case 'bool':
      return 'bool';
    case 'any':
      return 'interface {}';
    case 'array':
      return kind.goType ?? `[]${kind.pointers === true ? '*' : ''}${goTypeName(kind.of)}`;
    case 'map':
      return `map[string]${goTypeName(kind.of)}`;
    case 'struct': {
      const schema = kind.schema();
      return schema.goType ?? schema.name;
    }
    case 'custom':
      return kind.goType;
  }
}

function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
