/**
 * The client's TLS settings against a real HTTPS server on 127.0.0.1 with a self-signed certificate:
 * API requests and the log stream's WebSocket both trust what the settings say, and an untrusted
 * certificate is explained in one line with the caller's fix.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  makeSelfSignedCert,
  selfSignedUnavailable,
  type SelfSignedCert,
} from '../../../../test/helpers/self-signed-cert.js';
import { selfSignedCertificate } from '../../../lib/self-signed-cert.js';
import { BacalhauClient } from '../client.js';
import { nodeTransportOptions, type ClientTlsSettings } from './tls.js';

const unavailable = selfSignedUnavailable();
const fix = 'set the CA file, or skip verification';

let cert: SelfSignedCert;
let other: SelfSignedCert;
let server: Server;
let baseUrl: string;
/** What the server received last: method, headers and body. */
let received: { method: string; auth: string; body: string } | undefined;

beforeAll(async () => {
  if (unavailable !== undefined) return;
  cert = makeSelfSignedCert();
  other = makeSelfSignedCert();
  server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received = { method: req.method ?? '', auth: req.headers.authorization ?? '', body };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(req.method === 'PUT' ? '{"JobID":"j-1","EvaluationID":"e-1"}' : '{"Status":"OK"}');
    });
  });
  const sockets = new WebSocketServer({ server });
  sockets.on('connection', (socket) => {
    socket.send(JSON.stringify({ value: { Type: 1, Line: 'hello over wss\n' } }));
    socket.close(1000);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (unavailable !== undefined) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  cert.remove();
  other.remove();
});

function client(settings: Omit<ClientTlsSettings, 'untrustedFix'>): BacalhauClient {
  return new BacalhauClient({
    baseUrl,
    token: 'secret-token',
    ...nodeTransportOptions({ ...settings, untrustedFix: fix }),
  });
}

async function logLines(c: BacalhauClient): Promise<string[]> {
  const lines: string[] = [];
  for await (const log of c.jobs.logs({ idOrName: 'j-1' })) lines.push(log.Line);
  return lines;
}

describe.skipIf(unavailable !== undefined)('client TLS settings', () => {
  it('refuses a self-signed certificate by default, naming the fix', async () => {
    const untrusted = `the TLS certificate of ${baseUrl} is not trusted (self-signed certificate): ${fix}`;
    await expect(client({}).agent.alive()).rejects.toThrow(untrusted);
    await expect(logLines(client({}))).rejects.toThrow(untrusted);
  });

  it('trusts the certificate of the CA file, for requests and the log stream', async () => {
    const c = client({ ca: cert.cert });
    expect(await c.agent.alive()).toEqual({ Status: 'OK' });
    expect(await c.jobs.put({ job: { Name: 'n' } })).toMatchObject({ JobID: 'j-1' });
    expect(received).toEqual({
      method: 'PUT',
      auth: 'Bearer secret-token',
      body: '{"Job":{"Name":"n"},"Force":false}',
    });
    expect(await logLines(c)).toEqual(['hello over wss\n']);
  });

  it('skips verification when insecure', async () => {
    const c = client({ insecure: true });
    expect(await c.agent.alive()).toEqual({ Status: 'OK' });
    expect(await logLines(c)).toEqual(['hello over wss\n']);
  });

  it('a CA file wins over insecure, as in Go: another CA is not trusted', async () => {
    await expect(client({ ca: other.cert, insecure: true }).agent.alive()).rejects.toThrow(
      /is not trusted \(self-signed certificate\)/,
    );
  });

  it('says a trusted certificate issued for other names is not for the address, instead of untrusted', async () => {
    // the certificate names 127.0.0.1 only
    const byName = new BacalhauClient({
      baseUrl: baseUrl.replace('127.0.0.1', 'localhost'),
      ...nodeTransportOptions({ ca: cert.cert, untrustedFix: fix }),
    });
    await expect(byName.agent.alive()).rejects.toThrow(
      /^the TLS certificate of https:\/\/localhost:\d+ is not for this address \(.*localhost.*\): connect with a host name or address it names$/,
    );
  });

  it('leaves plain HTTP and other failures to the default errors', async () => {
    const plain = new BacalhauClient({
      baseUrl: 'http://127.0.0.1:1',
      ...nodeTransportOptions({ ca: cert.cert, untrustedFix: fix }),
    });
    await expect(plain.agent.alive()).rejects.toThrow(/not reachable/);
  });
});

describe('a certificate out of its dates', () => {
  it('is said to be not valid now, not to need another CA', async () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const twoYearsAgo = new Date(Date.now() - 2 * 365 * 24 * 3600 * 1000);
    const expired = selfSignedCertificate({
      key,
      names: ['127.0.0.1'],
      commonName: 'expired',
      now: twoYearsAgo,
    });
    const old = createServer(
      { key: key.export({ type: 'pkcs1', format: 'pem' }), cert: expired },
      (_req, res) => res.end('{"Status":"OK"}'),
    );
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(old.address() as AddressInfo).port}`;
    try {
      const c = new BacalhauClient({
        baseUrl: url,
        ...nodeTransportOptions({ ca: expired, untrustedFix: fix }),
      });
      await expect(c.agent.alive()).rejects.toThrow(
        `the TLS certificate of ${url} is not valid now (certificate has expired): the server needs a current certificate (or this machine's clock is wrong)`,
      );
    } finally {
      old.closeAllConnections();
      await new Promise((resolve) => old.close(resolve));
    }
  });
});
