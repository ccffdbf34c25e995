/**
 * Telling a TLS peer's certificate that does not verify apart from other connection failures, for the
 * clients that explain it (the API client, the NATS transports) in terms of the setting to change.
 */
import { errorChain } from './error-chain.js';

/** OpenSSL's and Node's codes for a certificate that does not verify (not for other TLS failures). */
const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A certificate refused for its dates: trusting its issuer would not help. */
const outOfDateCodes = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export interface CertificateProblem {
  /** OpenSSL's or Node's code, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  code: string;
  /** Node's words for it, e.g. "self-signed certificate". */
  reason: string;
}

/** Why a certificate was refused, found anywhere in the cause chain (fetch and nats.js wrap it). */
export function certificateProblem(failure: unknown): CertificateProblem | undefined {
  for (const e of errorChain(failure)) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && certificateCodes.has(code)) return { code, reason: e.message };
  }
  return undefined;
}

/** Whether the certificate was refused for its dates only. */
export function isOutOfDate(problem: CertificateProblem): boolean {
  return outOfDateCodes.has(problem.code);
}
