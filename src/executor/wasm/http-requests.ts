/**
 * Bacalhau's HTTP host module for WASM tasks (`wasi:http/requests`, its one function `http_request`;
 * Go `pkg/executor/wasm/funcs/http`), the main thread's side: the worker hands each call over a
 * MessagePort and blocks until the answer is there (worker.ts); here the request is made.
 *
 * As in Go, the module exists unless the task's network is None (Default counts as Host for WASM);
 * Host and Full reach any host, HTTP only the hosts its `Domains` match (Go's wildcard rules). Beyond
 * Go: in HTTP mode the node's own addresses stay out of reach (egress-destination.ts), also through a
 * redirect, whose every hop is checked (Go's client checks only the first URL).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import { anySignal } from '../../lib/any-signal.js';
import { NetworkType, domainSet, type NetworkConfig } from '../../models/network.js';
import { checkedLookup, resolveDestination } from '../egress-destination.js';

export const HttpModuleName = 'wasi:http/requests';
export const HttpFunctionName = 'http_request';

/** The function's result codes (Go's `Status…` constants). */
export const HttpStatus = {
  Success: 0,
  InvalidURL: 1,
  NetworkError: 2,
  Timeout: 3,
  NotAllowed: 4,
  BadInput: 6,
  MemoryError: 7,
} as const;

/** Go's method numbering; anything else is GET. */
const Methods = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'];
/** Go's `http.Client` default. */
const MaxRedirects = 10;
const DefaultTimeoutMs = 30_000;

/** One call as the worker hands it over. */
export interface HttpCall {
  method: number;
  url: string;
  /** `Name: value` lines. */
  headers: string;
  body: Uint8Array;
  /** How much of the response body the task's memory may take (the worker works it out as Go does). */
  maxBodyBytes: number;
}

/** The answer: a failure code, or the response (its headers as `Name: value` lines). */
export type HttpAnswer =
  | { code: Exclude<(typeof HttpStatus)[keyof typeof HttpStatus], 0> }
  | { code: 0; status: number; headers: string; body: Uint8Array };

/** Whether a task has the module: unless its network is None. */
export function hasHttpModule(network: NetworkConfig): boolean {
  return network.Type !== NetworkType.None;
}

export interface HttpOptions {
  /** Let HTTP-mode tasks reach this host's own addresses (tests, whose servers listen on loopback). */
  allowNodeLocal?: boolean;
  timeoutMs?: number;
}

/** Go's `matchWildcard`: ports stripped; `*` anything; one `*` at the start, end or middle of a name. */
export function matchWildcard(pattern: string, host: string): boolean {
  const strip = (s: string): string => (s.includes(':') ? s.slice(0, s.lastIndexOf(':')) : s);
  const [p, h] = [strip(pattern), strip(host)];
  if (p === '*') return true;
  if (!p.includes('*')) return p === h;
  const [prefix = '', suffix = ''] = p.split('*');
  const lower = h.toLowerCase();
  return lower.startsWith(prefix) && lower.endsWith(suffix);
}

/** Go's `isHostAllowed` (Default is Host for WASM). */
function hostAllowed(network: NetworkConfig, host: string): boolean {
  switch (network.Type) {
    case NetworkType.Default:
    case NetworkType.Host:
    case NetworkType.Full:
      return true;
    case NetworkType.HTTP:
      return domainSet(network).some((domain) => matchWildcard(domain, host));
    case NetworkType.None:
    case NetworkType.Bridge:
      return false;
  }
}

/**
 * Answers the calls that come on `port`, calling `wake` once each answer was posted (the worker,
 * waiting for that, takes it with `receiveMessageOnPort`). Returns what stops serving.
 */
export function serveHttpCalls(
  port: MessagePort,
  wake: () => void,
  network: NetworkConfig,
  options: HttpOptions = {},
): () => void {
  const controller = new AbortController();
  port.on('message', (call: HttpCall) => {
    const answering = performHttpCall(call, network, options, controller.signal).catch(
      // it should not reject, but a task waits for an answer, and a rejection nobody handles ends the node
      (): HttpAnswer => ({ code: HttpStatus.NetworkError }),
    );
    void answering.then((answer) => {
      if (controller.signal.aborted) return;
      port.postMessage(answer, answer.code === 0 ? [answer.body.buffer as ArrayBuffer] : []);
      wake();
    });
  });
  return () => {
    controller.abort();
    port.close();
  };
}

/**
 * The call's URL as Go's `url.Parse` reads it: undefined for what it refuses (InvalidURL: control
 * characters, a bad %-escape, a colon in the first segment of a URL without scheme, or one the URL
 * standard refuses too), else the URL, or the host of one without a scheme (`example.com/x` has none,
 * `//example.com/x` has one), which Go takes and only fails to send.
 */
function parseCallUrl(raw: string): URL | { host: string } | undefined {
  if (URL.canParse(raw)) return new URL(raw);
  const controls = [...raw].some((char) => char < ' ' || char === '\x7f');
  const [firstSegment = ''] = raw.split('/');
  if (controls || /%(?![0-9a-fA-F]{2})/.test(raw) || firstSegment.includes(':')) return undefined;
  return { host: raw.startsWith('//') ? (raw.slice(2).split('/')[0] ?? '') : '' };
}

/**
 * Makes the call, following redirects as Go's client does (at most 10; a GET without a body after
 * 301, 302 and 303; credentials only to the same host or its subdomains); never rejects.
 */
