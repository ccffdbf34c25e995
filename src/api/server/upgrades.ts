/**
 * Which HTTP upgrade requests reach the WebSocket plugin.
 *
 * Once a Node HTTP server has an `upgrade` listener (the plugin adds one), every request with
 * `Connection: Upgrade` goes to it, detached from HTTP: `curl --http2` (`Upgrade: h2c`) then got
 * "Invalid Upgrade header" or lost its body, and a CORS preflight or an error answered on such a
 * socket left it open for good, one file descriptor each, which also kept `serve` from stopping.
 * Go's net/http serves an upgrade it does not handle as a plain request. So here only a GET asking for
 * `websocket` on a WebSocket route goes to the plugin; any other request is handed back to the HTTP
 * server as a plain one.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Puts a filter in front of the server's `upgrade` listeners (registered before this call): requests
 * for which `isWebSocket` is false are served as plain HTTP. Returns what undoes it, for the server's
 * close: the plugin can no longer remove its own listener, which is now behind the filter.
 */
export function routeUpgrades(
  server: Server,
  isWebSocket: (request: IncomingMessage) => boolean,
): () => void {
  const listeners = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  const filter = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!isWebSocket(request)) {
      serveAsPlainRequest(server, request, socket, head);
      return;
    }
    for (const listener of listeners) listener(request, socket, head);
  };
  server.on('upgrade', filter);
  return () => void server.off('upgrade', filter);
}

/** Whether Node handed this request to the `upgrade` listeners (its socket is then no longer HTTP's). */
export function isUpgrade(request: IncomingMessage): boolean {
  // set by Node's parser, missing from its types
  return (request as IncomingMessage & { upgrade?: boolean }).upgrade === true;
}

/** A WebSocket handshake (GET, `Upgrade: websocket`) for a path `isWebSocketPath` accepts. */
export function isWebSocketRequest(
  request: IncomingMessage,
  isWebSocketPath: (path: string) => boolean,
): boolean {
  if (request.method !== 'GET') return false;
  const protocols = (request.headers.upgrade ?? '').split(',').map((p) => p.trim().toLowerCase());
  if (!protocols.includes('websocket')) return false;
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return isWebSocketPath(query === -1 ? url : url.slice(0, query));
}

/**
 * A matcher for Fastify route patterns (`/jobs/:id/logs`): each parameter one segment, which may be empty
 * as for Fastify's router (an empty job ID then gets the route's own answer, job not found).
 */
export function routePatternMatcher(patterns: readonly string[]): (path: string) => boolean {
  const expressions = patterns.map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .split('/')
          .map((segment) =>
            segment.startsWith(':') ? '[^/]*' : segment.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'),
          )
          .join('/')}$`,
        'u',
      ),
  );
  return (path) => expressions.some((expression) => expression.test(path));
}

/**
 * Gives the socket back to the HTTP server as a new connection whose first request is this one without
 * its upgrade: the request head written again (without `Upgrade`, and without `upgrade` in
 * `Connection`), then the bytes already read after it (the start of a body).
 */
function serveAsPlainRequest(server: Server, request: IncomingMessage, socket: Duplex, head: Buffer): void {
  const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/${request.httpVersion}`];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (lower === 'upgrade') continue;
    if (lower === 'connection') {
      const kept = value
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== '' && token.toLowerCase() !== 'upgrade');
      if (kept.length > 0) lines.push(`${name}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${value}`);
  }
  // Node's parser read the head as latin1, so this writes back the bytes it got.
  socket.unshift(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]));
  // An HTTPS server serves HTTP on 'secureConnection'; its 'connection' would start TLS over again on
  // this socket, whose TLS is already done, and answer 400.
  server.emit(server instanceof TlsServer ? 'secureConnection' : 'connection', socket);
}
