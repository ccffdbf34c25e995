/**
 * The HTTP API v1 server (Bacalhau's `pkg/publicapi`): Fastify with the routes of `routes/`, Go's
 * middleware (request IDs, CORS `*`, 10 MB body limit, rate limit, handler timeout, authorization, version
 * check, version headers, redirects, `Content-Type: application/json`), one error normaliser (errors.ts)
 * and the generated OpenAPI document.
 *
 * Lifecycle: `createApiServer` builds and readies the app (routes registered, nothing listening);
 * `listen()` binds; `close()` stops accepting, ends open WebSockets and resolves when done (idempotent).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import { isUpgrade, isWebSocketRequest, routePatternMatcher, routeUpgrades } from './upgrades.js';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { buildVersionInfo } from '../../lib/build-info.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import type { BuildVersionInfo } from '../../models/version.js';
import { HTTPHeader, PlainHttpOnTlsAnswer } from '../apimodels/constants.js';
import { authenticatorsFromConfig } from './authn/methods.js';
import type { Authenticator } from './authn/types.js';
import { loadUserKey } from '../../config/user-key.js';
import { authorize } from './authorize.js';
import { authorizerFromConfig } from './authz/from-config.js';
import type { Authorizer } from './authz/types.js';
import { parseJsonBody } from './body.js';
import { answerClientError, refuseRawRequest } from './client-errors.js';
import { startDescriptorProbe } from './descriptor-probe.js';
import { APIServerComponent, errorResponse, notFoundBody, requestError } from './errors.js';
import { goJson, goJsonListParts, wire, type JsonPart, type ListBody } from './json.js';
import { withHandlerTimeout } from './handler-timeout.js';
import { enforceWriteDeadline, WriteDeadlineMs } from './write-deadline.js';
import { answerRefusedHandshakes } from './ws-handshake.js';
import { JobWaits } from './job-waits.js';
import { buildOpenApiDocument } from './openapi.js';
import { parseQuery } from './query.js';
import { RateLimiter } from './rate-limit.js';
import type { RouteDef } from './route.js';
import { agentRoutes } from './routes/agent.js';
import { authRoutes } from './routes/auth.js';
import { jobRoutes } from './routes/jobs.js';
import { logRoutes } from './routes/logs.js';
import { nodeRoutes } from './routes/nodes.js';
import type { ApiJobCommands, ApiJobReader, ApiNodeService, ApiServerDeps } from './types.js';
import {
  checkClientVersion,
  DefaultMinClientVersion,
  parseSemVer,
  serverVersionHeaders,
  type SemVer,
} from './version-check.js';

export interface ApiServerOptions {
  /** `API.Host`; default `0.0.0.0`. */
  host?: string;
  /** `API.Port`; default 1234. 0 picks a free port (see `listen`'s result). */
  port?: number;
  /** Largest accepted request body; default 10 MiB (Go's `10MB`). Larger bodies get 413. */
  bodyLimitBytes?: number;
  /** Clients announcing an older `X-Bacalhau-Git-Version` get 403; default `v1.4.0` (Go's). */
  minClientVersion?: string;
  /** Requests per second per client address (and as many at once); default 1000 (Go's). Over it: 429. */
  rateLimitPerSecond?: number;
  /** How long a handler may run before the client gets a 503; default 30 s (Go's), 0 = no limit. */
  handlerTimeoutMs?: number;
  /**
   * How long an answer may take to be written out (see write-deadline.ts); default 45 s (Go's
   * WriteTimeout), 0 = no limit.
   */
  writeDeadlineMs?: number;
  /** How long a client may take to send its request's headers; default 5 s (Go's ReadHeaderTimeout). */
  headersTimeoutMs?: number;
  /** How long one part of a long list answer takes to encode (json.ts `ListSliceMs`); for tests. */
  listSliceMs?: number;
  /** The clock of the rate limit, the handler timeout and issued tokens; default the system clock. */
  clock?: Clock;
  /** Fastify's logger option; default off. */
  logger?: FastifyServerOptions['logger'];
  /** Called with every error answered with a 500 (the client only sees `Internal server error`). */
  onUnexpectedError?: (err: unknown, request: { method: string; url: string; requestId: string }) => void;
  /**
   * Called when accepting a connection fails once listening (the process has no file descriptor
   * left): the server goes on listening. Without it such a failure would end the process. Given, a
   * probe also reports running out of descriptors, which libuv hides (descriptor-probe.ts).
   */
  onAcceptError?: (err: unknown) => void;
  /** Serve HTTPS with this certificate chain and private key (PEM); default plain HTTP. */
  tls?: { cert: Buffer; key: Buffer };
}

