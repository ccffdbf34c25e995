/**
 * The REST client's transport on Node with the TLS settings of the client's configuration (Go's
 * `client/v2` `WithCACertificate` / `WithInsecureTLS`): the same trust for API requests and for the log
 * stream's WebSocket. An untrusted certificate is explained in one line that names the fix, which the
 * caller words for where the settings come from (config keys, or a profile).
 *
 * Not browser-safe (node:https, the `ws` package): the CLI imports it, the web UI must not.
 */
import { createRequire } from 'node:module';
import type WebSocket from 'ws';
import { certificateProblem, isOutOfDate } from '../../../lib/certificate-problem.js';
import { errorChain } from '../../../lib/error-chain.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { ClientComponent, errorFromResponse, parseJson, type ClientOptions } from '../transport.js';
import { nodeFetch } from './node-fetch.js';

export interface ClientTlsSettings {
  /** PEM certificates of the CAs to trust (instead of the system's); wins over `insecure`, as in Go. */
  ca?: string;
  /** Accept any certificate: encryption without authentication of the server. */
  insecure?: boolean;
  /** What the user can change when the server's certificate is not trusted; ends the error message. */
  untrustedFix: string;
}

export type NodeTransportOptions = Required<Pick<ClientOptions, 'fetch' | 'webSocket' | 'explainFailure'>>;

export function nodeTransportOptions(settings: ClientTlsSettings): NodeTransportOptions {
  const tls =
    settings.ca !== undefined
      ? { ca: settings.ca }
      : settings.insecure === true
        ? { rejectUnauthorized: false }
        : undefined;
  return {
    fetch: nodeFetch(tls),
    webSocket: (url, headers) => reportRefusals(new (webSocketClass())(url, { headers, ...tls })),
    explainFailure(failure, url) {
      // The log stream's wss:// address is the API's https:// one, which is what the user configured.
      const origin = url.origin.replace(/^ws(s?):/, 'http$1:');
      if (answeredWithoutTls(failure)) {
        return new BacalhauError(
          `the API server at ${origin} does not speak TLS: it answered in plain HTTP`,
          {
            code: ErrorCode.NetworkFailure,
            component: ClientComponent,
            hint: 'Connect with http:// instead: set API.TLS.UseTLS=false and give the host without https://',
            cause: failure,
          },
        );
      }
      const problem = certificateProblem(failure);
      if (problem === undefined) return undefined;
      // a trusted certificate issued for other names: trusting it more would not help
      const message =
        problem.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
          ? `the TLS certificate of ${origin} is not for this address (${problem.reason}): connect with a host name or address it names`
          : isOutOfDate(problem)
            ? `the TLS certificate of ${origin} is not valid now (${problem.reason}): the server needs a current certificate (or this machine's clock is wrong)`
            : `the TLS certificate of ${origin} is not trusted (${problem.reason}): ${settings.untrustedFix}`;
      return new BacalhauError(message, {
        code: ErrorCode.NetworkFailure,
        component: ClientComponent,
        cause: failure,
      });
    },
  };
}

/**
 * The `ws` package, loaded when a command first opens a log stream: loading it costs a command that
 * never does (most of them) ~0.1 s of start-up on this project's test machines.
 */
function webSocketClass(): typeof WebSocket {
  return createRequire(import.meta.url)('ws') as typeof WebSocket;
}

/** What is read of a refused upgrade's answer at most: the server's error JSON is far smaller. */
const RefusalTextLimit = 64 * 1024;

/**
 * A server refusing the upgrade (401 without credentials, 403, 404) answers in plain HTTP with its usual
 * error JSON, of which `ws` reports only "Unexpected server response: 401". This reads the answer and
 * reports, as the socket's error, the error the same answer to a plain request is, naming the
 * server's reason and hint.
 */
function reportRefusals(socket: WebSocket): WebSocket {
  socket.once('unexpected-response', (_request, response) => {
    let text = '';
    let reported = false;
    const report = (): void => {
      if (reported) return;
      reported = true;
      socket.emit('error', errorFromResponse(response.statusCode ?? 0, parseJson(text), text));
      socket.terminate(); // ends the handshake; its own error comes after ours and is ignored
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < RefusalTextLimit) text += chunk;
    });
    response.once('end', report);
    response.once('close', report);
  });
  return socket;
}

/**
 * OpenSSL's "wrong version number": the first bytes the server sent back were not a TLS record, as
 * when a plain HTTP server answers a TLS hello. No code tells it apart, only the text (EPROTO).
 */
function answeredWithoutTls(failure: unknown): boolean {
  for (const e of errorChain(failure)) if (/\bwrong version number\b/.test(e.message)) return true;
  return false;
}
