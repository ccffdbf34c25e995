/**
 * The filtering HTTP proxy of an HTTP-mode execution (Bacalhau runs squid in a gateway container for
 * this): `CONNECT host:port` tunnels and absolute-URL HTTP requests, only to hosts `Network.Domains`
 * allows (exact names, or `.example.com` for the domain and its subdomains: Go's `matchDomain`).
 * Anything else gets `403 Forbidden`, which names the field to change, and so does an allowed name
 * that resolves only to the compute node itself or to a link-local address (../egress-destination.ts).
 * A forwarded HTTP request carries the job's ID in `X-Bacalhau-Job-ID`, as Bacalhau's gateway adds it
 * (so a server can tell requests of jobs, such as a job submitting jobs); one the task set is replaced.
 * A tunnel's traffic is the task's own: nothing is added to it.
 *
 * It serves connections accepted by any listening socket it is given (the one inside the execution's
 * network namespace) and makes its own connections from this process's network.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { connect, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { matchDomain } from '../../models/network.js';
import { checkedLookup, resolveDestination, type Destination } from '../egress-destination.js';

/** Headers that describe one hop, not the request: never forwarded (RFC 9110 §7.6.1). */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
]);

export interface EgressProxyOptions {
  /**
   * Lets tasks reach this host's loopback and link-local addresses when an allowed name resolves there.
   * Off by default (see ../egress-destination.ts); for tests, whose servers can only listen on loopback.
   */
  allowNodeLocal?: boolean;
}

/** The execution a proxy serves. */
export interface ProxiedTask {
  /** The hosts the task may reach: its `Network.Domains`. */
  domains: readonly string[];
  /** Sent with every forwarded request. */
  jobID: string;
}

/** Bacalhau's `X-Bacalhau-Job-ID`, in the lower case Node.js gives incoming header names. */
const JobIDHeader = 'x-bacalhau-job-id';

export class EgressProxy {
  readonly #domains: readonly string[];
  readonly #jobID: string;
  readonly #allowNodeLocal: boolean;
  readonly #listener: Server;
  readonly #http: HttpServer;
  readonly #tunnels = new Set<Socket | Duplex>();
  #stopped = false;

  /** Starts serving the connections `listener` accepts, for `task`. */
  constructor(listener: Server, task: ProxiedTask, options: EgressProxyOptions = {}) {
    this.#domains = task.domains;
    this.#jobID = task.jobID;
    this.#allowNodeLocal = options.allowNodeLocal === true;
    this.#listener = listener;
    this.#http = createServer();
    this.#http.on('request', (req, res) => void this.#forward(req, res));
    this.#http.on('connect', (req, socket, head) => void this.#tunnel(req.url ?? '', socket, head));
    this.#http.on('clientError', (_err, socket) => socket.destroy());
    listener.on('connection', (socket) => this.#http.emit('connection', socket));
  }

  /** Whether a task may reach `host` (a name or an IP address, without port or brackets). */
  allows(host: string): boolean {
    return host !== '' && this.#domains.some((domain) => matchDomain(domain, host) === 0);
  }

  /** Stops listening and cuts every connection. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#listener.close();
    this.#http.closeAllConnections();
    for (const socket of this.#tunnels) socket.destroy();
    this.#tunnels.clear();
  }

  async #forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseUrl(req.url ?? '');
    if (url?.protocol !== 'http:') {
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('bacalhau: this is an HTTP proxy: send absolute http:// URLs, or CONNECT for https\n');
      return;
    }
    const host = unbracket(url.hostname);
    const destination = await this.#destination(host);
    if (this.#stopped || res.destroyed) return; // the proxy stopped, or the task hung up, meanwhile
    if ('failed' in destination) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(destination.failed);
      return;
    }
    if ('refused' in destination) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(destination.refused);
      return;
    }
    const upstream = httpRequest(
      {
        host,
        // to the addresses checked: the name is not resolved again
        lookup: checkedLookup(destination.addresses),
        port: url.port === '' ? 80 : Number(url.port),
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: { ...endToEnd(req.headers), [JobIDHeader]: this.#jobID },
        agent: false,
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, endToEnd(reply.headers));
        reply.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end(unreachable(host, err));
    });
    // the task hung up, or the proxy stopped: a streaming answer would otherwise hold its connection
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  async #tunnel(authority: string, client: Duplex, head: Buffer): Promise<void> {
    const url = parseUrl(`http://${authority}`);
    const host = unbracket(url?.hostname ?? '');
    if (url === undefined || url.port === '') {
      client.end(forbidden(refusal(host || authority)));
      return;
    }
    this.#track(client);
    client.on('error', () => client.destroy());
    const destination = await this.#destination(host);
    if (this.#stopped || client.destroyed) return; // the proxy stopped, or the task hung up, meanwhile
    if ('failed' in destination) {
      client.end(badGateway(destination.failed));
      return;
    }
    if ('refused' in destination) {
      client.end(forbidden(destination.refused));
      return;
    }
    const upstream = connect({ host, port: Number(url.port), lookup: checkedLookup(destination.addresses) });
    this.#track(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (err) => {
      if (!connected) client.end(badGateway(unreachable(host, err)));
      else client.destroy();
    });
    client.on('close', () => upstream.destroy());
  }

  /** Where to connect for `host`: refused outside the domain list, failed when the name does not resolve. */
  async #destination(host: string): Promise<Destination | { failed: string }> {
    if (!this.allows(host)) return { refused: refusal(host) };
    try {
      return await resolveDestination(host, this.#allowNodeLocal);
    } catch (err) {
      return { failed: unreachable(host, err as Error) };
    }
  }

  #track(socket: Socket | Duplex): void {
    this.#tunnels.add(socket);
    socket.once('close', () => this.#tunnels.delete(socket));
  }
}

function forbidden(text: string): string {
  return `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\n${text}`;
}

function badGateway(text: string): string {
  return `HTTP/1.1 502 Bad Gateway\r\n\r\n${text}`;
}

function unreachable(host: string, err: Error): string {
  return `bacalhau: ${host}: ${err.message}\n`;
}

function refusal(host: string): string {
  return `bacalhau: ${host} is not in this task's Network.Domains; add it there to allow it\n`;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** `[::1]` → `::1`: URL keeps IPv6 hosts bracketed, sockets and domain lists do not. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !hopByHop.has(name) && !named.has(name)),
  );
}