export interface ApiServer {
  readonly app: FastifyInstance;
  /** Starts listening; resolves to the bound address, e.g. `http://127.0.0.1:1234`. */
  listen(): Promise<string>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Go's `http.Server` deadlines: headers within 5 s, the whole request within 20 s. */
const DefaultHeadersTimeoutMs = 5_000;
const requestTimeoutMs = 20_000;
/**
 * How often Node looks for requests past those deadlines: by default every 30 s, so a client trickling
 * its headers (or sending none) was cut after 20 s, where Go cuts it after 5 (measured).
 */
const maxDeadlineCheckMs = 1_000;
/**
 * How long an idle keep-alive connection is kept: Go's server, with no IdleTimeout, uses its
 * ReadTimeout (20 s). Fastify's default, 72 s, held idle clients' descriptors three times as long.
 */
const keepAliveTimeoutMs = requestTimeoutMs;
/** Go's `http.DefaultMaxHeaderBytes`. */
const maxHeaderBytes = 1 << 20;
const requestIdPattern = /^[\x21-\x7e]{1,200}$/;
const maxPathParamLength = 1024;

/** The client's X-Request-Id when it is a sensible token, else a fresh UUID. */
function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
}

/** Go's legacy redirects (301). */
const redirects: Readonly<Record<string, string>> = {
  '/': '/api/v1/agent/version',
  '/version': '/api/v1/agent/version',
  '/livez': '/api/v1/agent/alive',
};

/**
 * Answers a plain HTTP request on the TLS port as Go's net/http does, with a 400 saying so, instead of
 * dropping the connection (which a client can only call a reset). OpenSSL tells such a request from
 * other handshake failures by its first bytes; the answer goes out on the raw socket, under TLS.
 */
function answerPlainHttp<T extends TlsServer>(server: T): T {
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
    if (err.code !== 'ERR_SSL_HTTP_REQUEST' || raw === undefined || !raw.writable) return;
    raw.end(
      'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n' +
        `${PlainHttpOnTlsAnswer}\n`,
    );
  });
  return server;
}

