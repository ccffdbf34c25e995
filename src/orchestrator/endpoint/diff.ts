/**
 * Bacalhau's `Job.CompareWith` (`pkg/models/job.go`): the differences between two job specs, ignoring
 * what is not part of the spec — `ID`, `State`, `Version`, `Revision`, `CreateTime`, `ModifyTime`, meta
 * keys under `bacalhau.org/` (job and task meta, as Go's path filter matches any `.Meta`) — and
 * comparing resource strings case-insensitively.
 *
 * Both jobs are normalized and compared in their wire form, so an absent field and its zero value
 * (`Timeouts: {}` vs `{ExecutionTimeout: 0}`, `Params` absent vs `{}`) are equal, as they are in storage.
 *
 * Deliberate difference: Go returns go-cmp's report (`cmp.Diff`), a rendering of Go structs. This
 * returns one line per difference, `-` for the existing spec and `+` for the new one, each with the
 * field's path and its JSON value:
 *
 *   - Tasks[0].Engine.Params.Image: "busybox:1.36"
 *   + Tasks[0].Engine.Params.Image: "busybox:1.37.0"
 *   + Labels.team: "data"
 *
 * Like Go's, the text is empty exactly when the specs are equivalent.
 */
import { isPlainObject, encode, struct } from '../../models/codec.js';
import { MetaReservedPrefix } from '../../models/constants.js';
import { normalizeJob, type Job } from '../../models/job.js';
import { jobSchema } from '../../models/schemas.js';

const jobKind = struct(jobSchema);
const ignoredFields = ['ID', 'State', 'Version', 'Revision', 'CreateTime', 'ModifyTime'] as const;
const resourceFields = ['CPU', 'Memory', 'Disk', 'GPU'] as const;

/** The comparable wire form of a job spec. */
function comparable(job: Job): Record<string, unknown> {
  const wire = encode(normalizeJob(job), jobKind) as Record<string, unknown>;
  for (const field of ignoredFields) delete wire[field];
  stripReservedMeta(wire, false);
  const tasks = wire['Tasks'];
  if (Array.isArray(tasks)) {
    for (const task of tasks) {
      if (!isPlainObject(task)) continue;
      stripReservedMeta(task, true);
      const resources = task['Resources'];
      if (isPlainObject(resources)) {
        for (const key of resourceFields) {
          const value = resources[key];
          if (typeof value === 'string') resources[key] = value.toLowerCase();
        }
      }
    }
  }
  return wire;
}

/** `omitEmpty`: task meta is left out of the wire form when empty, job meta is not. */
function stripReservedMeta(holder: Record<string, unknown>, omitEmpty: boolean): void {
  const meta = holder['Meta'];
  if (!isPlainObject(meta)) return;
  for (const key of Object.keys(meta)) {
    if (key.startsWith(MetaReservedPrefix)) delete meta[key];
  }
  if (omitEmpty && Object.keys(meta).length === 0) delete holder['Meta'];
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/u;

function childPath(path: string, key: string): string {
  if (!identifier.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

const show = (value: unknown): string => JSON.stringify(value) ?? 'null';

function diffValues(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
    for (const key of keys) {
      const child = childPath(path, key);
      if (!Object.hasOwn(b, key)) out.push(`- ${child}: ${show(a[key])}`);
      else if (!Object.hasOwn(a, key)) out.push(`+ ${child}: ${show(b[key])}`);
      else diffValues(a[key], b[key], child, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const child = `${path}[${i}]`;
      if (i >= b.length) out.push(`- ${child}: ${show(a[i])}`);
      else if (i >= a.length) out.push(`+ ${child}: ${show(b[i])}`);
      else diffValues(a[i], b[i], child, out);
    }
    return;
  }
  if (show(a) !== show(b)) out.push(`- ${path}: ${show(a)}`, `+ ${path}: ${show(b)}`);
}

/**
 * The differences between the `existing` job spec and the `updated` one, one line each; `''` when they
 * are equivalent. Neither argument is modified.
 */
export function compareJobs(existing: Job, updated: Job): string {
  const lines: string[] = [];
  diffValues(comparable(existing), comparable(updated), '', lines);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
