/**
 * The API server's TLS (`API.TLS.*`), settled at start: the certificate and key files, or with
 * `SelfSigned` a certificate made from the node's user key (`<DataDir>/user_id.pem`, as Go makes it),
 * written beside it for clients to trust. A node asked for TLS it cannot give refuses to start rather
 * than serve plain HTTP, where clients would send passwords and API keys in the clear: ACME certificates
 * (`AutoCert`) are not obtained here yet.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { loadUserKey, type BacalhauConfig } from '../config/index.js';
import { selfSignedCertificate } from '../lib/self-signed-cert.js';
import { BacalhauError, ErrorCode, errorMessage } from '../models/index.js';
import { clientHost } from './serve-run-info.js';

const TlsComponent = 'Serve';
/** Where a self-signed certificate is written, under the data dir. */
export const SelfSignedCertFile = 'api-self-signed.crt';

export interface ApiTls {
  cert: Buffer;
  key: Buffer;
  /** The file of the certificate this node made itself, for clients' `API.TLS.CAFile`. */
  selfSignedFile?: string;
}

/** The PEM certificate chain and key to serve, or undefined for plain HTTP. */
export async function apiTls(config: BacalhauConfig): Promise<ApiTls | undefined> {
  const { CertFile, KeyFile, SelfSigned, AutoCert } = config.API.TLS;
  // Go's wording for a half-given pair
  if (CertFile !== '' && KeyFile === '') {
    throw tlsError('invalid config: TLS cert specified without corresponding private key', 'API.TLS.KeyFile');
  }
  if (CertFile === '' && KeyFile !== '') {
    throw tlsError(
      'invalid config: private key specified without corresponding TLS certificate',
      'API.TLS.CertFile',
    );
  }
  if (CertFile !== '')
    return usablePair(readPem(CertFile, 'API.TLS.CertFile'), readPem(KeyFile, 'API.TLS.KeyFile'));
  if (SelfSigned) return selfSigned(config);
  if (AutoCert === '') return undefined;
  throw new BacalhauError(
    'API.TLS.AutoCert is not supported by bacalhau-ts yet: it obtains no ACME certificates',
    {
      code: ErrorCode.NotImplemented,
      component: TlsComponent,
      hint:
        'give a certificate and its key with API.TLS.CertFile and API.TLS.KeyFile, use API.TLS.SelfSigned=true, ' +
        'or unset it to serve plain HTTP',
    },
  );
}

/**
 * A certificate for the user key, valid for the API host when it is an address (as Go's) and for this
 * machine's loopback names, where the CLI beside the node connects.
 */
async function selfSigned(config: BacalhauConfig): Promise<ApiTls> {
  const key = await loadUserKey(config.DataDir);
  // a listen-everywhere host is reached at loopback, which the certificate names anyway
  const host = clientHost(config.API.Host);
  const names = [...new Set([...(isIP(host) === 0 ? [] : [host]), '127.0.0.1', '::1', 'localhost'])];
  const cert = selfSignedCertificate({ key, names, commonName: 'bacalhau' });
  const selfSignedFile = join(config.DataDir, SelfSignedCertFile);
  writeFileSync(selfSignedFile, cert, { mode: 0o644 });
  return {
    cert: Buffer.from(cert),
    key: Buffer.from(key.export({ type: 'pkcs1', format: 'pem' })),
    selfSignedFile,
  };
}

/** The pair, once Node's TLS takes it (PEM that parses, a key that matches the certificate). */
function usablePair(cert: Buffer, key: Buffer): { cert: Buffer; key: Buffer } {
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw tlsError(
      `API.TLS.CertFile and API.TLS.KeyFile cannot serve TLS: ${errorMessage(err)}`,
      'API.TLS.CertFile and API.TLS.KeyFile',
      'to a PEM certificate and its own private key',
    );
  }
  return { cert, key };
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw tlsError(`cannot read ${key} ${path}: ${errorMessage(err)}`, key);
  }
}

function tlsError(message: string, key: string, what = 'to a readable PEM file'): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.ValidationError,
    component: TlsComponent,
    hint: `set ${key} ${what}`,
  });
}