export async function createApiServer(
  deps: ApiServerDeps,
  options: ApiServerOptions = {},
): Promise<ApiServer> {
  const buildInfo = deps.agent.buildInfo ?? buildVersionInfo();
  const minClientVersionText = options.minClientVersion ?? DefaultMinClientVersion;
  const minClientVersion = parseSemVer(minClientVersionText);
  if (minClientVersion === undefined)
    throw new Error(`invalid minimum client version: ${minClientVersionText}`);
  const versionHeaders = serverVersionHeaders(buildInfo);
  const clock = options.clock ?? systemClock;
  const authorizer = authorizerFromConfig(deps.agent.config.API.Auth, { clock });
  const rateLimiter = new RateLimiter(options.rateLimitPerSecond ?? 1000, clock);
  const headersTimeoutMs = options.headersTimeoutMs ?? DefaultHeadersTimeoutMs;

  const app = Fastify({
    // Go's net/http reads up to 1 MB of request line and headers (a long label selector or namespace in
    // the query); Node's default, 16 KB, refused those with a bare 431. A server of our own means
    // Fastify's server options do not apply: the timeouts are set here.
    serverFactory: (handler) => {
      const limits = {
        maxHeaderSize: maxHeaderBytes,
        requestTimeout: requestTimeoutMs,
        keepAliveTimeout: keepAliveTimeoutMs,
        headersTimeout: headersTimeoutMs,
        connectionsCheckingInterval: Math.min(maxDeadlineCheckMs, headersTimeoutMs / 2),
        // Node's own refusal of a request without Host is an empty 400: the hook below says why
        requireHostHeader: false,
      };
      // an https.Server is an http.Server over TLS: Fastify drives both alike
      if (options.tls === undefined) return createServer(limits, handler);
      return answerPlainHttp(createTlsServer({ ...limits, ...options.tls }, handler));
    },
    logger: options.logger ?? false,
    // Fastify's own answer while closing is `{"error":"Service Unavailable",…}`: the hook below answers
    // with an APIError instead, which clients read as the node's.
    return503OnClosing: false,
    bodyLimit: options.bodyLimitBytes ?? 10 * 1024 * 1024,
    requestIdHeader: false,
    genReqId: requestIdOf,
    // A path parameter may be a long job name.
    routerOptions: { maxParamLength: maxPathParamLength },
    clientErrorHandler: (err, socket) => answerClientError(err, socket, maxHeaderBytes),
    // The router's own refusals (a malformed percent-encoding, an over-long parameter) as APIErrors too.
    frameworkErrors(err, request, reply) {
      // No hook runs for these: an upgrade request's socket, detached from HTTP, is closed here.
      if (isUpgrade(request.raw)) reply.raw.once('finish', () => request.raw.socket.destroy());
      void reply.header(HTTPHeader.RequestID, request.id);
      void reply.headers(versionHeaders);
      const { body } = errorResponse(err, request.id);
      void sendJson(reply, body.Status, body);
    },
  });
  let closing: Promise<void> | undefined;
  let stopProbe: (() => void) | undefined;
  try {
    await configure(app, deps, options, {
      buildInfo,
      minClientVersion,
      versionHeaders,
      clock,
      authorizer,
      rateLimiter,
      isClosing: () => closing !== undefined,
    });
  } catch (err) {
    await app.close();
    throw err;
  }

  return {
    app,
    async listen() {
      const address = await app.listen({ host: options.host ?? '0.0.0.0', port: options.port ?? 1234 });
      // once listening, the server's errors are failed accepts: an 'error' nobody listens to would throw
      app.server.on('error', (err) => options.onAcceptError?.(err));
      // ...of which libuv reports none when it is for want of a file descriptor (descriptor-probe.ts)
      const { onAcceptError } = options;
      if (onAcceptError !== undefined) stopProbe ??= startDescriptorProbe({ onExhausted: onAcceptError });
      // Fastify names the scheme after its own https option, which a server factory does not set
      return options.tls === undefined ? address : address.replace(/^http:/, 'https:');
    },
    close() {
      stopProbe?.();
      closing ??= app.close();
      return closing;
    },
  };
}

interface ServerContext {
  buildInfo: BuildVersionInfo;
  minClientVersion: SemVer;
  versionHeaders: Record<string, string>;
  clock: Clock;
  authorizer: Authorizer;
  rateLimiter: RateLimiter;
  /** Whether the server is closing: requests on connections still open are refused. */
  isClosing: () => boolean;
}

