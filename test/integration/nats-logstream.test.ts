/**
 * Execution log streaming over a real nats-server (private to this file, on a free loopback port): our
 * client against our server, and each of them against a hand-made Go peer speaking raw nats.js, which
 * checks the exact JSON a Bacalhau node sends and expects.
 *
 * Heartbeats and timeouts are shortened so that cancellation and silence show within a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiLogSource } from '../../src/api/server/types.js';
import { BacalhauError, ErrorCode } from '../../src/models/index.js';
import type { ExecutionLog } from '../../src/models/index.js';
import { NatsServerProcess } from '../../src/transport/nats/server-process.js';
import {
  NatsLogStreamClient,
  NatsLogStreamServer,
  type ExecutionLogResult,
  type ExecutionLogsRequest,
  type LogLineSource,
} from '../../src/transport/nats/logstream/index.js';

const timing = { heartbeatIntervalMs: 50, heartbeatTimeoutMs: 200 };
const requestTimeoutMs = 600;
const nodeID = 'n-logs';
const subject = `node.compute.${nodeID}.ExecutionLogs/v1`;

let dir: string;
let nats: NatsServerProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-logstream-'));
  nats = await NatsServerProcess.start({
    workDir: dir,
    settings: { serverName: 'logstream-test', host: '127.0.0.1', port: 0 },
  });
});

afterAll(async () => {
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const line = (text: string, type: 1 | 2 = 1): ExecutionLog => ({ Type: type, Line: text });
const request = (overrides: Partial<ExecutionLogsRequest> = {}): ExecutionLogsRequest => ({
  ExecutionID: 'e-1',
  NodeID: nodeID,
  Tail: false,
  Follow: false,
  ...overrides,
});

/** Opens connections, a server serving `source` and a client; always closes them all. */
async function withPeers(
  source: LogLineSource,
  test: (peers: {
    client: NatsLogStreamClient;
    server: NatsLogStreamServer;
    nc: NatsConnection;
  }) => Promise<void>,
): Promise<void> {
  const computeNc = await connect({ servers: nats.clientURL });
  const orchestratorNc = await connect({ servers: nats.clientURL });
  const server = await NatsLogStreamServer.start({
    connection: computeNc,
    nodeID,
    streamLogs: source,
    ...timing,
  });
  const client = await NatsLogStreamClient.create({ connection: orchestratorNc, requestTimeoutMs });
  try {
    await test({ client, server, nc: orchestratorNc });
  } finally {
    await client.stop();
    await server.stop();
    await Promise.all([computeNc.close(), orchestratorNc.close()]);
  }
}

/** Opens one raw connection (a Go peer's); always closes it. */
async function withRawConnection(test: (nc: NatsConnection) => Promise<void>): Promise<void> {
  const nc = await connect({ servers: nats.clientURL });
  try {
    await test(nc);
  } finally {
    await nc.close();
  }
}

