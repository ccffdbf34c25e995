/**
 * A `fetch` for HTTPS with TLS settings of its own (extra trusted CAs, or no verification), which Node
 * 20's built-in fetch cannot take without the undici package. It covers what the REST client sends (a
 * method, headers, a string body, an abort signal) and buffers the answer, as API answers are small JSON.
 * Other schemes go to the built-in fetch.
 */
import { request, type Agent } from 'node:https';

/** Statuses whose Response must not have a body. */
const nullBodyStatuses = new Set([204, 205, 304]);

export function httpsFetch(agent: Agent): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.protocol !== 'https:') return globalThis.fetch(input, init);
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new TypeError('httpsFetch sends string bodies only');
    }
    const body = init.body ?? undefined;
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            const answerHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of Array.isArray(value) ? value : [value ?? '']) answerHeaders.append(name, v);
            }
            resolve(
              new Response(nullBodyStatuses.has(status) ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: answerHeaders,
              }),
            );
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
}
