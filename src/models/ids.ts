/** Identifiers: `j-`, `e-`, `v-`, `n-` + a v4 UUID, and their 8-character short forms (`pkg/util/idgen`). */

export const IDPrefix = { Job: 'j-', Execution: 'e-', Evaluation: 'v-', Node: 'n-' } as const;

export const ShortIDLength = 8;

/** A v4 UUID from the platform's crypto (Node 20 and every browser have `crypto.randomUUID`). */
export function newUUID(): string {
  return globalThis.crypto.randomUUID();
}

export const newJobID = (): string => IDPrefix.Job + newUUID();
export const newExecutionID = (): string => IDPrefix.Execution + newUUID();
export const newEvaluationID = (): string => IDPrefix.Evaluation + newUUID();
export const newNodeID = (): string => IDPrefix.Node + newUUID();

const prefixUUIDPattern = /^([a-zA-Z])-(\w{8})-\w{4}-\w{4}-\w{4}-\w{12}$/;
const uuidPattern = /^(\w{8})-\w{4}-\w{4}-\w{4}-\w{12}$/;
// The only remnant of libp2p: peer IDs of old nodes.
const libp2pPattern = /^Qm[a-zA-Z0-9]{44}$/;

/** `j-2b6f1c3e-…` → `j-2b6f1c3e`; a bare UUID → its first 8 characters; anything else unchanged. */
export function shortUUID(id: string): string {
  const prefixed = prefixUUIDPattern.exec(id);
  if (prefixed) return `${prefixed[1]}-${prefixed[2]}`;
  return uuidPattern.exec(id)?.[1] ?? id;
}

/** The short node ID shown in events ("Requested execution on n-7d3a1b2c"). */
export function shortNodeID(id: string): string {
  const short = shortUUID(id);
  if (short.length < id.length) return short;
  return libp2pPattern.test(id) ? id.slice(0, ShortIDLength) : id;
}
