/**
 * Requests Node's HTTP parser refuses before any route sees them: answered with Bacalhau's error body
 * (Fastify's default answer is `{"error":"Bad Request","message":"Client Error"}`), saying what was
 * wrong. The common one is a raw non-ASCII byte in the URL (`curl '…?labels=ключ=1'`): Go's net/http
 * takes it, Node's parser does not, so the answer says to percent-encode it.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { apiErrorBody, type BacalhauError } from '../../models/bacerrors.js';
import { requestError } from './errors.js';

/** What Node's `clientError` event passes: a parser error (`HPE_*`) or a timeout. */
export interface ParserError extends Error {
  code?: string;
  /** llhttp's reason, e.g. `Invalid char in url query`. */
  reason?: string;
}

/** Fastify's `clientErrorHandler`. `maxHeaderBytes` is the server's limit, for the 431's message. */
export function answerClientError(err: ParserError, socket: Socket, maxHeaderBytes: number): void {
  // A reset connection has nothing left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) writeApiError(socket, refusal(err, maxHeaderBytes), randomUUID());
  socket.destroy(err);
}

/** How long a refused raw request's answer may take to go out before its connection is dropped. */
const RawAnswerGraceMs = 5_000;

/**
 * Answers a request Node did not hand to HTTP (an upgrade, a CONNECT) with `err`, then closes the
 * connection once the answer is written. Node takes its own error listener off a socket it hands over,
 * and an error event with no listener ends the process: a client resetting the connection meanwhile
 * must only close it.
 */
export function refuseRawRequest(
  socket: Duplex,
  err: BacalhauError,
  requestId: string,
  headers: Readonly<Record<string, string>>,
): void {
  socket.on('error', () => socket.destroy());
  // a client that never reads keeps the answer from finishing: the connection goes all the same
  setTimeout(() => socket.destroy(), RawAnswerGraceMs).unref();
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  writeApiError(socket, err, requestId, headers);
  socket.once('finish', () => socket.destroy());
  socket.end();
}

/**
 * Writes `err` as an HTTP answer with Bacalhau's error body straight on `socket`, for a request no route
 * answers; the connection is to be closed after it. `headers` go out with it.
 */
export function writeApiError(
  socket: Duplex,
  err: BacalhauError,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = apiErrorBody(err, requestId);
  const text = JSON.stringify(body);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.write(
    `HTTP/1.1 ${body.Status} ${STATUS_CODES[body.Status] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n${extra.join('')}\r\n${text}`,
  );
}

function refusal(err: ParserError, maxHeaderBytes: number): BacalhauError {
  const reason = err.reason ?? err.message;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return requestError('the request was not received in time', { status: 408 });
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return requestError(
      `the request line and headers are larger than the server accepts (${maxHeaderBytes} bytes)`,
      { status: 431 },
    );
  }
  if (err.code === 'HPE_INVALID_URL') {
    return requestError(`malformed request URL: ${reason}`, {
      hint: "percent-encode characters outside ASCII in the URL (e.g. curl -G --data-urlencode 'labels=…')",
    });
  }
  return requestError(`malformed HTTP request: ${reason}`);
}
