/**
 * The CLI's trust in the node's TLS certificate, for requests and the log stream alike: a profile's
 * `tls.insecure`, else `API.TLS.CAFile` and `API.TLS.Insecure` (Go's `generateAPIRequestsOptions`). An
 * untrusted certificate is reported with the setting to change where the connection came from.
 *
 * Deliberate difference: Go applies `API.TLS.*` only when the API address was set explicitly and the
 * scheme came from `API.TLS.UseTLS`; here they apply to any https address that no profile governs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClientTlsSettings } from '../api/client/node/tls.js';
import type { BacalhauConfig } from '../config/index.js';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';
import type { CliContext } from './context.js';
import type { ActiveProfile } from './profile/active.js';

/** What governs trust in the node's certificate, and how to change it when it is not trusted. */
export function tlsSettings(
  ctx: CliContext,
  config: BacalhauConfig,
  profile: ActiveProfile | undefined,
): ClientTlsSettings {
  if (profile !== undefined) {
    return {
      insecure: profile.profile.tls?.insecure === true,
      untrustedFix: `to skip verification for this profile, run '${ctx.binName} profile save ${profile.name} --insecure'`,
    };
  }
  const { CAFile, Insecure } = config.API.TLS;
  return {
    ...(CAFile === '' ? {} : { ca: readCaFile(resolve(ctx.cwd, CAFile)) }),
    insecure: Insecure,
    untrustedFix:
      'set API.TLS.CAFile to the certificate of the CA that signed it, or API.TLS.Insecure=true to skip ' +
      'verification (e.g. -c API.TLS.Insecure=true)',
  };
}

function readCaFile(path: string): string {
  const fail = (problem: string): BacalhauError =>
    new BacalhauError(
      `API.TLS.CAFile: ${problem}; point it at the PEM file of the CA that signed the node's certificate`,
      { code: ErrorCode.ConfigurationError, component: 'CLI' },
    );
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(
      code === 'ENOENT'
        ? `CA certificate file "${path}" does not exist`
        : `cannot read "${path}": ${errorMessage(err)}`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw fail(`"${path}" holds no PEM certificate`);
  return pem;
}
