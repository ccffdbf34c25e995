/**
 * WebSocket handshakes that `ws` refuses (a missing or malformed `Sec-WebSocket-Key`, a version other than
 * 13 or 8, a malformed `Sec-WebSocket-Protocol`, an `Upgrade` naming more than `websocket`): `ws` answers
 * them with a `text/html` body, which Bacalhau's clients cannot read as an error. Here they get Bacalhau's
 * error body naming the header, with the request ID and the version headers every answer carries.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { refuseRawRequest } from './client-errors.js';
import { requestError } from './errors.js';

/** The versions `ws` speaks; RFC 6455 (4.4) has a refusal of the version list them. */
const SupportedVersions = '13, 8';

export function answerRefusedHandshakes(
  server: WebSocketServer,
  options: { requestId: (request: IncomingMessage) => string; headers: Readonly<Record<string, string>> },
): void {
  // with a listener for this event, ws leaves the answer to it
  server.on('wsClientError', (err: Error, socket: Duplex, request: IncomingMessage) => {
    const refusal = requestError(`invalid WebSocket handshake: ${err.message}`, {
      hint: 'a WebSocket client sends these headers itself: use one, or `bacalhau job logs <id>`',
    });
    const versionRefused = err.message.includes('Sec-WebSocket-Version');
    refuseRawRequest(socket, refusal, options.requestId(request), {
      ...options.headers,
      ...(versionRefused && { 'Sec-WebSocket-Version': SupportedVersions }),
    });
  });
}
