/**
 * Requests and responses of the job endpoint. Requests use camelCase (the API layer maps HTTP bodies,
 * paths, queries and headers onto them); responses are the wire bodies of Bacalhau's
 * `pkg/publicapi/apimodels/job.go`, PascalCase, ready to be sent as they are.
 */

/** Options every endpoint method accepts. */
export interface CallOptions {
  /** Checked before the store is touched; an aborted call changes nothing. */
  signal?: AbortSignal;
}

/** `PUT /api/v1/orchestrator/jobs` (Go's `SubmitJobRequest`). */
export interface SubmitJobRequest {
  /**
   * The job as sent: the `Job` member of the request body (plain data, keys matched case-insensitively)
   * or an already decoded `Job`. `undefined` / `null` is refused with `empty/nil job`.
   */
  job: unknown;
  /** Submit even when the spec is identical to the existing job of the same name. */
  force?: boolean;
  /** Header `X-Bacalhau-InstallationID`. */
  clientInstallationID?: string;
  /** Header `X-Bacalhau-InstanceID`. */
  clientInstanceID?: string;
}

export interface SubmitJobResponse {
  JobID: string;
  /** A bare UUID, as Go's `SubmitJob` generates. */
  EvaluationID: string;
  /** `null` when there are none, as Go's nil slice encodes. */
  Warnings: string[] | null;
}

/** `PUT /api/v1/orchestrator/jobs/diff`. */
export interface DiffJobRequest {
  /** As `SubmitJobRequest.job`; its `Name` is required. */
  job: unknown;
}

export interface DiffJobResponse {
  /** One line per difference (see diff.ts); `''` when the specs are equivalent. */
  Diff: string;
  Warnings: string[] | null;
}

/** `DELETE /api/v1/orchestrator/jobs/{id}`. */
export interface StopJobRequest {
  /** Job name, full ID or unique ID prefix; the name is tried first. */
  jobID: string;
  /** Namespace of the name lookup; `''` / absent = `default`. */
  namespace?: string;
  /** Body `reason`: becomes the job's state message and the history event's `Reason`. */
  reason?: string;
}

export interface StopJobResponse {
  /** `''` when the job was already stopped. */
  EvaluationID: string;
}

/** `PUT /api/v1/orchestrator/jobs/{id}/rerun`. */
export interface RerunJobRequest {
  /** Job name, full ID or unique ID prefix; the name is tried first. */
  jobIDOrName: string;
  namespace?: string;
  /** Body `JobVersion`: the version whose spec runs again; 0 / absent = the current one. */
  jobVersion?: number;
  /** Body `Reason`: recorded in the "Job rerun requested" history event (default `job rerun`). */
  reason?: string;
}

export interface RerunJobResponse {
  EvaluationID: string;
  JobID: string;
  /** The new version the rerun created. */
  JobVersion: number;
  /** Always `null`, as in Go. */
  Warnings: null;
}
