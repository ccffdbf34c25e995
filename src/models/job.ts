import { DefaultNamespace, JobType, MetaReservedPrefix, jobTypes } from './constants.js';
import type { LabelSelectorRequirement } from './selector.js';
import { validateLabelSelectorRequirement } from './selector.js';
import { isTerminalJobState, type JobStateType, type State } from './state.js';
import {
  normalizeTask,
  validateTaskForStore,
  validateTaskSubmission,
  type NormalizedTask,
  type Task,
} from './task.js';
import { appendAll, hasNullChar, hasWhitespace, isBlank, within } from './validate.js';

/** A job as submitted and stored (`models.Job`). Times are Unix nanoseconds. */
export interface Job {
  ID: string;
  Name: string;
  Namespace: string;
  Type: string;
  Priority: number;
  Count: number;
  Constraints: LabelSelectorRequirement[];
  Meta: Record<string, string>;
  Labels: Record<string, string>;
  Tasks: Task[];
  State: State<JobStateType>;
  Version: number;
  Revision: number;
  CreateTime: number;
  ModifyTime: number;
}

export interface NormalizedJob extends Job {
  Tasks: NormalizedTask[];
}

/** A job with every field at its zero value, as Go's `new(models.Job)`. */
export function emptyJob(): Job {
  return {
    ID: '',
    Name: '',
    Namespace: '',
    Type: '',
    Priority: 0,
    Count: 0,
    Constraints: [],
    Meta: {},
    Labels: {},
    Tasks: [],
    State: { StateType: 'Undefined' },
    Version: 0,
    Revision: 0,
    CreateTime: 0,
    ModifyTime: 0,
  };
}

/** Bacalhau's `Job.Normalize`: defaults the namespace and name, zeroes Count where it has no meaning. */
export function normalizeJob(job: Job): NormalizedJob {
  return {
    ...job,
    Namespace: job.Namespace === '' ? DefaultNamespace : job.Namespace,
    Name: job.Name === '' ? job.ID : job.Name,
    Count: job.Type === JobType.Daemon || job.Type === JobType.Ops ? 0 : job.Count,
    Tasks: job.Tasks.map(normalizeTask),
  };
}

/** Checks made on submission (`Job.ValidateSubmission`), every problem at once. */
export function validateJobSubmission(job: Job): string[] {
  const problems: string[] = [];
  if (job.Type === '') problems.push('missing job type');
  else if (!jobTypes.includes(job.Type)) problems.push(`invalid job type: ${JSON.stringify(job.Type)}`);
  if (job.Count < 0) problems.push('job count must be >= 0');
  if (job.Count > 1 && (job.Type === JobType.Daemon || job.Type === JobType.Ops)) {
    problems.push(`${job.Type} jobs cannot specify count > 1 as they run on all matching nodes`);
  }
  if (job.Tasks.length === 0) problems.push('missing job tasks');
  job.Constraints.forEach((constraint, index) => {
    // Exactly Bacalhau's check: a constraint k8s cannot evaluate is accepted here and never matches a
    // node later (constraintWarnings says so to the user at submission).
    const found = validateLabelSelectorRequirement(constraint, { k8s: false });
    appendAll(problems, within(`constraint ${index + 1} validation failed`, found));
  });
  for (const task of job.Tasks) {
    appendAll(problems, within(`task ${task.Name} validation failed`, validateTaskSubmission(task)));
  }
  return problems;
}

/**
 * Constraints that pass Bacalhau's submission check but that the scheduler's k8s selector cannot
 * evaluate, so no node will ever match them: worth a warning before the job waits in the queue.
 */
export function constraintWarnings(job: Job): string[] {
  return job.Constraints.flatMap((constraint, index) =>
    validateLabelSelectorRequirement(constraint, { k8s: false }).length > 0
      ? []
      : validateLabelSelectorRequirement(constraint).map(
          (problem) => `constraint ${index + 1} can never match a node: ${problem}`,
        ),
  );
}

/**
 * A batch or service job with `Count: 0` is valid (a service scaled to nothing) but runs nothing: a
 * batch one completes at once. Said, as the user most likely meant another count.
 */
export function zeroCountWarnings(job: Job): string[] {
  if (job.Count !== 0) return [];
  if (job.Type === JobType.Batch) return ['Count is 0: no execution will run, and the job completes at once'];
  if (job.Type === JobType.Service) return ['Count is 0: no replica will run until the job is updated'];
  return [];
}

/** Checks made before a job is stored (`Job.Validate`): identity fields plus the stricter task checks. */
export function validateJob(job: Job): string[] {
  const problems: string[] = [];
  if (isBlank(job.ID)) problems.push('missing job ID');
  if (hasWhitespace(job.ID)) problems.push('job ID contains a space');
  if (hasNullChar(job.ID)) problems.push('job ID contains a null character');
  if (isBlank(job.Name)) problems.push('missing job name');
  if (hasNullChar(job.Name)) problems.push('job Name contains a null character');
  if (isBlank(job.Namespace)) problems.push('job must be in a namespace');
  appendAll(problems, validateJobSubmission(job));
  for (const task of job.Tasks) {
    appendAll(problems, within(`task ${task.Name} validation failed`, validateTaskForStore(task)));
  }
  return problems;
}

/**
 * Bacalhau's `Job.SanitizeSubmission`: drops what a client may not set and says so. Returns the
 * sanitized copy and the warnings, in Go's order.
 */
export function sanitizeJobSubmission(job: Job): { job: Job; warnings: string[] } {
  const warnings: string[] = [];
  const out: Job = { ...job, Meta: { ...job.Meta } };
  if (job.State.StateType !== 'Undefined') {
    warnings.push('job state is ignored when submitting a job');
    out.State = { StateType: 'Undefined' };
  }
  const ignored = [
    ['Revision', 'job revision'],
    ['Version', 'job version'],
    ['CreateTime', 'job create time'],
    ['ModifyTime', 'job modify time'],
  ] as const;
  for (const [field, label] of ignored) {
    if (job[field] !== 0) {
      warnings.push(`${label} is ignored when submitting a job`);
      out[field] = 0;
    }
  }
  if ((job.Type === JobType.Batch || job.Type === JobType.Ops) && job.ID !== '') {
    warnings.push('job ID is ignored when submitting a batch job');
    out.ID = '';
  }
  if (job.Tasks.length > 1) {
    warnings.push('only one task is supported per job');
    out.Tasks = job.Tasks.slice(0, 1);
  }
  for (const key of Object.keys(job.Meta)) {
    if (key.startsWith(MetaReservedPrefix)) {
      warnings.push(`job meta key ${JSON.stringify(key)} is reserved and will be ignored`);
      delete out.Meta[key];
    }
  }
  return { job: out, warnings };
}

export function isTerminalJob(job: Job): boolean {
  return isTerminalJobState(job.State.StateType);
}

export function isLongRunningJob(job: Job): boolean {
  return job.Type === JobType.Service || job.Type === JobType.Daemon;
}

/** The single task Bacalhau supports per job. */
export function jobTask(job: Job): Task | undefined {
  return job.Tasks[0];
}
