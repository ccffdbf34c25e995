import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { externalHttpStrategy } from './external-http.js';
import { probeData } from './probe.js';
import { requestWith } from './testing.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A probe server on 127.0.0.1 answering with `handler`; closed after each test. */
const servers: Server[] = [];
async function probeServer(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/probe`;
}
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((resolve) => s.close(resolve));
    }),
  );
});

const answer =
  (status: number, contentType: string, body: string): Handler =>
  (_req, _body, res) => {
    res.writeHead(status, { 'Content-Type': contentType });
    res.end(body);
  };

describe('externalHttpStrategy', () => {
  const request = requestWith();
  const ask = (url: string, timeoutMs?: number) =>
    externalHttpStrategy(url, { timeoutMs }).shouldBid(request);

  it('POSTs the job as JSON and accepts a success that is not JSON', async () => {
    let received: { method?: string; type?: string; body?: string } = {};
    const url = await probeServer((req, body, res) => {
      received = { method: req.method, type: req.headers['content-type'], body };
      answer(200, 'text/plain', '200 - Everything is good!')(req, body, res);
    });
    expect(await ask(url)).toEqual({
      shouldBid: true,
      reason: `this node does accept jobs where url "${url}" returns HTTP status code 200`,
    });
    expect(received).toEqual({ method: 'POST', type: 'application/json', body: probeData(request.job) });
  });

  it('refuses on a status of 400 or more', async () => {
    const url = await probeServer(answer(500, 'text/plain', '500 - Something bad happened!'));
    expect(await ask(url)).toEqual({
      shouldBid: false,
      reason: `this node does not accept jobs where url "${url}" returns HTTP status code 500`,
    });
  });

  it('takes a JSON answer as it is, keys in any case', async () => {
    const reject = await probeServer(
      answer(200, 'application/json', '{"ShouldBid": false, "Reason": "this job really stinks!"}'),
    );
    expect(await ask(reject)).toEqual({ shouldBid: false, reason: 'this job really stinks!' });
    const accept = await probeServer(
      answer(200, 'application/json', '{"shouldBid": true, "reason": "looks like a lovely job"}'),
    );
    expect(await ask(accept)).toEqual({ shouldBid: true, reason: 'looks like a lovely job' });
    const empty = await probeServer(answer(200, 'application/json', 'null'));
    expect(await ask(empty)).toEqual({ shouldBid: false, reason: '' });
  });

  it('reads JSON only under exactly application/json, as Go does', async () => {
    const url = await probeServer(answer(200, 'application/json; charset=utf-8', '{"ShouldBid": false}'));
    expect(await ask(url)).toMatchObject({ shouldBid: true });
  });

  it('fails on a JSON answer that is not a bid response', async () => {
    const garbage = await probeServer(answer(200, 'application/json', 'yes please'));
    await expect(ask(garbage)).rejects.toMatchObject({
      code: 'ConfigurationError',
      message: expect.stringMatching(/^error unmarshalling http response: /) as unknown,
    });
    const mistyped = await probeServer(answer(200, 'application/json', '{"ShouldBid": "yes"}'));
    await expect(ask(mistyped)).rejects.toMatchObject({
      message:
        'error unmarshalling http response: json: cannot unmarshal string into Go struct field BidStrategyResponse.ShouldBid of type bool',
    });
    const list = await probeServer(answer(200, 'application/json', '[]'));
    await expect(ask(list)).rejects.toMatchObject({
      message:
        'error unmarshalling http response: json: cannot unmarshal array into Go value of type bidstrategy.BidStrategyResponse',
    });
  });

  it('fails with NetworkFailure naming the URL when nothing listens there', async () => {
    const url = await probeServer(answer(200, 'text/plain', ''));
    await new Promise((resolve) => servers.pop()?.close(resolve));
    await expect(ask(url)).rejects.toMatchObject({
      code: 'NetworkFailure',
      retryable: true,
      message: expect.stringMatching(
        new RegExp(
          `^ExternalHTTPStrategy: error http POST job selection policy probe data: ${url} Post "${url}": .*ECONNREFUSED`,
        ),
      ) as unknown,
      hint: expect.stringContaining('JobAdmissionControl.ProbeHTTP') as unknown,
    });
  });

  it('fails with TimeOut when the server is too slow', async () => {
    const url = await probeServer(() => undefined);
    await expect(ask(url, 200)).rejects.toMatchObject({
      code: 'TimeOut',
      message: `job selection probe ${url} did not answer within 0.2s`,
    });
  });

  it('accepts when no URL is configured, and refuses an invalid one', async () => {
    expect(await ask('')).toEqual({
      shouldBid: true,
      reason: 'this node does have HTTP moderation unconfigured',
    });
    await expect(ask('not a url')).rejects.toMatchObject({ code: 'ConfigurationError' });
  });
});
