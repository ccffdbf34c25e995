/**
 * The orchestrator's job endpoint: submit (create or update by name), diff, stop and rerun — Bacalhau's
 * `BaseEndpoint` (`pkg/orchestrator/endpoint.go`). Every method that writes does so in one store
 * transaction: the job, its history entry and its evaluation commit together or not at all, and the
 * returned promise resolves only after the commit.
 *
 * Errors are BacalhauErrors: ValidationError (400) for a bad spec, NotFound (404) for an unknown job,
 * 409 for a request that conflicts with the job's state (errors.ts says where Go answers 500 instead),
 * and the store's own errors.
 */
import { newJobEvaluation } from '../../models/evaluation.js';
import { EvalTrigger, type Evaluation } from '../../models/evaluation.js';
import {
  constraintWarnings,
  zeroCountWarnings,
  normalizeJob,
  sanitizeJobSubmission,
  validateJob,
  validateJobSubmission,
  type Job,
} from '../../models/job.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { inspectJobSpec, invalidJobSpec } from '../../models/jobspec/decode.js';
import { encode, struct } from '../../models/codec.js';
import { goMarshal } from '../../models/go-compat.js';
import { jobSchema } from '../../models/schemas.js';
import { isRerunnableJobState } from '../../models/state.js';
import { appendAll, isBlank, listedFirst } from '../../models/validate.js';
import { JobStoreComponent } from '../../store/errors.js';
import type { JobStore } from '../../store/types.js';
import { chain, clientInfo } from '../transformer/index.js';
import { compareJobs } from './diff.js';
import { checkBuiltinParams } from '../../models/engines/check.js';
import {
  cannotRerun,
  cannotStop,
  diffNameMissing,
  emptyJob,
  invalidJobVersion,
  jobTooLarge,
  jobTypeChanged,
  noChangesDetected,
} from './errors.js';
import {
  compileJobEndpointOptions,
  type CompiledJobEndpointOptions,
  type JobEndpointOptions,
} from './options.js';
import type {
  CallOptions,
  DiffJobRequest,
  DiffJobResponse,
  RerunJobRequest,
  RerunJobResponse,
  StopJobRequest,
  StopJobResponse,
  SubmitJobRequest,
  SubmitJobResponse,
} from './types.js';

/** Go's `Message` of the Pending state an update or rerun leaves the job in. */
export const JobUpdateStateMessage = 'Job update requested by user';
export const JobRerunStateMessage = 'job rerun';
/** The rerun event's `Reason` when the request gives none (the only one Go ever records). */
export const DefaultRerunReason = 'job rerun';

/** A submission after validation, normalization, sanitizing and the transformers. */
interface PreparedJob {
  job: Job;
  warnings: string[];
}

const orNull = (warnings: string[]): string[] | null => (warnings.length === 0 ? null : warnings);

export class JobEndpoint {
  readonly #options: CompiledJobEndpointOptions;

  constructor(options: JobEndpointOptions) {
    this.#options = compileJobEndpointOptions(options);
  }

