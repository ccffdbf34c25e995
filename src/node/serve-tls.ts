/**
 * The API server's TLS (`API.TLS.*`): the certificate and key files, read at start. A node asked for
 * TLS it cannot give refuses to start rather than serve plain HTTP, where clients would send their
 * passwords and API keys in the clear: a self-signed certificate (`SelfSigned`) and ACME certificates
 * (`AutoCert`), which Go's node makes itself, are not made here yet.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { BacalhauConfig } from '../config/index.js';
import { BacalhauError, ErrorCode, errorMessage } from '../models/index.js';

const TlsComponent = 'Serve';

/** The PEM certificate chain and key to serve, or undefined for plain HTTP. */
export function apiTls(config: BacalhauConfig): { cert: Buffer; key: Buffer } | undefined {
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
  const unmade = SelfSigned ? 'API.TLS.SelfSigned' : AutoCert !== '' ? 'API.TLS.AutoCert' : undefined;
  if (unmade === undefined) return undefined;
  throw new BacalhauError(
    `${unmade} is not supported by bacalhau-ts yet: it cannot make its own certificate`,
    {
      code: ErrorCode.NotImplemented,
      component: TlsComponent,
      hint:
        'give a certificate and its key with API.TLS.CertFile and API.TLS.KeyFile (a self-signed one: ' +
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -subj '/CN=<host>' " +
        "-addext 'subjectAltName=IP:<address>'), or unset it to serve plain HTTP",
    },
  );
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
