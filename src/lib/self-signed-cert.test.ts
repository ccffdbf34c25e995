import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { get, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from './self-signed-cert.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('selfSignedCertificate', () => {
  it('is a v3 certificate that node:crypto parses and that verifies with its own key', () => {
    const now = new Date('2026-11-21T10:00:00Z');
    const pem = selfSignedCertificate({
      key: privateKey,
      names: ['127.0.0.1', '::1', 'localhost'],
      commonName: 'bacalhau',
      now,
    });
    const cert = new X509Certificate(pem);
    expect(cert.subject).toBe('CN=bacalhau');
    expect(cert.issuer).toBe('CN=bacalhau');
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost');
    expect(new Date(cert.validFrom).toISOString()).toBe('2026-11-21T10:00:00.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2027-11-21T10:00:00.000Z');
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(privateKey)).toBe(true);
  });

  it('encodes any serial as DER wants it: leading zero bytes dropped, a high bit kept positive', () => {
    const serials: [string, string][] = [
      ['00007f' + '11'.repeat(13), '7F' + '11'.repeat(13)],
      ['00' + '80'.repeat(15), '80'.repeat(15)],
      ['ff' + '00'.repeat(15), 'FF' + '00'.repeat(15)],
      ['00'.repeat(16), '0'],
    ];
    for (const [serial, shown] of serials) {
      const pem = selfSignedCertificate({
        key: privateKey,
        names: [],
        commonName: 'bacalhau',
        serial: Buffer.from(serial, 'hex'),
      });
      const key = privateKey.export({ type: 'pkcs1', format: 'pem' });
      // OpenSSL's TLS context parses strictly: a non-minimal INTEGER is "illegal padding"
      expect(() => createSecureContext({ cert: pem, key })).not.toThrow();
      expect(new X509Certificate(pem).serialNumber).toBe(shown);
    }
  });

  it('serves TLS that a client trusting the file accepts for the names it holds', async () => {
    const cert = selfSignedCertificate({ key: privateKey, names: ['127.0.0.1'], commonName: 'bacalhau' });
    const key = privateKey.export({ type: 'pkcs1', format: 'pem' });
    const server = createServer({ cert, key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        get(`https://127.0.0.1:${port}/`, { ca: cert }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(body).toBe('ok');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