  get #store(): JobStore {
    return this.#options.store;
  }

  /**
   * Submits a job (reference 1.8): validation (every problem in one ValidationError), normalization,
   * sanitizing (warnings), the transformers; then, in one transaction, an update of the job with the
   * same name in the namespace (new version, state Pending, "Job updated", evaluation `job-update`) or
   * the creation of a new one (version 1, "Job submitted", evaluation `job-register`).
   *
   * Errors: ValidationError (400) for an invalid spec; ResourceInUse (409) for an update identical to the
   * existing job without `force` (`no changes detected for new job spec…`) or one that changes the job's
   * type, and for a new job whose (service/daemon) ID is taken. Not idempotent: each call that succeeds
   * writes a new job or version.
   */
  async submitJob(request: SubmitJobRequest, options: CallOptions = {}): Promise<SubmitJobResponse> {
    options.signal?.throwIfAborted();
    const decoded = decodeSubmission(request.job);
    const prepared = this.#prepare(decoded, {
      installationID: request.clientInstallationID ?? '',
      instanceID: request.clientInstanceID ?? '',
    });
    const { job } = prepared;
    this.#checkSize(job);
    const warnings = orNull(prepared.warnings);
    const events = this.#options.events;

    return this.#store.transaction((tx) => {
      const existing = tx.findJobByName(job.Name, job.Namespace);
      if (existing === undefined) {
        checkForStore(job);
        const evaluation = this.#evaluation(job, EvalTrigger.JobRegister);
        const stored = tx.createJob(job, { history: [events.jobSubmitted()], evaluation });
        return { JobID: stored.ID, EvaluationID: evaluation.ID, Warnings: warnings };
      }

      if (existing.Type !== job.Type) throw jobTypeChanged(job.Name, existing.ID, existing.Type, job.Type);
      const update: Job = { ...job, ID: existing.ID };
      if (request.force !== true && compareJobs(existing, update) === '') {
        throw noChangesDetected(job.Name, existing.ID);
      }
      checkForStore(update);
      const updated = tx.updateJob(update);
      const pending = tx.updateJobState({
        jobID: updated.ID,
        newState: 'Pending',
        message: JobUpdateStateMessage,
        condition: { expectedRevision: updated.Revision },
      });
      tx.addJobHistory(pending.ID, pending.Version, [events.jobUpdated()]);
      const evaluation = tx.createEvaluation(this.#evaluation(pending, EvalTrigger.JobUpdate));
      return { JobID: pending.ID, EvaluationID: evaluation.ID, Warnings: warnings };
    });
  }

  /**
   * Compares a spec with the existing job of the same name, after the same preparation as a submission
   * (so server defaults and meta do not show as differences). Writes nothing. Warns first, in
   * `Warnings`, when the spec changes the job's type, which `submitJob` refuses.
   *
   * Errors: ValidationError (400) `invalid job spec: name is missing`, or for an invalid spec; NotFound
   * (404) when no job has that name in the namespace.
   */
  async diffJob(request: DiffJobRequest, options: CallOptions = {}): Promise<DiffJobResponse> {
    options.signal?.throwIfAborted();
    const decoded = decodeSubmission(request.job, { requireName: true });
    const { job, warnings } = this.#prepare(decoded, {});
    const existing = await this.#store.getJobByName(job.Name, job.Namespace);
    // the diff would show the new type; submitting it is refused (see submitJob)
    const refusal =
      existing.Type === job.Type ? [] : [jobTypeChanged(job.Name, existing.ID, existing.Type, job.Type)];
    return {
      Diff: compareJobs(existing, { ...job, ID: existing.ID }),
      Warnings: orNull([
        ...refusal.map((r) => `submitting this spec will be refused: ${r.message}`),
        ...warnings,
      ]),
    };
  }

  /**
   * Stops a job: state Stopped with the reason as its message, the history event "Job requested to stop
   * before completion" {Reason}, and a `job-cancel` evaluation so the scheduler cancels its executions.
   * Idempotent: a job already Stopped is left alone and the answer's EvaluationID is `''`.
   *
   * Errors: NotFound (404); ConflictJobState (409) `cannot stop job in state Completed|Failed`.
   * Deliberate difference: Go answers 500 to both (the Failed case fails inside its store although
   * Go's comment says stopping a failed job is allowed); a finished job has nothing left to stop.
   */
  async stopJob(request: StopJobRequest, options: CallOptions = {}): Promise<StopJobResponse> {
    options.signal?.throwIfAborted();
    const reason = request.reason ?? '';
    return this.#store.transaction((tx) => {
      const job = tx.getJobByIDOrName(request.jobID, request.namespace ?? '');
      const state = job.State.StateType;
      if (state === 'Stopped') return { EvaluationID: '' };
      if (state === 'Completed' || state === 'Failed') throw cannotStop(state);
      const stopped = tx.updateJobState({
        jobID: job.ID,
        newState: 'Stopped',
        message: reason,
        condition: { expectedRevision: job.Revision },
      });
      tx.addJobHistory(stopped.ID, stopped.Version, [this.#options.events.jobStopped(reason)]);
      const evaluation = tx.createEvaluation(this.#evaluation(stopped, EvalTrigger.JobCancel));
      return { EvaluationID: evaluation.ID };
    });
  }

  /**
   * Runs a job again: the spec of `jobVersion` (default: the current one) becomes a new version, the job
   * goes back to Pending, the history gets "Job rerun requested" {Reason}, and a `job-rerun` evaluation
   * schedules it.
   *
   * Errors: ValidationError (400) for a negative or fractional version; NotFound (404) for an unknown job
   * or version; ConflictJobState (409) `cannot rerun job in state Pending|Queued|Undefined`.
   * Deliberate differences from Go: the state checked is the job's current one (Go checks the state the
   * chosen version had when it was superseded, so it lets a pending job be rerun from an old version);
   * the conflict is 409, not 500; an unknown job or version stays NotFound (Go answers 400 BadRequest
   * with the same message); the request's reason is recorded (Go always records `job rerun`).
   */
  async rerunJob(request: RerunJobRequest, options: CallOptions = {}): Promise<RerunJobResponse> {
    options.signal?.throwIfAborted();
    const version = request.jobVersion ?? 0;
    if (!Number.isSafeInteger(version) || version < 0) throw invalidJobVersion(version);
    const reason = isBlank(request.reason) ? DefaultRerunReason : (request.reason ?? '');
    return this.#store.transaction((tx) => {
      const current = tx.getJobByIDOrName(request.jobIDOrName, request.namespace ?? '');
      if (!isRerunnableJobState(current.State.StateType)) throw cannotRerun(current.State.StateType);
      const spec = version === 0 ? current : tx.getJobVersion(current.ID, version);
      const updated = tx.updateJob({ ...spec, ID: current.ID });
      const pending = tx.updateJobState({
        jobID: updated.ID,
        newState: 'Pending',
        message: JobRerunStateMessage,
        condition: { expectedRevision: updated.Revision },
      });
      tx.addJobHistory(pending.ID, pending.Version, [this.#options.events.jobRerun(reason)]);
      const evaluation = tx.createEvaluation(this.#evaluation(pending, EvalTrigger.JobRerun));
      return { EvaluationID: evaluation.ID, JobID: pending.ID, JobVersion: pending.Version, Warnings: null };
    });
  }

  /** Refuses a job that the transport could not carry to a node (see {@link jobTooLarge}). */
  #checkSize(job: Job): void {
    const max = this.#options.maxMessageBytes();
    if (max === undefined) return;
    // as the transport encodes it: Go's JSON, where each of < > & takes six bytes
    const bytes = Buffer.byteLength(goMarshal(encode(job, jobKind)));
    const limit = Math.max(0, max - ExecutionEnvelopeBytes);
    if (bytes > limit) throw jobTooLarge(bytes, limit);
  }

  /** Normalize, sanitize, transform: Go's `SubmitJob` before it touches the store. */
  #prepare(decoded: PreparedJob, client: { installationID?: string; instanceID?: string }): PreparedJob {
    const sanitized = sanitizeJobSubmission(normalizeJob(decoded.job));
    const transformed = chain(clientInfo(client), this.#options.transform)(sanitized.job);
    // after the transformers: they turn legacy WASM params into the form the executor reads
    checkBuiltinParams(transformed);
    return {
      // The store normalizes again (Go's CreateJob does too): what the transformers added, e.g. default
      // resources, is stored lower-cased.
      job: normalizeJob(transformed),
      warnings: listedFirst(
        [
          ...decoded.warnings,
          ...constraintWarnings(decoded.job),
          ...zeroCountWarnings(decoded.job),
          ...sanitized.warnings,
        ],
        'warnings',
      ),
    };
  }

  /**
   * An evaluation as Go's endpoint makes it: a bare-UUID ID, status pending. Deliberate difference: it
   * carries the job's priority (Go leaves 0, so `Priority` never orders anything). The store stamps the
   * times (Go leaves a submission's at 0).
   */
  #evaluation(job: Job, trigger: EvalTrigger): Evaluation {
    return newJobEvaluation(job, trigger, this.#options.newEvaluationID());
  }
}