export async function performHttpCall(
  call: HttpCall,
  network: NetworkConfig,
  options: HttpOptions,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  const parsed = parseCallUrl(call.url);
  if (parsed === undefined) return { code: HttpStatus.InvalidURL };
  // Go takes it, then its client cannot send it: no scheme
  if (!(parsed instanceof URL)) {
    return { code: hostAllowed(network, parsed.host) ? HttpStatus.NetworkError : HttpStatus.NotAllowed };
  }
  let url = parsed;
  const first = url;
  let method = Methods[call.method] ?? 'GET';
  let body: Uint8Array | undefined = call.body.length > 0 ? call.body : undefined;
  let headers = headerLines(call.headers);
  const deadline = anySignal([signal, AbortSignal.timeout(options.timeoutMs ?? DefaultTimeoutMs)]);
  for (let hop = 0; ; hop++) {
    if (!hostAllowed(network, url.host)) return { code: HttpStatus.NotAllowed };
    // Go's client: anything but http(s) is an error making the request
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { code: HttpStatus.NetworkError };
    let response: IncomingMessage;
    try {
      const lookup = await checkedHost(url, network, options);
      if (lookup === undefined) return { code: HttpStatus.NotAllowed };
      response = await send(url, method, headers, body, lookup, deadline);
    } catch {
      return failed(deadline, signal);
    }
    const location = response.headers.location;
    const redirected = [301, 302, 303, 307, 308].includes(response.statusCode ?? 0) && location !== undefined;
    if (!redirected) return readAnswer(response, call.maxBodyBytes, deadline, signal);
    response.destroy();
    // Go's client: past 10 redirects, or to a Location it cannot parse, the request fails
    if (hop === MaxRedirects || !URL.canParse(location, url.href)) return { code: HttpStatus.NetworkError };
    url = new URL(location, url);
    if (!sameOrSubdomain(url.hostname, first.hostname))
      headers = headers.filter(([name]) => !isCredential(name));
    // as Go's client: 307 and 308 repeat the request, the others become a GET without a body
    if (response.statusCode !== 307 && response.statusCode !== 308) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
    }
  }
}

/** A request that failed: Timeout when the call's own deadline cut it, NetworkError otherwise (Go). */
function failed(deadline: AbortSignal, signal: AbortSignal): HttpAnswer {
  return { code: deadline.aborted && !signal.aborted ? HttpStatus.Timeout : HttpStatus.NetworkError };
}

/**
 * The `lookup` to connect with: in HTTP mode only to addresses that are not this node's (undefined
 * when the host has none); otherwise, or with `allowNodeLocal`, the usual DNS lookup.
 */
async function checkedHost(
  url: URL,
  network: NetworkConfig,
  options: HttpOptions,
): Promise<LookupFunction | null | undefined> {
  if (network.Type !== NetworkType.HTTP || options.allowNodeLocal === true) return null;
  const destination = await resolveDestination(url.hostname.replace(/^\[|\]$/g, ''), false);
  return 'refused' in destination ? undefined : checkedLookup(destination.addresses);
}

/** Go's `shouldCopyHeaderOnRedirect`: the host or one of its subdomains. */
function sameOrSubdomain(host: string, of: string): boolean {
  return host === of || host.endsWith(`.${of}`);
}

/** Headers Go's client keeps from other hosts a redirect leads to. */
function isCredential(name: string): boolean {
  return ['authorization', 'www-authenticate', 'cookie', 'cookie2'].includes(name.toLowerCase());
}

function send(
  url: URL,
  method: string,
  headers: [string, string][],
  body: Uint8Array | undefined,
  lookup: LookupFunction | null,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, signal, ...(lookup === null ? {} : { lookup }) }, resolve);
    for (const [name, value] of headers) outgoing.appendHeader(name, value);
    outgoing.on('error', reject);
    // a 101 answer comes as an upgrade, not a response: the task gets its status and headers
    outgoing.on('upgrade', (response: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      resolve(response);
    });
    // settled already, unless the connection closed without an answer
    outgoing.on('close', () => reject(new Error('the connection closed without an answer')));
    outgoing.end(body);
  });
}

/** The response, its body cut at `maxBytes` (Go's `io.LimitReader`). */
async function readAnswer(
  response: IncomingMessage,
  maxBytes: number,
  deadline: AbortSignal,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // an upgraded connection (101) is closed: what would follow is not HTTP
    for await (const chunk of (response.statusCode === 101 ? [] : response) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) break;
    }
  } catch {
    return failed(deadline, signal);
  } finally {
    response.destroy();
  }
  const body = new Uint8Array(Buffer.concat(chunks).subarray(0, maxBytes));
  return { code: 0, status: response.statusCode ?? 0, headers: responseHeaderLines(response), body };
}

/** Go's `parseHeaders`: `Name: value` lines; blank lines and lines without a colon are skipped. */
function headerLines(text: string): [string, string][] {
  return text.split('\n').flatMap((line) => {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    return name === '' ? [] : [[name, line.slice(colon + 1).trim()] as [string, string]];
  });
}

/** The response's headers as Go writes them: `Name: value` lines, names in Go's canonical form. */
function responseHeaderLines(response: IncomingMessage): string {
  const lines: string[] = [];
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) lines.push(`${canonicalName(raw[i]!)}: ${raw[i + 1]!}`);
  return lines.join('\n');
}

/** Go's `CanonicalMIMEHeaderKey`: each dash-separated word capitalised (`content-type` → `Content-Type`). */
function canonicalName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('-');
}
