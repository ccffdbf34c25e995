/**
 * The flat view of the schema: one KeySpec per config key, case-insensitive lookup, "did you mean"
 * suggestions, env-var names and default values — all derived from schema.ts.
 */
import { Leaf, type DefaultsContext, type Kind, type SchemaGroup } from './leaf.js';
import { schema, type BacalhauConfig, type ConfigKey } from './schema.js';

export const envPrefix = 'BACALHAU';

export interface KeySpec {
  /** Canonical dotted key, e.g. `API.Port`. */
  readonly key: ConfigKey;
  /** The key split on dots. */
  readonly path: readonly string[];
  readonly kind: Kind;
  readonly description: string;
  /** `BACALHAU_API_PORT` for `API.Port`. */
  readonly env: string;
  readonly leaf: Leaf<unknown>;
}

function flatten(group: SchemaGroup, prefix: readonly string[], out: KeySpec[]): KeySpec[] {
  for (const [name, node] of Object.entries(group)) {
    const path = [...prefix, name];
    if (node instanceof Leaf) {
      const key = path.join('.') as ConfigKey;
      out.push({
        key,
        path,
        kind: node.kind,
        description: node.description,
        env: envVarForKey(key),
        leaf: node,
      });
    } else {
      flatten(node, path, out);
    }
  }
  return out;
}

/** Environment variable that sets a key: `BACALHAU_` + upper-cased key with dots as underscores. */
export function envVarForKey(key: string): string {
  return `${envPrefix}_${key.replaceAll('.', '_')}`.toUpperCase();
}

/** Every config key, in schema (Go struct) order. */
export const configKeys: readonly KeySpec[] = Object.freeze(flatten(schema, [], []));

const byLowerKey = new Map(configKeys.map((spec) => [spec.key.toLowerCase(), spec]));
const groupPaths = new Set<string>();
(function collectGroups(group: SchemaGroup, prefix: string): void {
  for (const [name, node] of Object.entries(group)) {
    if (node instanceof Leaf) continue;
    const path = `${prefix}${name}`.toLowerCase();
    groupPaths.add(path);
    collectGroups(node, `${path}.`);
  }
})(schema, '');

/** Looks a key up case-insensitively (`api.port` finds `API.Port`). */
export function findKey(name: string): KeySpec | undefined {
  return byLowerKey.get(name.trim().toLowerCase());
}

/** True when `name` names a group of keys (`API`, `compute.heartbeat`) rather than a key. */
export function isGroupKey(name: string): boolean {
  return groupPaths.has(name.trim().toLowerCase());
}

/** The first key inside a group (`API` → `API.Host`), for examples in messages. */
export function firstKeyIn(group: string): ConfigKey | undefined {
  const prefix = `${group.trim().toLowerCase()}.`;
  return configKeys.find((spec) => spec.key.toLowerCase().startsWith(prefix))?.key;
}

/** The child of a schema group whose name matches case-insensitively, with its canonical name. */
export function findChild(
  group: SchemaGroup,
  name: string,
): { name: string; node: Leaf<unknown> | SchemaGroup } | undefined {
  const lower = name.toLowerCase();
  for (const [childName, node] of Object.entries(group)) {
    if (childName.toLowerCase() === lower) return { name: childName, node };
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

const lastSegment = (key: string): string => key.slice(key.lastIndexOf('.') + 1).toLowerCase();
const keysByLastSegment = new Map<string, ConfigKey[]>();
for (const spec of configKeys) {
  const last = lastSegment(spec.key);
  keysByLastSegment.set(last, [...(keysByLastSegment.get(last) ?? []), spec.key]);
}

/**
 * The known key closest to a mistyped one, if any is close enough: a few edits away on the whole key,
 * or the only key with the same last segment under another group (`Compute.DisconnectTimeout`).
 */
export function suggestKey(name: string): ConfigKey | undefined {
  const lower = name.trim().toLowerCase();
  const limit = Math.max(2, Math.floor(lower.length / 5));
  let best: { key: ConfigKey; distance: number } | undefined;
  for (const spec of configKeys) {
    const distance = editDistance(lower, spec.key.toLowerCase());
    if (distance <= limit && distance < (best?.distance ?? Infinity)) best = { key: spec.key, distance };
  }
  if (best !== undefined) return best.key;
  const last = lastSegment(lower);
  const sameLast = keysByLastSegment.get(last);
  return last.length >= 4 && sameLast?.length === 1 ? sameLast[0] : undefined;
}

/** Bacalhau's default configuration (`config.Default`) for this machine, unfrozen. */
export function defaultValues(ctx: DefaultsContext): Map<ConfigKey, unknown> {
  return new Map(configKeys.map((spec) => [spec.key, spec.leaf.defaultFor(ctx)]));
}

/** Reads one key of a config tree. */
export function getValue(config: BacalhauConfig, key: ConfigKey): unknown {
  let node: unknown = config;
  for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
  return node;
}

/** Builds the nested config tree from a flat map of every key's value. */
export function buildTree(values: ReadonlyMap<ConfigKey, unknown>): BacalhauConfig {
  const root: Record<string, unknown> = {};
  const fill = (group: SchemaGroup, target: Record<string, unknown>, prefix: string): void => {
    for (const [name, node] of Object.entries(group)) {
      if (node instanceof Leaf) {
        target[name] = values.get(`${prefix}${name}` as ConfigKey);
      } else {
        const child: Record<string, unknown> = {};
        target[name] = child;
        fill(node, child, `${prefix}${name}.`);
      }
    }
  };
  fill(schema, root, '');
  return root as unknown as BacalhauConfig;
}
