/**
 * The REST client's requests on node:http and node:https instead of the built-in fetch. A CLI command
 * makes a request or two and exits, and the built-in fetch first loads undici: ~80 ms of start-up on
 * this project's test machines, where `agent alive` took ~0.8 s. It also cannot take TLS settings of its
 * own (extra trusted CAs, no verification) without the undici package; an agent here can.
 *
 * It covers what the REST client sends (a method, headers, a string body, an abort signal) and buffers
 * the answer, API answers being small JSON.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import type { FetchAnswer, FetchLike } from '../transport.js';

/** `tls`: the HTTPS agent's settings; none keeps Node's defaults (the system's trusted CAs). */
export function nodeFetch(tls?: AgentOptions): FetchLike {
  // Node's default agents keep connections alive between requests, let the process exit, and drop a
  // connection idle for 5 s, long before the API server would (72 s): a reused connection is never
  // one the server is closing. An agent of its own does the same.
  const httpsAgent =
    tls === undefined ? undefined : new HttpsAgent({ keepAlive: true, timeout: 5_000, ...tls });
  return (url, init) =>
    new Promise<FetchAnswer>((resolve, reject) => {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new TypeError(`cannot send a request to ${url.protocol} addresses, only http: and https:`));
        return;
      }
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        url,
        {
          method: init.method,
          // Said outright: Node frames a body of DELETE (a job stop) with neither a length nor chunks,
          // and the server would read it as the next request on the connection.
          headers:
            init.body === undefined
              ? init.headers
              : { ...init.headers, 'Content-Length': String(Buffer.byteLength(init.body)) },
          ...(url.protocol === 'https:' && httpsAgent !== undefined ? { agent: httpsAgent } : {}),
          ...(init.signal === undefined ? {} : { signal: init.signal }),
        },
        (res) => {
          bufferedAnswer(res).then(resolve, reject);
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
}

function bufferedAnswer(res: IncomingMessage): Promise<FetchAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    // an answer cut short (the server went away, the request was aborted) is an error (ECONNRESET)
    res.on('error', reject);
    res.on('end', () => {
      const status = res.statusCode ?? 0;
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ ok: status >= 200 && status < 300, status, text: () => Promise.resolve(text) });
    });
  });
}
