// The proxy on loopback sockets only: a target server on 127.0.0.1, reached as `localhost` (allowed)
// or as `127.0.0.1` (not in the domain list). Reaching loopback at all needs `allowNodeLocal`; a
// second proxy without it shows the default.
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import { BlockList, connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNodeLocalAddress, resolveDestination } from '../egress-destination.js';
import { EgressProxy } from './egress-proxy.js';

async function listening<T extends { listen(port: number, host: string): unknown; address(): unknown }>(
  server: T & NodeJS.EventEmitter,
): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('EgressProxy', () => {
  let target: Server;
  let targetPort: number;
  let proxy: EgressProxy;
  let proxyPort: number;
  /** The same domains, without allowNodeLocal. */
  let guarded: EgressProxy;
  let guardedPort: number;

  beforeAll(async () => {
    target = createServer((req, res) =>
      res.end(
        req.url === '/job-id'
          ? String(req.headers['x-bacalhau-job-id'])
          : `${req.method} ${req.url} ${String(req.headers['x-test'])}`,
      ),
    );
    targetPort = await listening(target);
    const listener = createTcpServer();
    proxyPort = await listening(listener);
    proxy = new EgressProxy(
      listener,
      { domains: ['localhost', '.example.com'], jobID: 'j-proxied' },
      { allowNodeLocal: true },
    );
    const guardedListener = createTcpServer();
    guardedPort = await listening(guardedListener);
    guarded = new EgressProxy(guardedListener, {
      domains: ['localhost', '127.0.0.1', '::1', '.example.com'],
      jobID: 'j-guarded',
    });
  });

  afterAll(() => {
    proxy.stop();
    proxy.stop(); // idempotent
    guarded.stop();
    target.close();
  });

  /** Sends `method url` to the proxy; resolves with the status and body. */
  function viaProxy(
    url: string,
    method = 'GET',
    port = proxyPort,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method,
        path: url,
        headers: { 'x-test': 'kept', 'X-Bacalhau-Job-ID': 'j-spoofed' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Sends CONNECT `authority`, then (when tunnelled) a GET through the tunnel; resolves with all it got. */
  async function tunnel(authority: string, port = proxyPort): Promise<string> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.startsWith('HTTP/1.1 200') && !received.includes('GET /tunnelled')) {
        socket.write('GET /tunnelled HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
      }
    });
    await once(socket, 'close');
    return received;
  }

  it('forwards absolute-URL requests to allowed hosts, with their end-to-end headers', async () => {
    expect(await viaProxy(`http://localhost:${targetPort}/path?q=1`)).toEqual({
      status: 200,
      body: 'GET /path?q=1 kept',
    });
  });

  it("tells the server the job's ID in X-Bacalhau-Job-ID, as Bacalhau's gateway does, whatever the task sent", async () => {
    expect(await viaProxy(`http://localhost:${targetPort}/job-id`)).toEqual({
      status: 200,
      body: 'j-proxied',
    });
  });

  it('ends a forwarded request once the task hangs up, however long its answer streams', async () => {
    let open = 0;
    const streaming = createServer((_req, res) => {
      open++;
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'.repeat(1024)), 5);
      res.on('close', () => {
        clearInterval(timer);
        open--;
      });
    });
    const port = await listening(streaming);
    try {
      const req = request({ host: '127.0.0.1', port: proxyPort, path: `http://localhost:${port}/` });
      const [res] = (await once(req.end(), 'response')) as [NodeJS.ReadableStream];
      await once(res, 'data');
      expect(open).toBe(1);
      req.destroy();
      while (open > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      streaming.closeAllConnections();
      streaming.close();
    }
  });

  it('refuses hosts outside the domain list, naming the field', async () => {
    const refused = await viaProxy(`http://127.0.0.1:${targetPort}/`);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("127.0.0.1 is not in this task's Network.Domains");
  });

  it('refuses requests that are not for a proxy', async () => {
    expect((await viaProxy('/relative')).status).toBe(400);
  });

  it('answers 502 when an allowed host cannot be reached', async () => {
    const closed = createTcpServer();
    const port = await listening(closed);
    closed.close();
    expect((await viaProxy(`http://localhost:${port}/`)).status).toBe(502);
  });

  it('tunnels CONNECT to allowed hosts only', async () => {
    const allowed = await tunnel(`localhost:${targetPort}`);
    expect(allowed).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(allowed).toContain('GET /tunnelled');
    expect(await tunnel(`127.0.0.1:${targetPort}`)).toMatch(/^HTTP\/1\.1 403 Forbidden/);
  });

  it('refuses allowed names and addresses that are the node itself, unless allowNodeLocal', async () => {
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      const refused = await viaProxy(`http://${host}:${targetPort}/`, 'GET', guardedPort);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('resolves to an address of the compute node itself or a link-local one');
    }
    expect(await tunnel(`localhost:${targetPort}`, guardedPort)).toMatch(
      /^HTTP\/1\.1 403 Forbidden\r\n[^]*localhost resolves to an address of the compute node itself/,
    );
  });

  it("classes loopback, unspecified, link-local and this host's own addresses, IPv4-mapped too, as node-local", async () => {
    const local = ['127.0.0.1', '127.8.9.10', '0.0.0.0', '169.254.169.254', '::ffff:127.0.0.1'];
    expect(local.map((a) => isNodeLocalAddress(a, a.includes(':') ? 6 : 4))).toEqual(local.map(() => true));
    expect(['::1', '::', 'fe80::1'].map((a) => isNodeLocalAddress(a, 6))).toEqual([true, true, true]);
    expect(isNodeLocalAddress('93.184.215.14', 4)).toBe(false);
    expect(isNodeLocalAddress('2606:2800:21f:cb07:6820:80da:af6b:8b2c', 6)).toBe(false);
    // an interface's address (a Docker bridge's gateway, the LAN address) is the node too
    const own = new BlockList();
    own.addAddress('172.17.0.1');
    expect(isNodeLocalAddress('172.17.0.1', 4, own)).toBe(true);
    expect(isNodeLocalAddress('::ffff:172.17.0.1', 6, own)).toBe(true);
    expect(isNodeLocalAddress('172.17.0.2', 4, own)).toBe(false);
    for (const a of Object.values(networkInterfaces()).flat()) {
      if (a !== undefined && a.family === 'IPv4') expect(isNodeLocalAddress(a.address, 4)).toBe(true);
    }
    // an IP literal is its own answer: no DNS query leaves the machine
    expect(await resolveDestination('93.184.215.14', false)).toEqual({
      addresses: [{ address: '93.184.215.14', family: 4 }],
    });
    expect(await resolveDestination('127.0.0.1', true)).toEqual({
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
  });

  it("matches domains as Bacalhau does: exact names, or a leading '.' for a domain and its subdomains", () => {
    expect(
      ['localhost', 'example.com', 'a.example.com', 'A.B.EXAMPLE.COM'].map((h) => proxy.allows(h)),
    ).toEqual([true, true, true, true]);
    expect(['badexample.com', 'example.org', 'localhost.evil', ''].map((h) => proxy.allows(h))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
