/**
 * A YAML document's aliases resolved with a bound: a "billion laughs" file (anchors that list anchors)
 * fails instead of filling memory. Job specs and config files share the bound and the hint.
 */
import type { Document } from 'yaml';

export const YamlAliasHint = 'check the YAML anchors (&name) and aliases (*name)';

/** The document as plain data. @throws yaml's error when its aliases expand past the bound. */
export function resolveAliases(doc: Document): unknown {
  return doc.toJS({ maxAliasCount: 1000 });
}