/** Everything between creating the Fastify instance and serving: parsers, plugins, hooks, routes. */
async function configure(
  app: FastifyInstance,
  deps: ApiServerDeps,
  options: ApiServerOptions,
  context: ServerContext,
): Promise<void> {
  const { buildInfo, minClientVersion, versionHeaders, authorizer, rateLimiter } = context;
  enforceWriteDeadline(app, { deadlineMs: options.writeDeadlineMs ?? WriteDeadlineMs, clock: context.clock });

  // One lenient JSON parser for every media type (Go's clients all send JSON; curl's default form type
  // and a missing type are read as JSON too); an empty body is no body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  // Before CORS: its hooks then mark an upgrade request first, so that however it is answered (a
  // preflight included) its socket is closed afterwards.
  await app.register(websocket, {
    options: { maxPayload: 1024 * 1024 },
    errorHandler(_err, socket) {
      socket.terminate();
    },
    // A stopping server ends open streams with 1001 (going away), as RFC 6455 has it, where the
    // plugin's default sends a close without a code: a client following logs then says the node
    // stopped before the execution ended, rather than taking the output so far for all of it.
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(1001, 'the node is shutting down');
      // not waiting for the clients' answers (the plugin's default does not either): a dead one would
      // hold the stop for ws's 30 s close timeout
      this.websocketServer.close();
      done();
    },
  });

  answerRefusedHandshakes(app.websocketServer, { requestId: requestIdOf, headers: versionHeaders });
  // Node hands a CONNECT to 'connect' listeners, and without one closes the connection unanswered.
  app.server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    const refusal = requestError(
      "CONNECT is not supported: this is a Bacalhau node's API, not an HTTP proxy",
      { status: 405 },
    );
    refuseRawRequest(socket, refusal, requestIdOf(request), versionHeaders);
  });

  // Echo's CORS defaults: every origin, the methods of the API. As echo does, every answer varies by
  // Origin (a cache must not give a browser an answer made for a client without one), and only a
  // request with an Origin, or a preflight, is answered Access-Control-Allow-Origin.
  const corsOptions = { methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'], strictPreflight: false };
  const withOrigin = { ...corsOptions, origin: '*' };
  const withoutOrigin = { ...corsOptions, origin: false };
  await app.register(cors, {
    delegator: (request, callback) =>
      callback(
        null,
        request.headers.origin === undefined && request.method !== 'OPTIONS' ? withoutOrigin : withOrigin,
      ),
  });
  // Go's order: rate limit, authorization, version check. CORS preflights skip the first two, as echo's
  // CORS middleware answers them before either runs.
  app.addHook('onRequest', async (request, reply) => {
    void reply.header(HTTPHeader.RequestID, request.id);
    void reply.headers(versionHeaders);
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      // HTTP/1.1 requires it (RFC 9112 3.2), and Go's net/http refuses the request with this reason
      void reply.header('connection', 'close');
      throw requestError('missing required Host header');
    }
    if (context.isClosing()) {
      void reply.header('connection', 'close');
      throw new BacalhauError('the node is shutting down', {
        code: ErrorCode.ServiceUnavailable,
        component: APIServerComponent,
        httpStatus: 503,
        retryable: true,
        hint: 'try again once it is back up',
      });
    }
    if (request.method !== 'OPTIONS') rateLimiter.take(request.ip);
    await authorize(authorizer, request);
    const refusal = checkClientVersion(
      firstHeader(request.headers[HTTPHeader.GitVersion.toLowerCase()]),
      minClientVersion,
      buildInfo.GitVersion,
    );
    if (refusal !== undefined) {
      return sendJson(reply, refusal.status, refusal.body);
    }
    return undefined;
  });

  app.setErrorHandler((err, request, reply) => {
    const { body, unexpected } = errorResponse(err, request.id);
    // a handler that gave up because its client left has failed nobody
    if (unexpected && !(err instanceof ClientGone)) {
      request.log.error({ err }, 'unexpected error');
      options.onUnexpectedError?.(err, { method: request.method, url: request.url, requestId: request.id });
    }
    if (request.method === 'HEAD') return reply.code(body.Status).send();
    return sendJson(reply, body.Status, body);
  });

  for (const [from, to] of Object.entries(redirects)) {
    app.get(from, (_request, reply) => reply.redirect(to, 301));
  }

  // one change feed subscription for every blocking read; waiting requests answer when the server closes
  const waits = deps.orchestrator && new JobWaits(deps.orchestrator.jobs, context.clock);
  // List answers still being streamed are cut when the server closes: a client that stopped reading
  // one would otherwise hold the node's stop for as long as it likes.
  const streams = new Set<Readable>();
  app.addHook('preClose', (done) => {
    waits?.close();
    for (const stream of streams) stream.destroy(new Error('the node is shutting down'));
    done();
  });
  const routes = apiRoutes(deps, buildInfo, authMethods(deps, context.clock), waits);
  const timeout = { timeoutMs: options.handlerTimeoutMs ?? 30_000, clock: context.clock };
  for (const route of routes)
    registerRoute(app, route, { timeout, listSliceMs: options.listSliceMs, streams });
  // Also a known path with another method: Go's route groups (agent, auth, orchestrator) have
  // middleware, for which echo adds a catch-all that answers 404 before its own 405 could.
  app.setNotFoundHandler((request, reply) => {
    // a compute-only node: the client was pointed at the wrong node, not at an old server
    const hint =
      deps.orchestrator === undefined && request.url.startsWith(OrchestratorRoutesPrefix)
        ? NoOrchestratorHint
        : undefined;
    return sendJson(reply, 404, notFoundBody(request.id, hint));
  });
  const isWebSocketPath = routePatternMatcher(
    routes.filter((r) => r.wsHandler !== undefined).map((r) => r.url),
  );
  const unrouteUpgrades = routeUpgrades(app.server, (request) =>
    isWebSocketRequest(request, isWebSocketPath),
  );
  app.addHook('onClose', (_instance, done) => {
    unrouteUpgrades();
    done();
  });

  const document = buildOpenApiDocument(routes, { version: buildInfo.GitVersion });
  app.get('/api/v1/openapi.json', (request, reply) => sendJson(reply, 200, document, pretty(request)));

  await app.ready();
}

