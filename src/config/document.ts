/**
 * The configuration as a plain document, for YAML/JSON output (`config list --output yaml`, the agent
 * config endpoint): Bacalhau's field order, and its `omitempty` tags honoured as the encoder that writes
 * it would: yaml.v3 for files and `config list`, encoding/json for the API.
 */
import { stringify } from 'yaml';
import { isPlainObject } from './checks.js';
import { Leaf, type SchemaGroup } from './leaf.js';
import { schema, type BacalhauConfig } from './schema.js';

/** An empty list or map: what Go's config leaves nil (`null` in its JSON, left out by `omitempty`). */
export function isEmptyCollection(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

function isEmptyValue(value: unknown): boolean {
  if (value === '' || value === 0 || value === false || value === '0s' || value == null) return true;
  return isEmptyCollection(value);
}

/**
 * Which encoder's rules leave empty values out: none (every key), yaml.v3's (a struct whose fields are
 * all zero is left out too) or encoding/json's (a struct is never left out; an empty one is `{}`).
 */
export type OmitEmpty = 'none' | 'yaml' | 'json';

function build(
  group: SchemaGroup,
  values: Record<string, unknown>,
  omit: OmitEmpty,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let hasValue = false;
  for (const [name, node] of Object.entries(group)) {
    const value = values[name];
    if (node instanceof Leaf) {
      const empty = isEmptyValue(value);
      if (!empty) hasValue = true;
      const keep = omit === 'json' ? node.options.keepEmptyInJson : node.options.keepEmpty;
      if (omit === 'none' || !empty || keep === true) out[name] = value;
    } else {
      const child = build(node, isPlainObject(value) ? value : {}, omit);
      if (omit !== 'yaml' || Object.keys(child).length > 0) {
        out[name] = child;
        hasValue = true;
      }
    }
  }
  // yaml.v3 omits a struct whose fields are all zero, even fields written without omitempty.
  return omit === 'yaml' && !hasValue ? {} : out;
}

/**
 * A plain (mutable) copy of the configuration; `omitEmpty` leaves out the empty values the named
 * encoder leaves out (default: none).
 */
export function configDocument(
  config: BacalhauConfig,
  options: { omitEmpty?: OmitEmpty } = {},
): Record<string, unknown> {
  return structuredClone(
    build(schema, config as unknown as Record<string, unknown>, options.omitEmpty ?? 'none'),
  );
}

/** The configuration as YAML in Bacalhau's layout (yaml.v3: 4-space indent, empty values omitted). */
export function configToYaml(config: BacalhauConfig): string {
  return stringify(configDocument(config, { omitEmpty: 'yaml' }), {
    indent: 4,
    indentSeq: true,
    lineWidth: 0,
  });
}
