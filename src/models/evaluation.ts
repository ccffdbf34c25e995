/** A request to reconcile one job, processed by a scheduler (`models.Evaluation`). */
export interface Evaluation {
  ID: string;
  Namespace: string;
  JobID: string;
  /** One of EvalTrigger. */
  TriggeredBy: string;
  Priority: number;
  /** The job type, which selects the scheduler. */
  Type: string;
  /** One of EvalStatus. */
  Status: string;
  Comment: string;
  /** RFC 3339; the zero time (`0001-01-01T00:00:00Z`) when the evaluation is not delayed. */
  WaitUntil: string;
  CreateTime: number;
  ModifyTime: number;
}

export const EvalStatus = {
  Blocked: 'blocked',
  Pending: 'pending',
  Complete: 'complete',
  Failed: 'failed',
  Cancelled: 'canceled',
} as const;
export type EvalStatus = (typeof EvalStatus)[keyof typeof EvalStatus];

export const EvalTrigger = {
  JobRegister: 'job-register',
  JobCancel: 'job-cancel',
  JobRerun: 'job-rerun',
  JobUpdate: 'job-update',
  JobQueue: 'job-queue',
  JobTimeout: 'job-timeout',
  ExecFailure: 'exec-failure',
  ExecUpdate: 'exec-update',
  ExecTimeout: 'exec-timeout',
  ExecutionLimit: 'exec-limit',
  NodeJoin: 'node-join',
  NodeLeave: 'node-leave',
} as const;
export type EvalTrigger = (typeof EvalTrigger)[keyof typeof EvalTrigger];

/** Go's zero `time.Time`, which is what an unset RFC 3339 field encodes as. */
export const ZeroTime = '0001-01-01T00:00:00Z';

/** The job fields an evaluation copies. */
export type EvaluationSubject = { ID: string; Namespace: string; Priority: number; Type: string };

/**
 * A pending evaluation of a job, as every trigger creates one: namespace, type and priority copied from
 * the job, not delayed, times left for the store to stamp.
 */
export function newJobEvaluation(
  job: EvaluationSubject,
  trigger: string,
  id: string,
  options: { comment?: string; waitUntil?: string; now?: number } = {},
): Evaluation {
  return {
    ID: id,
    Namespace: job.Namespace,
    JobID: job.ID,
    TriggeredBy: trigger,
    Priority: job.Priority,
    Type: job.Type,
    Status: EvalStatus.Pending,
    Comment: options.comment ?? '',
    WaitUntil: options.waitUntil ?? ZeroTime,
    CreateTime: options.now ?? 0,
    ModifyTime: options.now ?? 0,
  };
}
