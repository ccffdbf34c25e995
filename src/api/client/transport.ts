/**
 * The HTTP plumbing of the REST client: URLs, headers, `fetch` with a timeout, and one normaliser that
 * turns every failure into a BacalhauError (Go's `client/v2` `interceptError`). Browser-safe: only `fetch`,
 * `URL`, `AbortSignal` and `TextDecoder`.
 */
import { BacalhauError, ErrorCode, errorMessage, hasHttpStatus } from '../../models/bacerrors.js';
import { decodeStruct, isPlainObject, type StructSchema } from '../../models/codec.js';
import type { BuildVersionInfo } from '../../models/version.js';
import { HTTPHeader, PlainHttpOnTlsAnswer } from '../apimodels/constants.js';
import { eitherSignal } from '../../lib/any-signal.js';
import { timeoutSignal } from '../../lib/timeout-signal.js';

export const ClientComponent = 'HTTPClient';

/** The subset of the WebSocket API the log stream uses (browsers' `WebSocket` and the `ws` package fit). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  close(code?: number, reason?: string): void;
  /** Stops reading from the connection (Node's `ws` has these; a browser's WebSocket does not). */
  pause?(): void;
  resume?(): void;
}

/**
 * Opens a WebSocket. Browsers cannot send headers with a WebSocket (the default factory drops them);
 * on Node pass e.g. `(url, headers) => new WebSocket(url, { headers })` from the `ws` package. A factory
 * that can read the answer to a refused upgrade (401, 404…) may report it as a `BacalhauError` in the
 * error event, which the client then throws as it is.
 */
export type WebSocketFactory = (url: string, headers: Readonly<Record<string, string>>) => WebSocketLike;

export interface ClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:1234` (a path prefix is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`: an API key, or a token from `auth.authenticate`. */
  token?: string;
  /** A complete `Authorization` header value (e.g. `basicAuthorization(user, password)`); wins over `token`. */
  authorization?: string;
  /**
   * Called when the server answers 401 (Go's `AuthenticatingClient`): resolves to a new `Authorization`
   * value, which the request is sent again with and later requests carry, or to undefined to give up
   * (the 401 is thrown, and later refusals of the same value are not asked about again). Requests
   * refused at once share one call; a request is retried once.
   */
  reauthenticate?: () => Promise<string | undefined>;
  /** The namespace of requests that do not name one (Go's `WithNamespace`). */
  namespace?: string;
  /** The client's build, announced in `X-Bacalhau-Git-Version`, `-Git-Commit`, `-Build-Date`, `-Build-OS`, `X-Bacalhau-Arch`. */
  clientVersion?: Partial<BuildVersionInfo>;
  /** `X-Bacalhau-InstallationID` / `X-Bacalhau-InstanceID` (recorded in submitted jobs' meta). */
  installationID?: string;
  instanceID?: string;
  /** `X-Bacalhau-App-ID`. */
  appID?: string;
  /** Extra headers on every request. */
  headers?: Readonly<Record<string, string>>;
  /** Per-request timeout; default 30 s (Go's). 0 disables it. WebSocket streams are not limited. */
  timeoutMs?: number;
  /** Default: `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Default: `globalThis.WebSocket` when the platform has one. */
  webSocket?: WebSocketFactory;
  /**
   * Turns a failure of `fetch` or of the WebSocket (its error event's `error`) into the error to throw,
   * e.g. an untrusted TLS certificate into what to configure; undefined keeps the default
   * ("not reachable"). The platform's failures differ (Node's TLS codes, browsers' opaque errors),
   * so the platform-specific side supplies this.
   */
  explainFailure?: (failure: unknown, url: URL) => BacalhauError | undefined;
}

/**
 * What the client needs of `fetch`: the platform's `fetch` is one, and so is a lighter one that skips
 * what the client never uses (streams, Request objects).
 */
