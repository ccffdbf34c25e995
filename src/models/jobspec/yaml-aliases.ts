/**
 * A YAML document's aliases resolved with a bound: a "billion laughs" file (anchors that list anchors)
 * fails instead of filling memory. Job specs and config files share the bound and the hint.
 */
import type { Document } from 'yaml';

export const YamlAliasHint = 'check the YAML anchors (&name) and aliases (*name)';

/**
 * The document as plain data, a tree.
 * @throws yaml's error when its aliases expand past the bound; an Error when an alias refers to a node
 *   that contains it (the data would contain itself, which no job spec or setting can)
 */
export function resolveAliases(doc: Document): unknown {
  const value: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (isCyclic(value)) throw new Error('a YAML alias refers to a node that contains it');
  return value;
}

function isCyclic(value: unknown, ancestors = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = Array.isArray(value) ? value : Object.values(value);
  const cyclic = children.some((child) => isCyclic(child, ancestors));
  ancestors.delete(value);
  return cyclic;
}
