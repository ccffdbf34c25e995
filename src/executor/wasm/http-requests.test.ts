/**
 * The HTTP host module's requests, as Go's client makes them, against a server on loopback: redirects
 * (their limit, a Location that cannot be parsed, credentials kept from other hosts), a 101 answer,
 * and the network's rules.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkConfig } from '../../models/network.js';
import { HttpStatus, matchWildcard, performHttpCall, type HttpAnswer } from './http-requests.js';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/loop') res.writeHead(302, { Location: '/loop' }).end();
    else if (path === '/bad-location') res.writeHead(302, { Location: 'http://[' }).end();
    else if (path === '/to-localhost')
      res.writeHead(307, { Location: `http://localhost:${port}/headers` }).end();
    else if (path === '/to-same') res.writeHead(307, { Location: '/headers' }).end();
    else if (path === '/switch') {
      // a 101 the client did not ask for; the connection stays open
      req.socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: other\r\n\r\n');
    } else
      res.end(
        `${req.method} auth=${req.headers.authorization ?? '-'} test=${String(req.headers['x-test'] ?? '-')}`,
      );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const host: NetworkConfig = { Type: 'Host' };
function call(
  path: string,
  network = host,
  headers = 'Authorization: Bearer secret\nX-Test: yes',
): Promise<HttpAnswer> {
  const url = path.startsWith('http') ? path : `http://127.0.0.1:${port}${path}`;
  const request = { method: 2, url, headers, body: new Uint8Array(0), maxBodyBytes: 1024 };
  return performHttpCall(
    request,
    network,
    { allowNodeLocal: true, timeoutMs: 5000 },
    new AbortController().signal,
  );
}
const text = (answer: HttpAnswer) =>
  answer.code === 0 ? Buffer.from(answer.body).toString() : `code ${answer.code}`;

describe('performHttpCall', () => {
  it('sends the method and headers, and answers the status, headers and body', async () => {
    const answer = await call('/headers');
    expect(answer).toMatchObject({ code: 0, status: 200 });
    expect(text(answer)).toBe('PUT auth=Bearer secret test=yes');
  });

  it('keeps credentials on a redirect to the same host, and from another host', async () => {
    expect(text(await call('/to-same'))).toBe('PUT auth=Bearer secret test=yes');
    expect(text(await call('/to-localhost'))).toBe('PUT auth=- test=yes');
  });

  it('fails a request redirected more than 10 times, or to a Location that cannot be parsed', async () => {
    expect(await call('/loop')).toEqual({ code: HttpStatus.NetworkError });
    expect(await call('/bad-location')).toEqual({ code: HttpStatus.NetworkError });
  });

  it('answers a 101 with its status and no body instead of waiting on the connection', async () => {
    const answer = await call('/switch');
    expect(answer).toMatchObject({ code: 0, status: 101 });
    expect(text(answer)).toBe('');
  });

  it('keeps an HTTP-network task to its Domains, on every redirect too', async () => {
    const only127: NetworkConfig = { Type: 'HTTP', Domains: ['127.0.0.1'] };
    expect(text(await call('/headers', only127))).toBe('PUT auth=Bearer secret test=yes');
    expect(await call('/to-localhost', only127)).toEqual({ code: HttpStatus.NotAllowed });
    expect(await call('not a url')).toEqual({ code: HttpStatus.InvalidURL });
  });

  it('answers a URL without scheme as Go does: taken, then refused by the Domains or the client', async () => {
    const only: NetworkConfig = { Type: 'HTTP', Domains: ['example.com'] };
    const send = (url: string, network: NetworkConfig): Promise<HttpAnswer> =>
      performHttpCall(
        { method: 1, url, headers: '', body: new Uint8Array(0), maxBodyBytes: 1024 },
        network,
        {},
        new AbortController().signal,
      );
    expect(await send('example.com/path', host)).toEqual({ code: HttpStatus.NetworkError });
    expect(await send('example.com/path', only)).toEqual({ code: HttpStatus.NotAllowed });
    expect(await send('//example.com/path', only)).toEqual({ code: HttpStatus.NetworkError });
    for (const invalid of ['http://a b.com/', 'ex%zzample', ':80/x', 'a\tb']) {
      expect(await send(invalid, host)).toEqual({ code: HttpStatus.InvalidURL });
    }
  });
});

describe("matchWildcard (Go's)", () => {
  it('strips ports and matches *, exact names, and one * at the start, end or middle', () => {
    expect(matchWildcard('*', 'any.host:8080')).toBe(true);
    expect(matchWildcard('api.example.com', 'api.example.com:443')).toBe(true);
    expect(matchWildcard('*.example.com', 'a.example.com')).toBe(true);
    expect(matchWildcard('*.example.com', 'example.org')).toBe(false);
    expect(matchWildcard('api.*', 'api.internal')).toBe(true);
    expect(matchWildcard('api.*.org', 'api.x.org')).toBe(true);
    expect(matchWildcard('example.com', 'www.example.com')).toBe(false);
  });
});