export type FetchLike = (url: URL, init: FetchInit) => Promise<FetchAnswer>;

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface FetchAnswer {
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

type RequestOptions = CallOptions & {
  body?: unknown;
  schema?: () => StructSchema;
  /** Statuses other than 2xx whose body is an answer rather than an error. */
  answerStatuses?: readonly number[];
};

export type QueryValue = string | number | boolean | readonly string[] | undefined;

/**
 * A job named "." or ".." cannot travel in a path: URL parsing (fetch's, the WebSocket's) takes such a
 * segment, escaped or not, as a step between folders, so `jobs/./history` would ask for the job named
 * "history" and `jobs/..` for another route. Bacalhau's Go client sends the path as it is.
 */
function refuseDotSegments(path: string): void {
  const dots = path.split('/').find((segment) => segment === '.' || segment === '..');
  if (dots === undefined) return;
  throw new BacalhauError(
    `cannot ask for "${dots}" by name: a URL reads "${dots}" as a step between folders, so the request would reach another resource`,
    {
      code: ErrorCode.BadRequest,
      component: ClientComponent,
      hint: 'Use its ID instead (job list shows the IDs of jobs)',
    },
  );
}

export class HttpTransport {
  readonly baseUrl: URL;
  readonly #options: ClientOptions;
  readonly #fetch: FetchLike;
  #authorization: string | undefined;
  /** The `reauthenticate` call under way, shared by the requests it answers. */
  #reauthenticating: Promise<string | undefined> | undefined;
  /** The `Authorization` whose refusal `reauthenticate` found no answer to. */
  #declined: { authorization: string | undefined } | undefined;

  constructor(options: ClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch (err) {
      throw new BacalhauError(
        `invalid API address ${JSON.stringify(options.baseUrl)}: ${errorMessage(err)}`,
        {
          code: ErrorCode.BadRequest,
          component: ClientComponent,
        },
      );
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.baseUrl = base;
    this.#options = options;
    this.#authorization =
      options.authorization ?? (options.token === undefined ? undefined : `Bearer ${options.token}`);
    const f = options.fetch ?? globalThis.fetch;
    this.#fetch = f.bind(globalThis);
  }

  get namespace(): string {
    return this.#options.namespace ?? '';
  }

  /** The URL of an API path with its query; `namespace` falls back to the client's default. */
  url(path: string, query: Readonly<Record<string, QueryValue>> = {}): URL {
    refuseDotSegments(path);
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === '' || value === false || value === 0) continue;
      if (Array.isArray(value)) for (const v of value as readonly string[]) url.searchParams.append(key, v);
      else url.searchParams.set(key, String(value));
    }
    if (this.namespace !== '' && !url.searchParams.has('namespace'))
      url.searchParams.set('namespace', this.namespace);
    return url;
  }

  headers(): Record<string, string> {
    const o = this.#options;
    const h: Record<string, string> = {};
    const set = (name: string, value: string | undefined): void => {
      if (value !== undefined && value !== '') h[name] = value;
    };
    set(HTTPHeader.GitVersion, o.clientVersion?.GitVersion);
    set(HTTPHeader.GitCommit, o.clientVersion?.GitCommit);
    set(HTTPHeader.BuildDate, o.clientVersion?.BuildDate);
    set(HTTPHeader.BuildOS, o.clientVersion?.GOOS);
    set(HTTPHeader.Arch, o.clientVersion?.GOARCH);
    set(HTTPHeader.InstallationID, o.installationID);
    set(HTTPHeader.InstanceID, o.instanceID);
    set(HTTPHeader.AppID, o.appID);
    set('Authorization', this.#authorization);
    Object.assign(h, o.headers);
    return h;
  }

  /** The client's explanation of a platform failure (`ClientOptions.explainFailure`), if it has one. */
  explainFailure(failure: unknown, url: URL): BacalhauError | undefined {
    return this.#options.explainFailure?.(failure, url);
  }

  webSocket(url: string): WebSocketLike {
    const factory = this.#options.webSocket ?? defaultWebSocketFactory();
    return factory(url, this.headers());
  }

  /**
   * Sends a request and returns the decoded JSON answer (through `schema` when given).
   * @throws BacalhauError: the server's APIError (code, component, hint, details + `request_id`, status);
   *   `RequestCancelled` when `signal` aborts; `TimeOut` (retryable); `ServiceUnavailable` when the server
   *   cannot be reached; `InternalError` for an answer that is not the expected JSON. A 401 is sent again
   *   once when `reauthenticate` (ClientOptions) gives new credentials.
   */
  async request<T>(method: string, url: URL, options: RequestOptions = {}): Promise<T> {
    const sent = this.authorization;
    try {
      return await this.#request<T>(method, url, options);
    } catch (err) {
      if (!isRefusal(err) || options.answerStatuses?.includes(401) === true) throw err;
      if (!(await this.renewAuthorization(sent))) throw err;
      return this.#request<T>(method, url, options);
    }
  }

  /** The `Authorization` requests carry now. */
  get authorization(): string | undefined {
    return this.#authorization;
  }

  /**
   * After a 401 to a request sent with `sent`: whether to send it again, with the `Authorization` that
   * replaced it meanwhile or the one `reauthenticate` gives (see {@link ClientOptions.reauthenticate}).
   */
  async renewAuthorization(sent: string | undefined): Promise<boolean> {
    const reauthenticate = this.#options.reauthenticate;
    if (reauthenticate === undefined) return false;
    if (this.#authorization !== sent) return true;
    // given up on already: a refusal that arrives late must not start another login (a user asked twice)
    if (this.#declined !== undefined && this.#declined.authorization === sent) return false;
    this.#reauthenticating ??= reauthenticate().finally(() => {
      this.#reauthenticating = undefined;
    });
    let renewed: string | undefined;
    try {
      renewed = await this.#reauthenticating;
    } finally {
      if (renewed === undefined) this.#declined = { authorization: sent };
    }
    if (renewed === undefined) return false;
    this.#authorization = renewed;
    return true;
  }

  async #request<T>(method: string, url: URL, options: RequestOptions): Promise<T> {
    const headers = this.headers();
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const timeoutMs = this.#options.timeoutMs ?? 30_000;
    const timeout = timeoutSignal(timeoutMs);
    const signal = eitherSignal(options.signal, timeout);
    let response: FetchAnswer;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(signal === undefined ? {} : { signal }),
      });
      text = await response.text();
    } catch (err) {
      if (options.signal?.aborted === true) {
        throw this.#error('request cancelled', ErrorCode.RequestCancelled, method, url, err);
      }
      if (timeout?.aborted === true) {
        throw this.#error('request timed out', ErrorCode.TimeOut, method, url, err, true);
      }
      throw this.explainFailure(err, url) ?? this.unreachableError(method, url, err);
    }
    const parsed = parseJson(text);
    const answered = response.ok || (options.answerStatuses?.includes(response.status) ?? false);
    if (!answered) throw errorFromResponse(response.status, parsed, text);
    if (parsed === undefined) {
      throw new BacalhauError(
        `invalid response from server: expected JSON, got ${JSON.stringify(text.slice(0, 200))}`,
        {
          code: ErrorCode.InternalError,
          component: ClientComponent,
          httpStatus: response.status,
        },
      );
    }
    if (options.schema === undefined) return parsed.value as T;
    return decodeResponse<T>(parsed.value, options.schema());
  }

  /** The error for a request to `url` that never reached the server (`cause`: the platform's failure). */
  unreachableError(method: string, url: URL, cause: unknown): BacalhauError {
    return this.#error(
      `server is not running or not reachable at ${this.baseUrl.origin}`,
      ErrorCode.ServiceUnavailable,
      method,
      url,
      cause,
    );
  }

  #error(
    message: string,
    code: ErrorCode,
    method: string,
    url: URL,
    cause: unknown,
    retryable = false,
  ): BacalhauError {
    return new BacalhauError(message, {
      code,
      component: ClientComponent,
      retryable,
      cause,
      details: { method, address: this.baseUrl.origin, endpoint: url.pathname },
      ...(code === ErrorCode.ServiceUnavailable
        ? {
            hint:
              `to resolve this, either:\n1. Ensure that the server is running and reachable at ${this.baseUrl.origin}\n` +
              '2. Update the configuration to use a different host and port using the --api-host and --api-port flags',
          }
        : {}),
    });
  }
}

