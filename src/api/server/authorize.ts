/**
 * Go's `Authorize` middleware: asks the authorizer about every request (before the body is read) and
 * refuses with Go's errors: 401 `Request Unauthorized` when the caller is unknown, 403 `Request Forbidden`
 * when a known caller lacks the capability; the authorizer's reason is the `reason` detail.
 * CORS preflights (OPTIONS) are answered before authorization, as echo's CORS middleware does, so browsers
 * can ask.
 */
import type { FastifyRequest } from 'fastify';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import type { Authorizer } from './authz/types.js';

export const AuthorizationComponent = 'Authorizer';

/** @throws the 401 or 403 APIError when `authorizer` refuses `request` */
export async function authorize(authorizer: Authorizer, request: FastifyRequest): Promise<void> {
  if (request.method === 'OPTIONS') return;
  const result = await authorizer({
    method: request.method,
    path: requestPath(request.url),
    // Node keeps the first of repeated Authorization headers, as Go's authorizer reads the first.
    authorization: request.headers.authorization,
  });
  if (result.approved) return;
  if (result.tokenValid) {
    throw new BacalhauError('Request Forbidden', {
      code: ErrorCode.Forbidden,
      component: AuthorizationComponent,
      details: { reason: result.reason },
      hint: 'Check if user have access to this resource. Event has been recorded.',
    });
  }
  throw new BacalhauError('Request Unauthorized', {
    code: ErrorCode.Unauthorized,
    component: AuthorizationComponent,
    details: { reason: result.reason },
    hint: 'Unauthorized principal. Event has been recorded.',
  });
}

/** The percent-decoded path, as Go's `URL.Path`; a malformed encoding is matched as written. */
function requestPath(url: string): string {
  const path = url.split('?', 1)[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
