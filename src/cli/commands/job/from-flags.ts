/**
 * The job `docker run` and `wasm run` build from their flags (Bacalhau's `helpers.BuildJobFromFlags`),
 * in Go's wire shape: what `--dry-run` prints and what is submitted. Go's nil-versus-empty choices are
 * kept (`Meta: null`, `Publisher: null` without `-p`, `Constraints: null` without `--constraints`,
 * `Resources: {}`, `Timeouts: {}`, no `Network` unless one was asked for), so the YAML reads as Go's.
 */
import { BacalhauError } from '../../../models/bacerrors.js';
import { decodeStruct } from '../../../models/codec.js';
import { emptyJob, validateJobSubmission, type Job } from '../../../models/job.js';
import { invalidJobSpec } from '../../../models/jobspec/decode.js';
import { jobSchema } from '../../../models/schemas.js';
import type { JobSettings } from '../../flags/job-settings.js';
import type { TaskSettings } from '../../flags/task-settings.js';

/** Bacalhau's `userstrings.JobSpecBad`, the prefix of every client-side spec problem. */
export const JobSpecBad = 'the job provided is invalid';

export interface EngineWire {
  Type: string;
  Params: Record<string, unknown>;
}

/** Go's `omitempty` for a string field. */
function nonEmpty(fields: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '' && v !== 0));
}

function taskWire(engine: EngineWire, task: TaskSettings): Record<string, unknown> {
  return {
    Name: task.name,
    Engine: engine,
    Publisher: task.publisher ?? null,
    ...(Object.keys(task.env).length > 0 ? { Env: task.env } : {}),
    ...(task.inputs.length > 0 ? { InputSources: task.inputs } : {}),
    ...(task.outputs.length > 0 ? { ResultPaths: task.outputs } : {}),
    Resources: nonEmpty(task.resources),
    ...(task.network === 'Default'
      ? {}
      : { Network: { Type: task.network, ...(task.domains.length > 0 ? { Domains: task.domains } : {}) } }),
    Timeouts: nonEmpty({ TotalTimeout: task.timeout, QueueTimeout: task.queueTimeout }),
  };
}

/**
 * The job, checked with Bacalhau's submission validation (every problem at once).
 * @throws BacalhauError `the job provided is invalid: <problems>`
 */
export function jobFromFlags(
  engine: EngineWire,
  job: JobSettings,
  task: TaskSettings,
): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    ID: '',
    Name: job.name,
    Namespace: job.namespace,
    Type: job.type,
    Priority: job.priority,
    Count: job.count,
    Constraints: job.constraints ?? null,
    Meta: null,
    Labels: job.labels,
    Tasks: [taskWire(engine, task)],
    State: { StateType: 'Undefined' },
    Version: 0,
    Revision: 0,
    CreateTime: 0,
    ModifyTime: 0,
  };
  const decoded = decodeStruct<Partial<Job>>(wire, jobSchema());
  const problems = [...decoded.errors, ...validateJobSubmission({ ...emptyJob(), ...decoded.value })];
  if (problems.length > 0) throw BacalhauError.wrap(invalidJobSpec(problems), JobSpecBad);
  return wire;
}
