import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { load } from '../config/index.js';
import { apiTls } from './serve-tls.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-serve-tls-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tlsOf = (...overrides: string[]) =>
  apiTls(load({ env: {}, home: dir, dataDir: join(dir, 'data'), numCpu: 2, config: overrides }));
const dataDir = (): string => join(dir, 'data');

describe('apiTls', () => {
  it('is plain HTTP when nothing asks for TLS', async () => {
    expect(await tlsOf()).toBeUndefined();
  });

  it("refuses half a pair in Go's words, naming the missing key", async () => {
    await expect(tlsOf('API.TLS.CertFile=/x/cert.pem')).rejects.toThrow(
      expect.objectContaining({
        message: 'invalid config: TLS cert specified without corresponding private key',
        hint: 'set API.TLS.KeyFile to a readable PEM file',
      }),
    );
    await expect(tlsOf('API.TLS.KeyFile=/x/key.pem')).rejects.toThrow(
      'invalid config: private key specified without corresponding TLS certificate',
    );
  });

  it('names a file it cannot read, and a pair that is not PEM', async () => {
    const missing = join(dir, 'missing.pem');
    await expect(tlsOf(`API.TLS.CertFile=${missing}`, `API.TLS.KeyFile=${missing}`)).rejects.toThrow(
      `cannot read API.TLS.CertFile ${missing}: ENOENT`,
    );
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    await expect(tlsOf(`API.TLS.CertFile=${garbage}`, `API.TLS.KeyFile=${garbage}`)).rejects.toThrow(
      /^API\.TLS\.CertFile and API\.TLS\.KeyFile cannot serve TLS: /,
    );
  });

  it('makes a certificate from the user key with SelfSigned, and writes it for clients to trust', async () => {
    mkdirSync(dataDir());
    const tls = await tlsOf('API.TLS.SelfSigned=true', 'API.Host=127.0.0.2');
    const file = join(dataDir(), 'api-self-signed.crt');
    expect(tls?.selfSignedFile).toBe(file);
    const cert = new X509Certificate(readFileSync(file));
    expect(cert.subjectAltName).toBe(
      'IP Address:127.0.0.2, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost',
    );
    // the user key (Go's choice): made now, kept for the next start
    const userKey = createPrivateKey(readFileSync(join(dataDir(), 'user_id.pem')));
    expect(cert.checkPrivateKey(userKey)).toBe(true);
    expect(tls?.key.toString()).toBe(userKey.export({ type: 'pkcs1', format: 'pem' }));
  });

  it('refuses to start rather than serve plain HTTP when asked for an ACME certificate', async () => {
    await expect(tlsOf('API.TLS.AutoCert=example.com')).rejects.toThrow(
      expect.objectContaining({
        message: 'API.TLS.AutoCert is not supported by bacalhau-ts yet: it obtains no ACME certificates',
        hint: expect.stringContaining('API.TLS.CertFile and API.TLS.KeyFile') as unknown,
      }),
    );
  });
});
