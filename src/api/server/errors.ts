/**
 * Every error the API answers with becomes Bacalhau's error body `{Status, Message, RequestID, Code,
 * Component, Hint?, Details?}` (`middleware/error_handler.go`), by one normaliser:
 * - a BacalhauError keeps its code, component, hint and details; its status comes from the code
 *   (`httpStatusForCode`) unless it carries one;
 * - a malformed request (query, path, body, JSON, size, media type) is the status Go's echo gives it, with
 *   Go's `Code: "InternalError"`, `Component: "APIServer"` and a message naming the field;
 * - an unknown route is Go's 404 `The requested resource/URL was not found.`;
 * - anything else is a 500 `Internal server error`, never a stack or an internal message.
 *
 * Deliberate differences from Go: ambiguous ID prefixes (`MultipleJobsFound`, `MultipleExecutionsFound`)
 * are 409 rather than 500, like the store's MultipleNodesFound (a user's mistake is never a 500); the body's
 * `RequestID` is the request's ID even when the client sent none (Go leaves it empty then).
 */
import { apiErrorBody, BacalhauError, ErrorCode, type APIErrorBody } from '../../models/bacerrors.js';

export const APIServerComponent = 'APIServer';

/** A request the server refuses before it reaches a handler's logic: Go's echo HTTPError shape. */
export function requestError(
  message: string,
  options: { status?: number; hint?: string; details?: Record<string, string> } = {},
): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.InternalError,
    component: APIServerComponent,
    httpStatus: options.status ?? 400,
    ...(options.hint === undefined ? {} : { hint: options.hint }),
    ...(options.details === undefined ? {} : { details: options.details }),
  });
}

/**
 * A validation failure reported by a component (e.g. a job spec the endpoint refuses) answered the way
 * Go's request validator answers it: status 400, Code InternalError, Component APIServer, the same message;
 * the hint and details are kept.
 */
export function asRequestError(err: BacalhauError): BacalhauError {
  return requestError(err.message, {
    status: 400,
    ...(err.hint === '' ? {} : { hint: err.hint }),
    ...(Object.keys(err.details).length === 0 ? {} : { details: { ...err.details } }),
  });
}

/** Go's answer to a route it does not have; `hint` when more is known than Go's guess at the cause. */
export function notFoundBody(
  requestId: string,
  hint = 'The server version may be older than this CLI version and does not support the endpoint yet.',
): APIErrorBody {
  return {
    Status: 404,
    Message: 'The requested resource/URL was not found.',
    RequestID: requestId,
    Code: ErrorCode.NotFound,
    Component: APIServerComponent,
    Hint: hint,
    Details: {
      cli_usage:
        'If you are using the CLI, try updating your server to a newer version or check if the command is ' +
        'supported in your server version.',
    },
  };
}

/** Thrown by a route that serves only some values of its path parameter: answered as an unknown route. */
export function routeNotFound(): Error {
  return Object.assign(new Error('route not found'), { statusCode: 404 });
}

export function internalErrorBody(requestId: string): APIErrorBody {
  return {
    Status: 500,
    Message: 'Internal server error',
    RequestID: requestId,
    Code: ErrorCode.InternalError,
    Component: 'Unknown',
  };
}

/** The status texts echo uses as messages for the framework's own refusals. */
const statusTexts: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
};

/** Codes whose default status (500) would blame the server for a user's ambiguous ID prefix. */
const ambiguousCodes: ReadonlySet<string> = new Set([
  ErrorCode.MultipleJobsFound,
  ErrorCode.MultipleExecutionsFound,
  ErrorCode.MultipleNodesFound,
]);

interface FrameworkError {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
}

/**
 * The error body for anything thrown while serving a request, and whether it was unexpected (a 500 the
 * operator should look at).
 */
export function errorResponse(err: unknown, requestId: string): { body: APIErrorBody; unexpected: boolean } {
  if (err instanceof BacalhauError) {
    const body = apiErrorBody(err, requestId);
    if (body.Status === 500 && ambiguousCodes.has(err.code)) body.Status = 409;
    return { body, unexpected: body.Status >= 500 };
  }
  const framework = err as FrameworkError | null;
  const status = typeof framework?.statusCode === 'number' ? framework.statusCode : 0;
  if (status >= 400 && status < 500) {
    if (status === 404) return { body: notFoundBody(requestId), unexpected: false };
    return {
      body: apiErrorBody(requestError(frameworkMessage(framework, status), { status }), requestId),
      unexpected: false,
    };
  }
  return { body: internalErrorBody(requestId), unexpected: true };
}

/** Fastify's own 4xx errors, in Go's words where Go has them. */
function frameworkMessage(err: FrameworkError | null, status: number): string {
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = typeof err?.message === 'string' ? err.message : '';
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return statusTexts[413] ?? message;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return statusTexts[415] ?? message;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'a path parameter is longer than the server accepts (1024 characters)';
    case 'FST_ERR_BAD_URL':
      return 'the URL path is not validly percent-encoded';
    default:
      return message === '' ? (statusTexts[status] ?? `HTTP ${status}`) : message;
  }
}