/**
 * Decodes the request's job (case-insensitive keys, Count defaulting; unknown fields become warnings)
 * and runs Bacalhau's submission validation, reporting every problem in one ValidationError.
 */
function decodeSubmission(raw: unknown, options: { requireName?: boolean } = {}): PreparedJob {
  if (raw === undefined || raw === null) throw emptyJob();
  const inspected = inspectJobSpec(raw, 'server');
  const problems = [...inspected.problems];
  // Go's DiffJobRequest.Validate checks the name before anything else, and alone.
  if (problems.length === 0 && options.requireName === true && isBlank(inspected.job.Name)) {
    throw diffNameMissing();
  }
  // A value of the wrong JSON type is missing from the job: checking the job would mislead.
  if (inspected.wellTyped) appendAll(problems, validateJobSubmission(inspected.job));
  if (problems.length > 0) throw invalidJobSpec(problems);
  return { job: inspected.job, warnings: inspected.warnings };
}

/** Room left in a message for what is sent with the job (the execution, its events, the envelope). */
const ExecutionEnvelopeBytes = 64 * 1024;
const jobKind = struct(jobSchema);

/**
 * The checks Go's store makes on `CreateJob` (`Job.Validate`), failing as its store does
 * (`NewJobStoreError`: BadRequest from the JobStore, status 400), not as a request the API refuses.
 */
function checkForStore(job: Job): void {
  const problems = validateJob(job);
  if (problems.length === 0) return;
  const { message, hint, details } = invalidJobSpec(problems);
  throw new BacalhauError(message, {
    code: ErrorCode.BadRequest,
    component: JobStoreComponent,
    details,
    ...(hint === '' ? {} : { hint }),
  });
}
