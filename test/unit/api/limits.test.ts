/**
 * Go's rate limit (1000 requests per second per client, 429 `rate limit exceeded`) and handler timeout
 * (30 s, 503 `Server Timeout!`), driven by a ManualClock with small limits; and requests too big or
 * too malformed for the HTTP parser, over a real socket.
 */
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { createApiServer } from '../../../src/api/server/index.js';
import type { ApiJobCommands, ApiJobReader } from '../../../src/api/server/types.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { selfNodeInfo } from '../../../src/orchestrator/nodes/testing.js';
import { call, expectApiError, OrchestratorID, serverBuildInfo, testConfig, withApi } from './harness.js';

describe('rate limit', () => {
  it('refuses requests over the rate per client with 429, and refills with time', async () => {
    const clock = new ManualClock();
    await withApi({ server: { rateLimitPerSecond: 2, clock } }, async (api) => {
      const alive = (remoteAddress = '10.0.0.1') =>
        api.app.inject({ method: 'GET', url: '/api/v1/agent/alive', remoteAddress });
      expect((await alive()).statusCode).toBe(200);
      expect((await alive()).statusCode).toBe(200);
      const refused = await alive();
      expectApiError(
        { status: refused.statusCode, body: refused.json(), text: refused.body, headers: refused.headers },
        { status: 429, code: 'InternalError', component: 'APIServer', message: 'rate limit exceeded' },
      );
      // Another client has its own bucket; preflights are not counted.
      expect((await alive('10.0.0.2')).statusCode).toBe(200);
      const preflight = await api.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/agent/alive',
        remoteAddress: '10.0.0.1',
        headers: { Origin: 'http://ui.example', 'Access-Control-Request-Method': 'GET' },
      });
      expect(preflight.statusCode).toBe(204);
      // Half a second refills one token at 2 per second.
      clock.advance(500);
      expect((await alive()).statusCode).toBe(200);
      expect((await alive()).statusCode).toBe(429);
      // A long pause refills the bucket to its size, no more.
      clock.advance(60_000);
      expect((await alive()).statusCode).toBe(200);
      expect((await alive()).statusCode).toBe(200);
      expect((await alive()).statusCode).toBe(429);
    });
  });

  it('must be positive', async () => {
    await expect(
      createApiServer(
        {
          agent: {
            nodeInfo: () => selfNodeInfo(OrchestratorID),
            config: testConfig(),
            buildInfo: serverBuildInfo,
          },
        },
        { rateLimitPerSecond: 0 },
      ),
    ).rejects.toThrow('invalid rate limit: 0 requests per second');
  });
});

