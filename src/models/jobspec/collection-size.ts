/**
 * A bound on how many entries one list or map of a job spec may hold, checked before the spec is
 * decoded. Within the 10 MB a submission may take, a spec can hold half a million environment
 * variables, labels or constraints; every step of a job's life (decoding, validating, storing,
 * copying, scheduling, bidding) then took seconds on the orchestrator's event loop, and a handful of
 * such submissions left the node unresponsive (one with 500,000 `Env` entries held it 4 s at
 * submission, 14 s in all). Beyond Go, which sets no bound: real specs have tens of entries, and a
 * command line or environment that long would not even start a container (Linux's `ARG_MAX`).
 */
import { isPlainObject } from '../codec.js';

/** Entries one list or map of a job spec may hold. */
export const MaxSpecCollectionEntries = 10_000;

/** What to do about a list or map over the bound. */
export const OversizedCollectionHint =
  'Pass large data to the task as an input (inline, urlDownload or local) rather than in the spec';

/** Each list or map of `spec` with more than `limit` entries, as a problem naming its path. */
export function oversizedCollections(spec: unknown, limit = MaxSpecCollectionEntries): string[] {
  // paths are named only when there is something to report: every submission goes through here
  if (!hasOversized(spec, limit)) return [];
  const problems: string[] = [];
  const pending: [path: string, value: unknown][] = [['', spec]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [path, value] = next;
    let children: [string, unknown][];
    if (Array.isArray(value)) children = value.map((child, i) => [`${path}[${i}]`, child]);
    else if (isPlainObject(value))
      children = Object.entries(value).map(([key, child]) => [path === '' ? key : `${path}.${key}`, child]);
    else continue;
    if (children.length > limit) {
      const what = Array.isArray(value) ? 'entries' : 'keys';
      problems.push(
        `${path === '' ? 'the job spec' : path}: ${children.length} ${what}, more than the ${limit} one list or map of a job spec may hold`,
      );
      continue;
    }
    // in reverse, so that the problems come in the order of the spec
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  return problems;
}

function hasOversized(spec: unknown, limit: number): boolean {
  const pending: unknown[] = [spec];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    const children = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : undefined;
    if (children === undefined) continue;
    if (children.length > limit) return true;
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push(child);
  }
  return false;
}
