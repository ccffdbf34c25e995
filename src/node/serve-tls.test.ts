import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

describe('apiTls', () => {
  it('is plain HTTP when nothing asks for TLS', () => {
    expect(tlsOf()).toBeUndefined();
  });

  it("refuses half a pair in Go's words, naming the missing key", () => {
    expect(() => tlsOf('API.TLS.CertFile=/x/cert.pem')).toThrow(
      expect.objectContaining({
        message: 'invalid config: TLS cert specified without corresponding private key',
        hint: 'set API.TLS.KeyFile to a readable PEM file',
      }),
    );
    expect(() => tlsOf('API.TLS.KeyFile=/x/key.pem')).toThrow(
      'invalid config: private key specified without corresponding TLS certificate',
    );
  });

  it('names a file it cannot read, and a pair that is not PEM', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => tlsOf(`API.TLS.CertFile=${missing}`, `API.TLS.KeyFile=${missing}`)).toThrow(
      `cannot read API.TLS.CertFile ${missing}: ENOENT`,
    );
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    expect(() => tlsOf(`API.TLS.CertFile=${garbage}`, `API.TLS.KeyFile=${garbage}`)).toThrow(
      /^API\.TLS\.CertFile and API\.TLS\.KeyFile cannot serve TLS: /,
    );
  });

  it('refuses to start rather than serve plain HTTP when asked to make a certificate', () => {
    for (const setting of ['API.TLS.SelfSigned=true', 'API.TLS.AutoCert=example.com']) {
      const key = setting.split('=')[0] ?? '';
      expect(() => tlsOf(setting)).toThrow(
        expect.objectContaining({
          message: `${key} is not supported by bacalhau-ts yet: it cannot make its own certificate`,
          hint: expect.stringContaining('API.TLS.CertFile and API.TLS.KeyFile') as unknown,
        }),
      );
    }
  });
});