/** The server's 401: the caller is not known to it. */
export function isRefusal(err: unknown): err is BacalhauError {
  return hasHttpStatus(err, 401);
}

export function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** Decodes an answer through its wire schema; a type mismatch means the server is not speaking this API. */
export function decodeResponse<T>(raw: unknown, schema: StructSchema): T {
  const decoded = decodeStruct<T>(raw, schema);
  if (!isPlainObject(raw) || decoded.errors.length > 0) {
    throw new BacalhauError(
      `invalid response from server (${schema.name}): ${decoded.errors.join('; ') || 'not an object'}`,
      {
        code: ErrorCode.InternalError,
        component: ClientComponent,
      },
    );
  }
  return decoded.value;
}

/** Go's `APIError.ToBacError`, plus the version check's `{Error, …}` bodies and non-JSON answers. */
export function errorFromResponse(
  status: number,
  parsed: { value: unknown } | undefined,
  text: string,
): BacalhauError {
  const body = parsed?.value;
  if (isPlainObject(body) && typeof body['Message'] === 'string') {
    const details: Record<string, string> = {};
    if (isPlainObject(body['Details'])) {
      for (const [k, v] of Object.entries(body['Details'])) if (typeof v === 'string') details[k] = v;
    }
    details['request_id'] = typeof body['RequestID'] === 'string' ? body['RequestID'] : '';
    const code =
      typeof body['Code'] === 'string' && body['Code'] !== '' ? body['Code'] : ErrorCode.UnknownError;
    return new BacalhauError(body['Message'], {
      code: code as ErrorCode,
      component: typeof body['Component'] === 'string' ? body['Component'] : '',
      hint: typeof body['Hint'] === 'string' ? body['Hint'] : '',
      details,
      httpStatus: typeof body['Status'] === 'number' && body['Status'] !== 0 ? body['Status'] : status,
    });
  }
  if (isPlainObject(body) && typeof body['Error'] === 'string') {
    const details: Record<string, string> = {};
    for (const key of ['MinVersion', 'ClientVersion', 'ServerVersion']) {
      if (typeof body[key] === 'string') details[key] = body[key];
    }
    return new BacalhauError(body['Error'], {
      code: ErrorCode.VersionMismatch,
      component: ClientComponent,
      details,
      httpStatus: status,
    });
  }
  if (status === 400 && text.startsWith(PlainHttpOnTlsAnswer)) {
    return new BacalhauError('the API server speaks TLS (https://) and this request was plain HTTP', {
      code: ErrorCode.BadRequest,
      component: ClientComponent,
      hint:
        'Set API.TLS.UseTLS=true (or give the host as https://<host>); for a self-signed certificate, ' +
        'also API.TLS.CAFile=<its certificate> or API.TLS.Insecure=true',
      httpStatus: status,
    });
  }
  if (status === 401) {
    return new BacalhauError('unauthorized', {
      code: ErrorCode.Unauthorized,
      component: ClientComponent,
      httpStatus: 401,
    });
  }
  return new BacalhauError(`unexpected response from server: HTTP ${status}: ${text.slice(0, 500)}`, {
    code: ErrorCode.InternalError,
    component: ClientComponent,
    httpStatus: status,
  });
}

function defaultWebSocketFactory(): WebSocketFactory {
  const ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (ctor === undefined) {
    throw new BacalhauError('this platform has no WebSocket: pass the webSocket option of the client', {
      code: ErrorCode.NotImplemented,
      component: ClientComponent,
    });
  }
  return (url) => new ctor(url);
}
