/** The REST client's Node requests against a real HTTP server on 127.0.0.1 (HTTPS: tls.test.ts). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from './node-fetch.js';

let server: Server;
let base: string;
let received: { method: string; header: string; body: string } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received = { method: req.method ?? '', header: String(req.headers['x-test'] ?? ''), body };
      if (req.url === '/missing') {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"Message":"not found"}');
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 5_000).unref();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'Content-Length': '100' }).write('partial');
        setTimeout(() => res.destroy(), 20);
      } else res.writeHead(200).end('{"Status":"OK","Text":"héllo"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fetcher = nodeFetch();

describe('nodeFetch', () => {
  it('sends the method, headers and body, and answers the status and the whole text', async () => {
    const answer = await fetcher(new URL(`${base}/ok`), {
      method: 'PUT',
      headers: { 'X-Test': 'yes' },
      body: '{"Job":{}}',
    });
    expect([answer.ok, answer.status, await answer.text()]).toEqual([
      true,
      200,
      '{"Status":"OK","Text":"héllo"}',
    ]);
    expect(received).toEqual({ method: 'PUT', header: 'yes', body: '{"Job":{}}' });
  });

  it('sends the body of a DELETE (a job stop) so that the next request on the connection is whole', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await fetcher(new URL(`${base}/ok`), {
        method: 'DELETE',
        headers: { 'X-Test': `delete ${i}` },
        body: '{"Reason":"stopped by the test"}',
      });
      expect([answer.status, received]).toEqual([
        200,
        { method: 'DELETE', header: `delete ${i}`, body: '{"Reason":"stopped by the test"}' },
      ]);
    }
  });

  it('answers other statuses with their body, not as failures', async () => {
    const answer = await fetcher(new URL(`${base}/missing`), { method: 'GET', headers: {} });
    expect([answer.ok, answer.status, await answer.text()]).toEqual([false, 404, '{"Message":"not found"}']);
  });

  it('fails when aborted, when the answer is cut short, and when nothing listens', async () => {
    const controller = new AbortController();
    const slow = fetcher(new URL(`${base}/slow`), { method: 'GET', headers: {}, signal: controller.signal });
    controller.abort();
    await expect(slow).rejects.toMatchObject({ name: 'AbortError' });
    await expect(fetcher(new URL(`${base}/cut`), { method: 'GET', headers: {} })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    await expect(
      fetcher(new URL('http://127.0.0.1:9/'), { method: 'GET', headers: {} }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses addresses that are not http: or https:', async () => {
    await expect(fetcher(new URL('ftp://127.0.0.1/'), { method: 'GET', headers: {} })).rejects.toThrow(
      'cannot send a request to ftp: addresses, only http: and https:',
    );
  });
});
