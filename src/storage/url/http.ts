/**
 * One HTTP request of a download, with its own timeout, and the errors users see when it fails: each
 * names the URL and says whether trying again may help.
 */
import { ErrorCode, type BacalhauError } from '../../models/index.js';
import { blockedPortReason, isBlockedPortError } from '../../lib/blocked-ports.js';
import { cancelledError } from '../errors.js';
import { paramError } from '../../models/sources/errors.js';
import { anySignal } from '../../lib/any-signal.js';

export interface Answer {
  readonly response: Response;
  /** Fires when the caller cancels or the attempt times out; reading the body must stop then. */
  readonly signal: AbortSignal;
  /**
   * Maps a failure while reading the body the way request failures are mapped, except that running
   * out of time then is not retried: Go's client timeout covers the body too, but go-retryablehttp
   * retries only the request, so a file too slow to arrive in time fails once rather than start over.
   */
  failure(err: unknown): BacalhauError;
}

const unreachableHint = 'Check that the URL is right and that compute nodes can reach its host.';

const BodyTimeoutHint = 'Large files may need a longer InputSources.ReadTimeout on the compute node.';

/**
 * Sends `method` to `url` following redirects.
 * @param answers statuses besides 2xx that are answers, not failures
 * @throws BacalhauError for failures and other non-2xx answers.
 */
export async function request(
  url: URL,
  method: 'GET' | 'HEAD',
  timeoutMs: number,
  signal?: AbortSignal,
  answers: ReadonlySet<number> = new Set(),
): Promise<Answer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal === undefined ? timeout : anySignal([signal, timeout]);
  const failure = (err: unknown, inBody = false): BacalhauError => {
    if (signal?.aborted === true) return cancelledError(signal, `downloading ${shown(url)}`);
    if (timeout.aborted) {
      return paramError('URL', `${shown(url)} did not finish within ${timeoutMs / 1000}s`, {
        code: ErrorCode.TimeOut,
        retryable: !inBody,
        // a body cut by the timeout came from a host that answered: only the time was short
        hint: inBody
          ? BodyTimeoutHint
          : method === 'GET'
            ? `${unreachableHint} ${BodyTimeoutHint}`
            : unreachableHint,
        cause: err,
      });
    }
    const redirect = redirectProblem(err);
    if (redirect !== undefined) {
      return paramError('URL', `${shown(url)} ${redirect}`, {
        code: ErrorCode.BadRequest,
        hint: 'Give the URL the redirects should end at, an http:// or https:// one; no retry can help.',
        cause: err,
      });
    }
    if (isBlockedPortError(err)) {
      return paramError('URL', `cannot download ${shown(url)}: ${blockedPortReason(url)}`, {
        code: ErrorCode.NetworkFailure,
        hint: 'Serve the data on another port (8080, for example); no retry can help.',
        cause: err,
      });
    }
    return paramError('URL', `cannot download ${shown(url)}: ${networkProblem(err, url)}`, {
      code: ErrorCode.NetworkFailure,
      retryable: true,
      hint: unreachableHint,
      cause: err,
    });
  };
  let response: Response;
  try {
    response = await fetch(withoutCredentials(url), {
      method,
      redirect: 'follow',
      signal: combined,
      headers: basicAuth(url),
    });
  } catch (err) {
    throw failure(err);
  }
  if (!response.ok && !answers.has(response.status)) {
    await response.body?.cancel().catch(() => undefined);
    throw statusError(url, response);
  }
  return { response, signal: combined, failure: (err) => failure(err, true) };
}

function statusError(url: URL, response: Response): BacalhauError {
  const status = response.status;
  const transient = status >= 500 || status === 408 || status === 425 || status === 429;
  const code =
    status === 404 || status === 410
      ? ErrorCode.NotFound
      : status === 401 || status === 403
        ? ErrorCode.Forbidden
        : transient
          ? ErrorCode.NetworkFailure
          : ErrorCode.BadRequest;
  return paramError('URL', `${shown(url)} answered HTTP ${status} ${response.statusText}`.trimEnd(), {
    code,
    retryable: transient,
    hint: transient
      ? 'The server failed or is busy: try again later, or serve the data from elsewhere.'
      : 'Check the URL: compute nodes download it without credentials, so it must be public.',
  });
}

/**
 * Why fetch refused to follow a redirect, if it did. Its errors carry no code for these, only their
 * text (undici's), so an unknown text is taken as a network failure, which is retried.
 */
function redirectProblem(err: unknown): string | undefined {
  const message = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
  if (message === 'redirect count exceeded') return 'redirects too many times (a redirect loop?)';
  if (message === 'URL scheme must be a HTTP(S) scheme')
    return 'redirects to a URL that is not http:// or https://';
  return undefined;
}

/** What went wrong below HTTP, from Node's error codes (fetch wraps them in `cause`). */
function networkProblem(err: unknown, url: URL): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host ${url.hostname} not found`;
  if (code === 'ECONNREFUSED') return `connection refused by ${url.host}`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed by the server';
  return cause instanceof Error ? cause.message : String(cause);
}

/** fetch refuses URLs with credentials; Go's client sends them as basic authentication. */
function basicAuth(url: URL): Record<string, string> {
  if (url.username === '' && url.password === '') return {};
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function withoutCredentials(url: URL): URL {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy;
}

/** The URL for messages, without a password it may carry. */
export function shown(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}