/**
 * The authentication methods of an orchestrator (Go binds `/api/v1/auth` on requester nodes only). The
 * user key is read, or created, when a token is first signed, so a node nobody logs in to never needs it.
 */
function authMethods(deps: ApiServerDeps, clock: Clock): Map<string, Authenticator> {
  if (deps.orchestrator === undefined) return new Map();
  const { config } = deps.agent;
  let userKey: ReturnType<typeof loadUserKey> | undefined;
  return authenticatorsFromConfig(config.API.Auth, {
    nodeID: async () => (await deps.agent.nodeInfo()).NodeID,
    signingKey: () => {
      // A failed load is retried on the next login (the operator may have fixed the data directory).
      userKey ??= loadUserKey(config.DataDir).catch((err: unknown) => {
        userKey = undefined;
        throw err;
      });
      return userKey;
    },
    clock,
  });
}

const OrchestratorRoutesPrefix = '/api/v1/orchestrator/';
const NoOrchestratorHint =
  'This node runs no orchestrator (a compute-only node): point the client at the orchestrator ' +
  "node's API, with --api-host and --api-port or -c API.Host=… -c API.Port=….";

/** Every route the deps make available: the agent's always, the orchestrator's when it is present. */
function apiRoutes(
  deps: ApiServerDeps,
  buildInfo: BuildVersionInfo,
  methods: ReadonlyMap<string, Authenticator>,
  waits?: JobWaits,
): RouteDef[] {
  const routes: RouteDef[] = [...agentRoutes(deps.agent, buildInfo)];
  if (deps.orchestrator !== undefined) {
    const o = deps.orchestrator;
    routes.push(
      ...jobRoutes({
        jobs: o.jobs,
        endpoint: o.endpoint,
        ...(o.resultTransformer === undefined ? {} : { resultTransformer: o.resultTransformer }),
        ...(waits === undefined ? {} : { waits }),
      }),
      ...logRoutes({ jobs: o.jobs, nodes: o.nodes, ...(o.logs === undefined ? {} : { logs: o.logs }) }),
      ...nodeRoutes(o.nodes),
      ...authRoutes(methods),
    );
  }
  return routes;
}

/**
 * The OpenAPI document of an orchestrator's API without running a server (e.g. to generate the web UI's
 * client). The same document `GET /api/v1/openapi.json` serves.
 */
export function openApiDocument(buildInfo: BuildVersionInfo = buildVersionInfo()): Record<string, unknown> {
  // The route descriptions need deps only in their handlers, which documentation never calls.
  const unused = new Proxy(
    {},
    { get: () => () => Promise.reject(new Error('documentation only')) },
  ) as unknown as ApiJobReader & ApiJobCommands & ApiNodeService;
  const deps: ApiServerDeps = {
    agent: {
      nodeInfo: () => Promise.reject(new Error('documentation only')),
      config: {} as ApiServerDeps['agent']['config'],
    },
    orchestrator: { jobs: unused, endpoint: unused, nodes: unused },
  };
  return buildOpenApiDocument(apiRoutes(deps, buildInfo, new Map()), { version: buildInfo.GitVersion });
}

