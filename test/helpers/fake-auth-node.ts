/**
 * A stand-in for a Go node whose access policy admits only logged-in users (Go's
 * `challenge_ns_no_anon.rego` with an `ask` method such as `ask_ns_secret.rego`), which no node of this
 * project can be (it evaluates no Rego). On 127.0.0.1: `GET /api/v1/auth` lists the methods it is given;
 * `POST /api/v1/auth/ClientKey` checks the signature with this project's own challenge authenticator;
 * `POST /api/v1/auth/Secret` wants the `token` field to be {@link FakeAuthNode.secret}; `GET
 * /api/v1/orchestrator/jobs` answers an empty list to a token it issued and 401 to anything else, and
 * the logs WebSocket of any job (`/api/v1/orchestrator/jobs/<id>/logs`) sends one line to such a
 * token, refusing the upgrade with 401 otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { ChallengeAuthenticator } from '../../src/api/server/authn/challenge.js';
import { systemClock } from '../../src/lib/clock.js';

export type FakeMethod = 'ClientKey' | 'Secret';

export interface FakeAuthNode {
  readonly address: string;
  readonly secret: string;
  /** Methods offered from now on. */
  offer(methods: FakeMethod[]): void;
  /** Authorization headers the jobs route saw, in order. */
  readonly seen: (string | undefined)[];
  close(): Promise<void>;
}

const nodeID = 'n-fake-auth';
const secretSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { token: { type: 'string', writeOnly: true } },
  required: ['token'],
};

const refusal = {
  Status: 401,
  Code: 'Unauthorized',
  Component: 'Authorizer',
  Message: 'Request Unauthorized',
  Hint: 'Unauthorized principal. Event has been recorded.',
};

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function body(request: IncomingMessage): Promise<{ MethodData?: string }> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return JSON.parse(text) as { MethodData?: string };
}

export async function startFakeAuthNode(): Promise<FakeAuthNode> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const challenge = new ChallengeAuthenticator({
    nodeID: () => Promise.resolve(nodeID),
    signingKey: () => Promise.resolve(privateKey),
    clock: systemClock,
  });
  const secret = 'open sesame';
  const issued = new Set<string>();
  const seen: (string | undefined)[] = [];
  let offered: FakeMethod[] = ['ClientKey'];

  const authenticate = async (method: FakeMethod, data: Uint8Array) => {
    if (method === 'ClientKey') return challenge.authenticate(data);
    const answer = JSON.parse(Buffer.from(data).toString()) as { token?: string };
    return answer.token === secret
      ? { success: true, token: `secret-token-${issued.size}` }
      : { success: false, reason: 'the secret is not right' };
  };

  const server = createServer((request, response) => {
    void (async () => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      if (request.method === 'GET' && path === '/api/v1/auth') {
        const methods: Record<string, unknown> = {};
        for (const name of offered) {
          methods[name] =
            name === 'ClientKey' ? await challenge.requirement() : { type: 'ask', params: secretSchema };
        }
        return send(response, 200, { NextToken: '', Methods: methods });
      }
      const method = /^\/api\/v1\/auth\/(ClientKey|Secret)$/.exec(path)?.[1] as FakeMethod | undefined;
      if (request.method === 'POST' && method !== undefined && offered.includes(method)) {
        const data = Buffer.from((await body(request)).MethodData ?? '', 'base64');
        const outcome = await authenticate(method, data);
        if (outcome.success && outcome.token !== undefined) issued.add(outcome.token);
        return send(response, outcome.success ? 200 : 401, { Authentication: outcome });
      }
      if (request.method === 'GET' && path === '/api/v1/orchestrator/jobs') {
        const authorization = request.headers.authorization;
        seen.push(authorization);
        if (authorization?.startsWith('Bearer ') === true && issued.has(authorization.slice(7))) {
          return send(response, 200, { Items: [], NextToken: '' });
        }
        return send(response, 401, refusal);
      }
      send(response, 404, { Status: 404, Code: 'NotFound', Message: `no route ${path}` });
    })().catch((err: unknown) => send(response, 500, { Message: String(err) }));
  });
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const authorization = request.headers.authorization;
    seen.push(authorization);
    if (!/^\/api\/v1\/orchestrator\/jobs\/[^/]+\/logs/.test(request.url ?? '')) return socket.destroy();
    if (authorization?.startsWith('Bearer ') !== true || !issued.has(authorization.slice(7))) {
      const text = JSON.stringify(refusal);
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      ws.send(JSON.stringify({ value: { Type: 1, Line: 'hello from the logs\n' } }));
      ws.close(1000);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    secret,
    seen,
    offer: (methods) => {
      offered = methods;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