describe('handler timeout', () => {
  /** An endpoint whose commands never finish, recording the signals they were given. */
  function stuckEndpoint(signals: AbortSignal[], started: () => void): Partial<{ endpoint: ApiJobCommands }> {
    const never = new Promise<never>(() => undefined);
    const stuck = (_request: unknown, options: { signal?: AbortSignal }) => {
      if (options.signal !== undefined) signals.push(options.signal);
      started();
      return never;
    };
    return {
      endpoint: {
        submitJob: stuck,
        diffJob: stuck,
        stopJob: stuck,
        rerunJob: stuck,
      },
    };
  }

  it('answers a handler still running after the limit with 503 and aborts its signal', async () => {
    const clock = new ManualClock();
    const signals: AbortSignal[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const seen: unknown[] = [];
    await withApi(
      {
        deps: () => stuckEndpoint(signals, started),
        server: { handlerTimeoutMs: 1000, clock, onUnexpectedError: (err) => seen.push(err) },
      },
      async (api) => {
        const pending = call(api, 'PUT', '/api/v1/orchestrator/jobs', { Job: {} });
        await running;
        clock.advance(999);
        expect(signals[0]?.aborted).toBe(false);
        clock.advance(1);
        const res = await pending;
        expectApiError(res, {
          status: 503,
          code: 'TimeOut',
          component: 'APIServer',
          message: 'Server Timeout!',
        });
        expect(signals[0]?.aborted).toBe(true);
        expect(seen).toHaveLength(1);
      },
    );
  });

  it('lets handlers that finish in time answer, and leaves no timer behind', async () => {
    const clock = new ManualClock();
    await withApi({ server: { handlerTimeoutMs: 1000, clock } }, async (api) => {
      expect((await call(api, 'GET', '/api/v1/orchestrator/jobs')).status).toBe(200);
      expect(clock.pendingTimers).toBe(0);
    });
  });
});

describe("Go's connection deadlines, over real sockets", () => {
  /** Connects to `baseUrl`, writes `text`, and resolves with all the server sent once it closed. */
  function rawExchange(baseUrl: string, text: string): Promise<string> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = connect(Number(port), hostname, () => socket.write(text));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    });
  }

  it('answers 408 and closes a connection whose headers are not all sent in time, or that sends none', async () => {
    await withApi({ server: { host: '127.0.0.1', port: 0, headersTimeoutMs: 300 } }, async (api) => {
      const baseUrl = await api.server.listen();
      const [trickled, silent] = await Promise.all([
        rawExchange(baseUrl, 'GET /api/v1/agent/alive HTTP/1.1\r\nHost: x\r\n'),
        rawExchange(baseUrl, ''),
      ]);
      expect(trickled).toMatch(/^HTTP\/1\.1 408 /);
      expect(silent).toMatch(/^HTTP\/1\.1 408 /);
    });
  }, 10_000);

  it("keeps an idle keep-alive connection for Go's ReadTimeout, 20 s, and says so in Keep-Alive", async () => {
    await withApi({ server: { host: '127.0.0.1', port: 0 } }, async (api) => {
      const baseUrl = await api.server.listen();
      const answer = await fetch(`${baseUrl}/api/v1/agent/alive`);
      expect(answer.headers.get('keep-alive')).toBe('timeout=20');
    });
  });

  it('closes the connection of an answer not written out by the write deadline', async () => {
    const clock = new ManualClock();
    const never = new Promise<never>(() => undefined);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const stuck = () => {
      started();
      return never;
    };
    await withApi(
      {
        deps: () => ({ endpoint: { submitJob: stuck, diffJob: stuck, stopJob: stuck, rerunJob: stuck } }),
        server: { host: '127.0.0.1', port: 0, clock, handlerTimeoutMs: 0, writeDeadlineMs: 1000 },
      },
      async (api) => {
        const baseUrl = await api.server.listen();
        // answered at once: nothing left waiting
        expect((await fetch(`${baseUrl}/api/v1/agent/alive`)).status).toBe(200);
        expect((await fetch(`${baseUrl}/api/v1/nope`, { method: 'HEAD' })).status).toBe(404);
        expect(clock.pendingTimers).toBe(0);
        // an Upgrade header on a plain request does not let it off the deadline
        const body = JSON.stringify({ Job: {} });
        const answer = rawExchange(
          baseUrl,
          `PUT /api/v1/orchestrator/jobs HTTP/1.1\r\nHost: x\r\nUpgrade: anything\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        await running;
        expect(clock.pendingTimers).toBe(1);
        clock.advance(1000);
        expect(await answer).toBe('');
      },
    );
  });
});

describe('request size over HTTP', () => {
  it("reads a query of 100 KB, as Go's 1 MB of headers allows, and refuses more than 1 MB with 431", async () => {
    await withApi({ server: { host: '127.0.0.1', port: 0 } }, async (api) => {
      const baseUrl = await api.server.listen();
      const jobs = (namespace: string) =>
        fetch(`${baseUrl}/api/v1/orchestrator/jobs?namespace=${namespace}`).then(async (res) => ({
          status: res.status,
          body: (await res.json()) as { Items?: unknown[] },
        }));
      const long = await jobs('a'.repeat(100_000));
      expect(long.status).toBe(200);
      expect(long.body.Items).toEqual([]);
      const tooLong = await jobs('a'.repeat(1_100_000));
      expect(tooLong.status).toBe(431);
      expect(tooLong.body).toMatchObject({
        Status: 431,
        Message: 'the request line and headers are larger than the server accepts (1048576 bytes)',
        Component: 'APIServer',
      });
    });
  });

  it('refuses a label selector longer than 64 KiB (all labels parameters joined), which took the event loop to parse', async () => {
    await withApi({}, async (api) => {
      // requirements of three characters and a comma, less the last comma: 4n - 1 characters
      const selector = (count: number) => Array.from({ length: count }, (_, i) => `${i % 10}=x`).join(',');
      for (const path of ['/api/v1/orchestrator/jobs', '/api/v1/orchestrator/nodes']) {
        const longest = await call(api, 'GET', `${path}?labels=${selector(16_384)}x`);
        expect(longest.status).toBe(200);
        const [first, second] = [selector(8_192), selector(8_192)];
        const refused = await call(api, 'GET', `${path}?labels=${first}&labels=${second}xx`);
        expectApiError(refused, {
          status: 400,
          code: 'InternalError',
          component: 'APIServer',
          message:
            "invalid query parameter 'labels': the selector is 65537 characters long, more than the 65536 accepted",
        });
        expect(refused.body.Details).toEqual({ parameter: 'labels' });
      }
    });
  });

  it('keeps listening when accepting a connection fails (no file descriptor left), and reports it', async () => {
    const failures: unknown[] = [];
    await withApi(
      { server: { host: '127.0.0.1', port: 0, onAcceptError: (err) => failures.push(err) } },
      async (api) => {
        const baseUrl = await api.server.listen();
        // what Node emits when an accept fails and libuv's spare descriptor could not absorb it
        const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' });
        api.server.app.server.emit('error', emfile);
        expect(failures).toEqual([emfile]);
        expect((await fetch(`${baseUrl}/api/v1/agent/alive`)).status).toBe(200);
      },
    );
  });

  it("answers what Node's HTTP parser refuses (a raw non-ASCII byte in the URL) with Bacalhau's error body", async () => {
    await withApi({ server: { host: '127.0.0.1', port: 0 } }, async (api) => {
      const { port } = new URL(await api.server.listen());
      // fetch would percent-encode the URL: the bytes go out as curl sends them
      const socket = connect(Number(port), '127.0.0.1');
      socket.end(
        Buffer.concat([
          Buffer.from('GET /api/v1/orchestrator/jobs?labels='),
          Buffer.from('ключ=1'),
          Buffer.from(' HTTP/1.1\r\nHost: localhost\r\n\r\n'),
        ]),
      );
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      const [head = '', body = ''] = Buffer.concat(chunks).toString().split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(JSON.parse(body)).toMatchObject({
        Status: 400,
        Message: 'malformed request URL: Invalid char in url query',
        Code: 'InternalError',
        Component: 'APIServer',
        Hint: expect.stringContaining('percent-encode characters outside ASCII') as unknown,
        RequestID: expect.any(String) as unknown,
      });
    });
  });

  it('tells the store when the client of a job listing has gone, so that it stops reading', async () => {
    let signal: AbortSignal | undefined;
    const listing = (query: { signal?: AbortSignal }): Promise<never> =>
      new Promise((_resolve, reject) => {
        signal = query.signal;
        signal?.addEventListener('abort', () => reject(signal?.reason as Error));
      });
    // the listing route asks the reader nothing else
    const deps = () => ({ jobs: { listJobs: listing } as unknown as ApiJobReader });
    const onUnexpectedError = vi.fn();
    const server = { host: '127.0.0.1', port: 0, onUnexpectedError };
    await withApi({ server, deps }, async (api) => {
      const { port } = new URL(await api.server.listen());
      const socket = connect(Number(port), '127.0.0.1');
      socket.write('GET /api/v1/orchestrator/jobs HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await vi.waitFor(() => expect(signal).toBeDefined());
      expect(signal?.aborted).toBe(false);
      socket.destroy();
      await vi.waitFor(() => expect(signal?.aborted).toBe(true));
      // the listing's failure is no failure of the node's to log
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(onUnexpectedError).not.toHaveBeenCalled();
    });
  });

  it('answers an HTTP/1.1 request without a Host header as Go does, with the reason', async () => {
    await withApi({ server: { host: '127.0.0.1', port: 0 } }, async (api) => {
      const { port } = new URL(await api.server.listen());
      const answer = async (request: string): Promise<{ head: string; body: string }> => {
        const socket = connect(Number(port), '127.0.0.1');
        socket.end(request);
        const chunks: Buffer[] = [];
        for await (const chunk of socket) chunks.push(chunk as Buffer);
        const [head = '', body = ''] = Buffer.concat(chunks).toString().split('\r\n\r\n');
        return { head, body };
      };
      const missing = await answer('GET /api/v1/agent/alive HTTP/1.1\r\nConnection: close\r\n\r\n');
      expect(missing.head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(JSON.parse(missing.body)).toMatchObject({
        Status: 400,
        Message: 'missing required Host header',
        Component: 'APIServer',
      });
      // HTTP/1.0 has no Host header to require
      const old = await answer('GET /api/v1/agent/alive HTTP/1.0\r\n\r\n');
      expect(old.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(JSON.parse(old.body)).toEqual({ Status: 'OK' });
    });
  });
});