/** The reason of a route's signal when its client goes away before the answer is written. */
class ClientGone extends Error {
  constructor() {
    super('the client went away before the answer was written');
  }
}

interface RouteContext {
  timeout: { timeoutMs: number; clock: Clock };
  /** See `ApiServerOptions.listSliceMs`. */
  listSliceMs: number | undefined;
  /** The list answers being streamed, cut when the server closes. */
  streams: Set<Readable>;
}

function registerRoute(app: FastifyInstance, route: RouteDef, context: RouteContext): void {
  const { timeout, listSliceMs } = context;
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort(new ClientGone());
    });
    const work = (async () =>
      route.handler({
        query: parseQuery(route.query, request.query),
        id: pathId(request),
        body: request.body,
        request,
        signal: controller.signal,
      }))();
    const result = await withHandlerTimeout(work, { ...timeout, controller });
    const options = { ...pretty(request), unescaped: result.unescaped === true };
    const status = result.status ?? 200;
    if (result.listItem !== undefined && result.schema !== null) {
      const parts = goJsonListParts(result.body as ListBody, result.schema, result.listItem, {
        ...options,
        ...(listSliceMs === undefined ? {} : { sliceMs: listSliceMs }),
      });
      return sendJsonParts(reply, status, parts, context.streams);
    }
    const body = result.schema === null ? result.body : wire(result.body, result.schema);
    return sendJson(reply, status, body, options);
  };

  const wsHandler = route.wsHandler;
  if (wsHandler === undefined) {
    app.route({ method: route.method, url: route.url, handler });
    return;
  }
  app.route({
    method: route.method,
    url: route.url,
    handler,
    wsHandler(socket, request) {
      const controller = new AbortController();
      socket.once('close', () => controller.abort());
      wsHandler(socket, { id: pathId(request), request, signal: controller.signal }).catch(() => {
        socket.terminate();
      });
    },
  });
}

function pathId(request: FastifyRequest): string {
  const params = request.params as Record<string, string | undefined> | undefined;
  return params?.['id'] ?? '';
}

function firstHeader(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Go's echo: `?pretty` (any value) indents the JSON answer. */
function pretty(request: FastifyRequest): { pretty: boolean } {
  const query = request.query as Record<string, unknown> | undefined;
  return { pretty: query !== undefined && Object.hasOwn(query, 'pretty') };
}

function sendJson(
  reply: FastifyReply,
  status: number,
  body: unknown,
  options: { pretty?: boolean; unescaped?: boolean } = {},
): FastifyReply {
  return sendJsonText(reply, status, goJson(body, options));
}

/**
 * A list answer in parts (json.ts `goJsonListParts`): one part is sent as any answer is; a longer
 * one is streamed a part per turn of the event loop (chunked, as Go's net/http sends a long answer),
 * never whole in memory as text and again as bytes, and is listed in `streams` while it lasts.
 */
function sendJsonParts(
  reply: FastifyReply,
  status: number,
  parts: Generator<JsonPart, void>,
  streams: Set<Readable>,
): FastifyReply {
  const first = parts.next().value ?? { text: '', last: true };
  if (first.last) return sendJsonText(reply, status, first.text);
  async function* streamed(): AsyncGenerator<string> {
    yield first.text;
    for (const part of parts) {
      await nextTurn();
      yield part.text;
    }
  }
  const stream = Readable.from(streamed(), { objectMode: false });
  streams.add(stream);
  stream.once('close', () => streams.delete(stream));
  return reply.code(status).type('application/json').send(stream);
}

function sendJsonText(reply: FastifyReply, status: number, text: string): FastifyReply {
  // A Buffer keeps the media type exactly `application/json`, as Go's echo sends it (Fastify would add a
  // charset to a string payload).
  return reply.code(status).type('application/json').send(Buffer.from(text));
}