async function collect(items: AsyncIterable<ExecutionLogResult>): Promise<ExecutionLogResult[]> {
  const all: ExecutionLogResult[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * A source the test scripts: lines, then the end or an error, handed over as the test pushes them (so
 * a reader follows them as they come). Records the requests and the signal it was given.
 */
class Feed {
  readonly requests: ExecutionLogsRequest[] = [];
  signal: AbortSignal | undefined;
  readonly #queue: (ExecutionLog | 'end' | Error)[] = [];
  #wake: (() => void) | undefined;

  readonly source: LogLineSource = (request, { signal }) => {
    this.requests.push(request);
    this.signal = signal;
    return this.#lines(signal);
  };

  push(...items: (ExecutionLog | 'end' | Error)[]): void {
    this.#queue.push(...items);
    this.#wake?.();
  }

  async *#lines(signal: AbortSignal): AsyncGenerator<ExecutionLog> {
    for (;;) {
      const item = this.#queue.shift();
      if (item === 'end') return;
      if (item instanceof Error) throw item;
      if (item !== undefined) {
        yield item;
        continue;
      }
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}

/** Messages on `subject` of a raw connection, in order. */
function record(nc: NatsConnection, on: string): Msg[] {
  const messages: Msg[] = [];
  nc.subscribe(on, {
    callback: (_err, msg) => {
      messages.push(msg);
    },
  });
  return messages;
}

/** For tests where our server is not asked for anything. */
const unusedSource: LogLineSource = () => {
  throw new Error('not expected to be called');
};

const json = (msg: Msg): unknown => JSON.parse(msg.string());
const fromBase64 = (text: string): string => Buffer.from(text, 'base64').toString('utf8');
const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('log streaming over NATS', () => {
  it('delivers every line in order and ends without Follow', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => line(`line ${i}\n`, i % 3 === 0 ? 2 : 1));
    const feed = new Feed();
    feed.push(...lines, 'end');
    await withPeers(feed.source, async ({ client }) => {
      // Read through the API's interface: this is what the orchestrator's logs route gets.
      const api: ApiLogSource = client;
      const items = await collect(
        api.streamLogs(request({ Tail: true }), { signal: new AbortController().signal }),
      );
      expect(items).toEqual(lines.map((value) => ({ value })));
      expect(feed.requests).toEqual([request({ Tail: true })]);
    });
  });

  it('follows lines as they are produced and ends when the source ends', async () => {
    const feed = new Feed();
    await withPeers(feed.source, async ({ client }) => {
      const stream = client.streamLogs(request({ Follow: true }), { signal: new AbortController().signal });
      const iterator = stream[Symbol.asyncIterator]();
      const first = iterator.next();
      feed.push(line('one\n'));
      expect(await first).toEqual({ done: false, value: { value: line('one\n') } });
      const second = iterator.next();
      // Nothing more until the source produces it, even across several heartbeats.
      await new Promise((resolve) => setTimeout(resolve, 4 * timing.heartbeatIntervalMs));
      feed.push(line('two\n', 2));
      expect(await second).toEqual({ done: false, value: { value: line('two\n', 2) } });
      feed.push('end');
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });
  });

  it("aborting the reader ends the iteration at once and aborts the producer's source", async () => {
    const feed = new Feed();
    await withPeers(feed.source, async ({ client }) => {
      const reader = new AbortController();
      const stream = client.streamLogs(request({ Follow: true }), { signal: reader.signal });
      const iterator = stream[Symbol.asyncIterator]();
      const first = iterator.next();
      feed.push(line('one\n'));
      await first;
      const pending = iterator.next();
      reader.abort();
      expect(await pending).toEqual({ done: true, value: undefined });
      await vi.waitFor(() => expect(feed.signal?.aborted).toBe(true), { timeout: 5000, interval: 20 });
    });
  });

  it("a consumer that vanishes without a word has its producer's source aborted", async () => {
    const feed = new Feed();
    await withPeers(feed.source, async ({ client, nc }) => {
      const iterator = client.streamLogs(request({ Follow: true }), { signal: new AbortController().signal });
      const first = iterator[Symbol.asyncIterator]().next();
      feed.push(line('one\n'));
      await first;
      await nc.close();
      await vi.waitFor(() => expect(feed.signal?.aborted).toBe(true), { timeout: 5000, interval: 20 });
    });
  });

  it('a source error reaches the reader as its last item, with the message as the user should read it', async () => {
    const feed = new Feed();
    feed.push(
      line('before\n'),
      new BacalhauError('execution e-404 not found', { code: ErrorCode.ExecutionNotFound }),
    );
    await withPeers(feed.source, async ({ client }) => {
      const items = await collect(
        client.streamLogs(request({ ExecutionID: 'e-404' }), { signal: new AbortController().signal }),
      );
      expect(items).toHaveLength(2);
      expect(items[0]).toEqual({ value: line('before\n') });
      const error = items[1]?.error as BacalhauError;
      expect(error.message).toBe('execution e-404 not found');
      expect(error.code).toBe(ErrorCode.InternalError);
    });
  });

  it('stopping the server ends open streams with a going-away error and aborts their sources', async () => {
    const feed = new Feed();
    await withPeers(feed.source, async ({ client, server }) => {
      const items = collect(
        client.streamLogs(request({ Follow: true }), { signal: new AbortController().signal }),
      );
      await vi.waitFor(() => expect(feed.signal).toBeDefined(), { timeout: 5000, interval: 10 });
      await server.stop();
      await server.stop();
      expect(feed.signal?.aborted).toBe(true);
      const [item] = await items;
      expect(item?.error?.message).toBe(`node ${nodeID} is shutting down`);
      expect((item?.error as BacalhauError).code).toBe(ErrorCode.ServiceUnavailable);
    });
  });

  it('says clearly when no node answers: nobody subscribed, or a subscriber that stays silent', async () => {
    await withPeers(unusedSource, async ({ client, nc }) => {
      const absent = await collect(
        client.streamLogs(request({ NodeID: 'ghost' }), { signal: new AbortController().signal }),
      );
      expect(absent.map((item) => item.error?.message)).toEqual([
        'node ghost did not answer the log request: is it connected?',
      ]);
      nc.subscribe('node.compute.mute.ExecutionLogs/v1', { callback: () => undefined });
      await nc.flush();
      const started = Date.now();
      const mute = await collect(
        client.streamLogs(request({ NodeID: 'mute' }), { signal: new AbortController().signal }),
      );
      expect(mute.map((item) => item.error?.message)).toEqual([
        'node mute did not answer the log request: is it connected?',
      ]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(requestTimeoutMs - 50);
    });
  });

  it('a stopped client ends its streams and refuses new ones', async () => {
    const feed = new Feed();
    await withPeers(feed.source, async ({ client }) => {
      const items = collect(
        client.streamLogs(request({ Follow: true }), { signal: new AbortController().signal }),
      );
      await vi.waitFor(() => expect(feed.signal).toBeDefined(), { timeout: 5000, interval: 10 });
      await client.stop();
      await client.stop();
      expect((await items).map((item) => item.error?.message)).toEqual(['log stream client stopped']);
      const later = await collect(client.streamLogs(request(), { signal: new AbortController().signal }));
      expect(later.map((item) => (item.error as BacalhauError).code)).toEqual([ErrorCode.ServiceUnavailable]);
    });
  });
});

describe('log streaming on the wire, against a Go peer', () => {
  it("our server answers a Go orchestrator's request with Go's frames and heartbeats", async () => {
    const feed = new Feed();
    await withPeers(feed.source, async () => {
      await withRawConnection(async (go) => {
        const inbox = '_SINBOX.GoConsumer';
        const heartbeatSub = `_HEARTBEAT.${inbox}`;
        const frames = record(go, `${inbox}.*`);
        const heartbeats: Msg[] = [];
        let disown = false;
        go.subscribe(heartbeatSub, {
          callback: (_err, msg) => {
            heartbeats.push(msg);
            const nonActive = disown ? `{"${subject}":["abcdEFGH"]}` : '{}';
            msg.respond(`{"NonActiveStreamIds":${nonActive}}`);
          },
        });
        const body = '{"ExecutionID":"e-1","NodeID":"n-logs","Tail":false,"Follow":true}';
        go.publish(
          subject,
          `{"consumerId":"${inbox}.","streamId":"abcdEFGH","heartBeatRequestSub":"${heartbeatSub}","body":"${b64(body)}"}`,
          { reply: `${inbox}.abcdEFGH` },
        );
        await vi.waitFor(() => expect(feed.signal).toBeDefined(), { timeout: 5000, interval: 10 });
        feed.push(line('hello <world>\n', 2));
        await vi.waitFor(() => expect(frames).toHaveLength(1), { timeout: 5000, interval: 10 });
        const frame = json(frames[0]!) as { type: number; data: string };
        expect(Object.keys(frame)).toEqual(['type', 'data']);
        expect(frame.type).toBe(1);
        expect(fromBase64(frame.data)).toBe('{"value":{"Type":2,"Line":"hello \\u003cworld\\u003e\\n"}}');

        // While the Go side owns the stream, heartbeats list it and it keeps going.
        await vi.waitFor(() => expect(heartbeats.length).toBeGreaterThanOrEqual(2), {
          timeout: 5000,
          interval: 10,
        });
        expect(json(heartbeats[0]!)).toEqual({ ActiveStreamIds: { [subject]: ['abcdEFGH'] } });
        expect(feed.signal?.aborted).toBe(false);

        // Disowned, the source is aborted; a Normal close still goes out.
        disown = true;
        await vi.waitFor(() => expect(feed.signal?.aborted).toBe(true), { timeout: 5000, interval: 10 });
        await vi.waitFor(() => expect(frames).toHaveLength(2), { timeout: 5000, interval: 10 });
        expect(frames[1]!.string()).toBe('{"type":2,"closeError":{"Code":1000,"Text":""}}');
        expect(frames.every((msg) => msg.subject === `${inbox}.abcdEFGH`)).toBe(true);
      });
    });
  });

  it('our server refuses an unreadable request with a BadRequest close and a source error with 5000', async () => {
    const feed = new Feed();
    feed.push(new Error('execution e-1 not found'));
    await withPeers(feed.source, async () => {
      await withRawConnection(async (go) => {
        const replies = record(go, '_SINBOX.Go.*');
        go.publish(subject, '{"consumerId":"c."}', { reply: '_SINBOX.Go.bad' });
        const body = b64('{"ExecutionID":"e-1","NodeID":"n-logs","Tail":false,"Follow":false}');
        go.publish(
          subject,
          `{"consumerId":"_SINBOX.Go.","streamId":"err","heartBeatRequestSub":"_HEARTBEAT._SINBOX.Go","body":"${body}"}`,
          { reply: '_SINBOX.Go.err' },
        );
        await vi.waitFor(() => expect(replies).toHaveLength(2), { timeout: 5000, interval: 10 });
        const bySubject = Object.fromEntries(replies.map((msg) => [msg.subject, json(msg)]));
        expect(bySubject['_SINBOX.Go.bad']).toEqual({
          type: 2,
          closeError: { Code: 4000, Text: 'invalid log stream message: stream request has no streamId' },
        });
        expect(bySubject['_SINBOX.Go.err']).toEqual({
          type: 2,
          closeError: { Code: 5000, Text: 'execution e-1 not found' },
        });
      });
    });
  });

  it("our client reads a Go compute node's frames and answers its heartbeats", async () => {
    await withPeers(unusedSource, async ({ client }) => {
      await withRawConnection(async (go) => {
        const goSubject = 'node.compute.go-node.ExecutionLogs/v1';
        const requests = record(go, goSubject);
        await go.flush();
        const reader = new AbortController();
        const stream = client.streamLogs(request({ NodeID: 'go-node', ExecutionID: 'e-go', Follow: true }), {
          signal: reader.signal,
        });
        const iterator = stream[Symbol.asyncIterator]();
        const first = iterator.next();
        await vi.waitFor(() => expect(requests).toHaveLength(1), { timeout: 5000, interval: 10 });
        const msg = requests[0]!;
        const raw = json(msg) as Record<string, string>;
        expect(Object.keys(raw)).toEqual(['consumerId', 'streamId', 'heartBeatRequestSub', 'body']);
        expect(raw['consumerId']).toMatch(/^_SINBOX\.[A-Za-z0-9]+\.$/);
        expect(msg.reply).toBe(`${raw['consumerId']}${raw['streamId']}`);
        expect(raw['heartBeatRequestSub']).toBe(`_HEARTBEAT.${raw['consumerId']!.slice(0, -1)}`);
        expect(fromBase64(raw['body']!)).toBe(
          '{"ExecutionID":"e-go","NodeID":"go-node","Tail":false,"Follow":true}',
        );

        const item = '{"value":{"Type":1,"Line":"from go\\n"}}';
        go.publish(msg.reply!, `{"type":1,"data":"${b64(item)}"}`);
        expect(await first).toEqual({ done: false, value: { value: line('from go\n') } });

        // A Go producer's heartbeat: the open stream is active, an unknown one is not.
        const heartbeat = `{"ActiveStreamIds":{"${goSubject}":["${raw['streamId']}","gone"]}}`;
        const answer = await go.request(raw['heartBeatRequestSub']!, heartbeat, { timeout: 2000 });
        expect(answer.string()).toBe(`{"NonActiveStreamIds":{"${goSubject}":["gone"]}}`);

        // Go's handler wraps a failed GetLogStream like this; the reader sees its text.
        const text = 'error in handler ExecutionLogsRequest: execution e-go not found';
        go.publish(msg.reply!, JSON.stringify({ type: 2, closeError: { Code: 5000, Text: text } }));
        const last = await iterator.next();
        expect(last.value?.error?.message).toBe(text);
        expect(await iterator.next()).toEqual({ done: true, value: undefined });

        // Once the reader is done, the stream is reported non-active.
        const after = await go.request(raw['heartBeatRequestSub']!, heartbeat, { timeout: 2000 });
        expect(json(after)).toEqual({ NonActiveStreamIds: { [goSubject]: [raw['streamId'], 'gone'] } });
      });
    });
  });

  it("our client turns a Go producer's error item into the stream's last item", async () => {
    await withPeers(unusedSource, async ({ client }) => {
      await withRawConnection(async (go) => {
        go.subscribe('node.compute.go-node.ExecutionLogs/v1', {
          callback: (_err, msg) => {
            const item = '{"error":"failed to read log file","value":{"Type":0,"Line":""}}';
            msg.respond(`{"type":1,"data":"${b64(item)}"}`);
            // Go keeps writing after an error item; our reader has stopped listening by then.
            msg.respond(`{"type":1,"data":"${b64('{"value":{"Type":1,"Line":"x"}}')}"}`);
          },
        });
        await go.flush();
        const items = await collect(
          client.streamLogs(request({ NodeID: 'go-node' }), { signal: new AbortController().signal }),
        );
        expect(items.map((item) => item.error?.message)).toEqual(['failed to read log file']);
      });
    });
  });
});
