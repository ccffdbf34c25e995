/**
 * What the two admission probes (`JobAdmissionControl.ProbeExec`, `ProbeHTTP`) share: the payload Go
 * sends them, the reason given when none is configured, and their time limit.
 *
 * The payload is Go's `BidStrategyRequest` as JSON, `{"Job": <the job as Bacalhau encodes it>}`: no
 * node ID and no callback (those were dropped before v1.9).
 *
 * Deliberate difference: Go waits for a probe as long as it takes, so one that hangs stalls every
 * bid; here a probe that does not answer within its time limit is a bidding error (TimeOut).
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { encode, struct } from '../../models/codec.js';
import type { Job } from '../../models/job.js';
import { jobSchema } from '../../models/schemas.js';
import { anySignal } from '../../lib/any-signal.js';

/** The environment variable that carries {@link probeData} to `ProbeExec`; it also arrives on stdin. */
export const ProbeDataEnvVar = 'BACALHAU_JOB_SELECTION_PROBE_DATA';

/** Go words the "no probe" acceptance the same for both probes. */
export const notConfiguredReason = 'have HTTP moderation unconfigured';

/** The default time limit of one probe call. */
export const DefaultProbeTimeoutMs = 30_000;

const jobKind = struct(jobSchema);

export function probeData(job: Job): string {
  return JSON.stringify({ Job: encode(job, jobKind) });
}

/** A signal that fires when the caller gives up or the probe's time runs out, and which of the two it was. */
export interface ProbeDeadline {
  signal: AbortSignal;
  /**
   * The error for an aborted probe: TimeOut (naming `key`, so the operator knows which probe) when the
   * time ran out, RequestCancelled when the caller aborted.
   */
  abortError(what: string): BacalhauError;
}

export function probeDeadline(
  key: string,
  timeoutMs: number,
  caller: AbortSignal | undefined,
): ProbeDeadline {
  const timeout = AbortSignal.timeout(timeoutMs);
  return {
    signal: caller === undefined ? timeout : anySignal([caller, timeout]),
    abortError(what) {
      if (caller?.aborted !== true && timeout.aborted) {
        return new BacalhauError(`${what} did not answer within ${timeoutMs / 1000}s`, {
          code: ErrorCode.TimeOut,
          component: 'Bidder',
          retryable: true,
          hint: `Make the probe in ${key} answer faster, or unset ${key}.`,
        });
      }
      return new BacalhauError(`${what} was cancelled`, {
        code: ErrorCode.RequestCancelled,
        component: 'Bidder',
        cause: caller?.reason,
      });
    },
  };
}
