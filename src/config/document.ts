/**
 * The configuration as a plain document, for YAML/JSON output (`config list --output yaml`, the agent
 * config endpoint): Bacalhau's field order, and with `omitEmpty` its `omitempty` tags honoured.
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

function build(
  group: SchemaGroup,
  values: Record<string, unknown>,
  omitEmpty: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let hasValue = false;
  for (const [name, node] of Object.entries(group)) {
    const value = values[name];
    if (node instanceof Leaf) {
      const empty = isEmptyValue(value);
      if (!empty) hasValue = true;
      if (!omitEmpty || !empty || node.options.keepEmpty === true) out[name] = value;
    } else {
      const child = build(node, isPlainObject(value) ? value : {}, omitEmpty);
      if (!omitEmpty || Object.keys(child).length > 0) {
        out[name] = child;
        hasValue = true;
      }
    }
  }
  // Go omits a struct whose fields are all zero, even fields written without omitempty.
  return omitEmpty && !hasValue ? {} : out;
}

/** A plain (mutable) copy of the configuration; with `omitEmpty`, zero values and empty groups are left out. */
export function configDocument(
  config: BacalhauConfig,
  options: { omitEmpty?: boolean } = {},
): Record<string, unknown> {
  return structuredClone(
    build(schema, config as unknown as Record<string, unknown>, options.omitEmpty ?? false),
  );
}

/** The configuration as YAML in Bacalhau's layout (yaml.v3: 4-space indent, empty values omitted). */
export function configToYaml(config: BacalhauConfig): string {
  return stringify(configDocument(config, { omitEmpty: true }), { indent: 4, indentSeq: true, lineWidth: 0 });
}
