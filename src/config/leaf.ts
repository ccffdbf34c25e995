/**
 * The building blocks of the config schema: one `Leaf` per config key says its kind, default, description
 * and any extra checks. Everything else (TypeScript types, defaults, env-var names, parsing, `config list`)
 * is derived from the tree of leaves in schema.ts.
 */

/** How a key's value is written and parsed. */
export type Kind = 'string' | 'int' | 'uint' | 'bool' | 'duration' | 'string-list' | 'string-map' | 'object';

/** What a default may depend on: the machine, never the user's input. */
export interface DefaultsContext {
  /** The user's home directory (absolute). */
  readonly home: string;
  /** Number of logical CPUs (Go's runtime.NumCPU()). */
  readonly numCpu: number;
}

/** Result of decoding a structured (object) value: the value, or every problem found. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export interface LeafOptions<T> {
  /** Allowed values, matched case-insensitively and normalised to the spelling listed here. */
  readonly oneOf?: readonly string[];
  /** Extra validation of a well-typed value; returns a problem description or undefined. */
  check?(value: T): string | undefined;
  /** Decoder for `object` leaves: turns plain YAML/JSON data into the typed value. */
  decode?(raw: unknown, path: string): Decoded<T>;
  /** Go's `%v` rendering for `config list`, when the generic one does not match Go's. */
  format?(value: T): string;
  /** Environment variables read (with lower precedence) besides `BACALHAU_<KEY>`. */
  readonly envAliases?: readonly string[];
  /** Written even when empty in YAML output (Go fields whose yaml tag has no `omitempty`). */
  readonly keepEmpty?: boolean;
  /** Written even when empty in JSON output (Go fields whose json tag has no `omitempty`). */
  readonly keepEmptyInJson?: boolean;
  /** Maps from several config files are merged entry by entry instead of replaced (viper's behaviour). */
  readonly mergeFiles?: boolean;
}

export class Leaf<T> {
  constructor(
    readonly kind: Kind,
    readonly defaultValue: T | ((ctx: DefaultsContext) => T),
    readonly description: string,
    readonly options: LeafOptions<T> = {},
  ) {}

  defaultFor(ctx: DefaultsContext): T {
    const d = this.defaultValue;
    return typeof d === 'function' ? (d as (ctx: DefaultsContext) => T)(ctx) : d;
  }
}

/** A group of keys (a Go struct); may be empty (Go's `FeatureFlags`, `Engines.Types.WASM`). */
export interface SchemaGroup {
  readonly [name: string]: Leaf<unknown> | SchemaGroup;
}

/** The config value type described by a schema tree. */
export type ConfigOf<S> = {
  readonly [K in keyof S]: S[K] extends Leaf<infer T> ? T : ConfigOf<S[K]>;
};

/** Union of every dotted key (`API.Port`, …) in a schema tree. */
export type KeyOf<S, Prefix extends string = ''> = {
  [K in keyof S & string]: S[K] extends Leaf<unknown> ? `${Prefix}${K}` : KeyOf<S[K], `${Prefix}${K}.`>;
}[keyof S & string];

export const str = (
  description: string,
  def: string | ((ctx: DefaultsContext) => string) = '',
  options?: LeafOptions<string>,
): Leaf<string> => new Leaf('string', def, description, options);

export const int = (
  description: string,
  def: number | ((ctx: DefaultsContext) => number) = 0,
): Leaf<number> => new Leaf('int', def, description);

export const uint = (description: string, def = 0): Leaf<number> => new Leaf('uint', def, description);

/** A TCP port: an int from 0 to 65535 (0: any free port, where the key allows it). */
export const port = (description: string, def = 0): Leaf<number> =>
  new Leaf('int', def, description, {
    check: (value) =>
      value >= 0 && value <= 65535 ? undefined : `${value} is not a port: give a number from 0 to 65535`,
  });

export const bool = (description: string, def = false, options?: LeafOptions<boolean>): Leaf<boolean> =>
  new Leaf('bool', def, description, options);

/** A Go duration, held in Go's canonical text form (`1m0s`). */
export const duration = (description: string, def = '0s', options?: LeafOptions<string>): Leaf<string> =>
  new Leaf('duration', def, description, options);

export const list = (
  description: string,
  def: readonly string[] = [],
  options?: LeafOptions<readonly string[]>,
): Leaf<readonly string[]> => new Leaf('string-list', def, description, options);

export const map = (
  description: string,
  def: Readonly<Record<string, string>> = {},
): Leaf<Readonly<Record<string, string>>> => new Leaf('string-map', def, description, { mergeFiles: true });

export const oneOf = <const V extends string>(
  values: readonly V[],
  def: V,
  description: string,
  options?: Omit<LeafOptions<V>, 'oneOf'>,
): Leaf<V> => new Leaf<V>('string', def, description, { ...options, oneOf: values });

export const object = <T>(
  description: string,
  def: T,
  decode: (raw: unknown, path: string) => Decoded<T>,
  options?: Omit<LeafOptions<T>, 'decode'>,
): Leaf<T> => new Leaf('object', def, description, { ...options, decode });
