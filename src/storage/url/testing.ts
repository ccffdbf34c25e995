/** A real HTTP server on 127.0.0.1 for download tests, with one route per behaviour under test. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const csv = 'a,b\n1,2\n';

export interface TestServer {
  readonly url: (path: string) => string;
  /** Requests seen per path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

const routes: Record<string, Route> = {
  '/files/data.csv': (_req, res) => send(res, 200, csv),
  '/files/%E2%9C%93%20ok.txt': (_req, res) => send(res, 200, 'check'),
  '/named/file.bin': (_req, res) =>
    send(res, 200, 'bin', { 'Content-Disposition': 'attachment; filename="ignored.txt"' }),
  '/redirect': (_req, res) => send(res, 302, '', { Location: '/download?id=1' }),
  '/download': (_req, res) =>
    send(res, 200, 'report', { 'Content-Disposition': `attachment; filename*=UTF-8''r%C3%A9port.txt` }),
  '/loop': (_req, res) => send(res, 302, '', { Location: '/loop' }),
  '/to-file': (_req, res) => send(res, 302, '', { Location: 'file:///etc/hostname' }),
  '/flaky.txt': (_req, res, hit) => (hit <= 2 ? send(res, 503, 'busy') : send(res, 200, 'finally')),
  '/missing.txt': (_req, res) => send(res, 404, 'no'),
  // signed for GET only, as pre-signed URLs are
  '/get-only.csv': (req, res) => (req.method === 'HEAD' ? send(res, 403, '') : send(res, 200, csv)),
  '/no-head.csv': (req, res) => (req.method === 'HEAD' ? send(res, 405, '') : send(res, 200, csv)),
  '/big.bin': (_req, res) => send(res, 200, 'x'.repeat(4096)),
  '/big-chunked.bin': (_req, res) => {
    res.writeHead(200);
    res.end('x'.repeat(4096));
  },
  '/private.txt': (req, res) => {
    const credentials = (req.headers.authorization ?? '').replace(/^Basic /, '');
    send(res, 200, Buffer.from(credentials, 'base64').toString());
  },
  '/silent': () => undefined, // accepts the request, never answers
  '/slow.bin': (_req, res) => {
    res.writeHead(200);
    res.write('start'); // and never finishes
  },
};

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

export async function startTestServer(): Promise<TestServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    const route = routes[path];
    if (route === undefined) send(res, 404, 'no route');
    else route(req, res, hit);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens: a server is started to get a free port, then closed. */
export async function refusedUrl(): Promise<string> {
  const server = await startTestServer();
  const url = server.url('/gone.txt');
  await server.close();
  return url;
}
