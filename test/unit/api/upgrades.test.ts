/**
 * Requests that ask for a protocol upgrade, over real sockets: only a WebSocket handshake on the logs
 * route is upgraded; any other is served as plain HTTP (as Go's net/http does), and no socket is left
 * open once either side is done with it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../src/lib/self-signed-cert.js';
import { dockerJob, withApi } from './harness.js';

interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/** One request written as is on a new connection; resolves with the first response read back. */
async function send(
  baseUrl: string,
  head: string[],
  body = '',
): Promise<{ socket: Socket; response: RawResponse }> {
  const { hostname, port, protocol } = new URL(baseUrl);
  const socket =
    protocol === 'https:'
      ? connectTls({ port: Number(port), host: hostname, rejectUnauthorized: false })
      : connect(Number(port), hostname);
  const connected = protocol === 'https:' ? 'secureConnect' : 'connect';
  await new Promise<void>((resolve, reject) => socket.once(connected, resolve).once('error', reject));
  const length = body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body)}`];
  socket.write(`${[...head, ...length].join('\r\n')}\r\n\r\n${body}`);
  const response = await new Promise<RawResponse>((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers = received.slice(0, end);
      const size = Number(/content-length: (\d+)/iu.exec(headers)?.[1] ?? 0);
      if (received.length < end + 4 + size) return;
      socket.off('data', onData);
      resolve({
        status: Number(headers.split(' ')[1]),
        headers,
        body: received.slice(end + 4, end + 4 + size),
      });
    };
    socket.on('data', onData).once('error', reject);
  });
  return { socket, response };
}

/** Resolves once the server closed the connection (after `end()` from this side, if asked). */
function closedByServer(socket: Socket, end: boolean): Promise<void> {
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.resume();
    if (end) socket.end();
  });
}

/** A node's API listening on a loopback port of its own, over HTTPS with `tls`. */
function withServer(fn: (baseUrl: string) => Promise<void>, tls = false): Promise<void> {
  const server = { host: '127.0.0.1', port: 0, ...(tls && { tls: selfSignedTls() }) };
  return withApi({ server }, async (api) => fn(await api.server.listen()));
}

function selfSignedTls(): { cert: Buffer; key: Buffer } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = selfSignedCertificate({ key: privateKey, names: ['127.0.0.1'], commonName: '127.0.0.1' });
  return { cert: Buffer.from(cert), key: Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' })) };
}

const h2c = [
  'Connection: Upgrade, HTTP2-Settings',
  'Upgrade: h2c',
  'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
];
const webSocket = [
  'Connection: Upgrade',
  'Upgrade: websocket',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
];

/** A WebSocket handshake for `path`. */
function handshake(baseUrl: string, path: string): ReturnType<typeof send> {
  return send(baseUrl, [`GET ${path} HTTP/1.1`, 'Host: x', ...webSocket]);
}

describe('upgrade requests', () => {
  it('serves an h2c upgrade (curl --http2) as plain HTTP/1.1, body included', async () => {
    await withServer(async (baseUrl) => {
      const alive = await send(baseUrl, ['GET /api/v1/agent/alive HTTP/1.1', 'Host: x', ...h2c]);
      expect(alive.response.status).toBe(200);
      expect(JSON.parse(alive.response.body)).toEqual({ Status: 'OK' });
      alive.socket.destroy();

      const put = await send(
        baseUrl,
        ['PUT /api/v1/orchestrator/jobs HTTP/1.1', 'Host: x', 'Content-Type: application/json', ...h2c],
        JSON.stringify({ Job: dockerJob() }),
      );
      expect(put.response.status).toBe(200);
      expect((JSON.parse(put.response.body) as { JobID: string }).JobID).toMatch(/^j-/u);
      put.socket.destroy();
    });
  });

  it('serves an h2c upgrade as plain HTTP over HTTPS too', async () => {
    await withServer(async (baseUrl) => {
      expect(baseUrl).toMatch(/^https:/u);
      const alive = await send(baseUrl, ['GET /api/v1/agent/alive HTTP/1.1', 'Host: x', ...h2c]);
      expect(alive.response.status).toBe(200);
      expect(JSON.parse(alive.response.body)).toEqual({ Status: 'OK' });
      alive.socket.destroy();
    }, true);
  });

  it('answers a WebSocket handshake on a route without WebSocket as plain HTTP, not 101', async () => {
    await withServer(async (baseUrl) => {
      const { socket, response } = await handshake(baseUrl, '/api/v1/agent/alive');
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ Status: 'OK' });
      socket.destroy();
    });
  });

  it('upgrades a WebSocket handshake for an empty job ID, which the route then answers (job logs "$UNSET")', async () => {
    await withServer(async (baseUrl) => {
      const { socket, response } = await handshake(baseUrl, '/api/v1/orchestrator/jobs//logs');
      expect(response.status).toBe(101);
      socket.destroy();
    });
  });

  it('closes the connection of a CORS preflight that asked for an upgrade once the client is done', async () => {
    await withServer(async (baseUrl) => {
      const { socket, response } = await send(baseUrl, [
        'OPTIONS /api/v1/orchestrator/jobs/j-1/logs HTTP/1.1',
        'Host: x',
        'Origin: http://ui.example',
        'Access-Control-Request-Method: GET',
        ...webSocket,
      ]);
      expect(response.status).toBe(204);
      await closedByServer(socket, true);
    });
  });

  it('closes the socket of a WebSocket handshake that the router refuses (bad percent-encoding)', async () => {
    await withServer(async (baseUrl) => {
      const { socket, response } = await handshake(baseUrl, '/api/v1/orchestrator/jobs/%ff/logs');
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ Status: 400 });
      await closedByServer(socket, false);
    });
  });

  it('answers a CONNECT request (a client taking the node for a proxy) with an APIError, and closes', async () => {
    await withServer(async (baseUrl) => {
      const { socket, response } = await send(baseUrl, [
        'CONNECT 127.0.0.1:22 HTTP/1.1',
        'Host: 127.0.0.1:22',
        'X-Request-Id: my-request',
      ]);
      expect(response.status).toBe(405);
      expect(response.headers).toMatch(/\r\nx-bacalhau-git-version: v1\.9\.0\r\n/iu);
      expect(JSON.parse(response.body)).toEqual({
        Status: 405,
        Message: "CONNECT is not supported: this is a Bacalhau node's API, not an HTTP proxy",
        RequestID: 'my-request',
        Code: 'InternalError',
        Component: 'APIServer',
      });
      await closedByServer(socket, false);
    });
  });

  it('refuses a malformed WebSocket handshake with an APIError naming the header, and closes', async () => {
    await withServer(async (baseUrl) => {
      const path = 'GET /api/v1/orchestrator/jobs/j-1/logs HTTP/1.1';
      const refusals = [
        [['Sec-WebSocket-Key: short'], 'Sec-WebSocket-Key'],
        [
          ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: a,,b'],
          'Sec-WebSocket-Protocol',
        ],
      ] as const;
      for (const [headers, named] of refusals) {
        const { socket, response } = await send(baseUrl, [
          path,
          'Host: x',
          'X-Request-Id: my-request',
          'Connection: Upgrade',
          'Upgrade: websocket',
          'Sec-WebSocket-Version: 13',
          ...headers,
        ]);
        expect(response.status).toBe(400);
        expect(response.headers).toMatch(/\r\ncontent-type: application\/json\r\n/iu);
        expect(response.headers).toMatch(/\r\nx-bacalhau-git-version: v1\.9\.0\r\n/iu);
        expect(JSON.parse(response.body)).toEqual({
          Status: 400,
          Message: expect.stringContaining(named) as unknown,
          RequestID: 'my-request',
          Code: 'InternalError',
          Component: 'APIServer',
          Hint: expect.any(String) as unknown,
        });
        // only a refused version is answered with the versions spoken
        expect(response.headers).not.toMatch(/\r\nsec-websocket-version:/iu);
        await closedByServer(socket, false);
      }
      // a version it does not speak: the answer lists the ones it does, as RFC 6455 asks
      const { socket, response } = await send(baseUrl, [
        path,
        'Host: x',
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 99',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ]);
      expect(response.status).toBe(400);
      expect(response.headers).toMatch(/\r\nsec-websocket-version: 13, 8(\r\n|$)/iu);
      expect(JSON.parse(response.body)).toMatchObject({
        Message: expect.stringContaining('Sec-WebSocket-Version') as unknown,
      });
      await closedByServer(socket, false);
    });
  });
});
