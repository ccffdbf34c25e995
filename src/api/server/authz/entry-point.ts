/**
 * Go's `EntryPointAuthorizer`, used when `API.Auth.Users` or `API.Auth.Oauth2` is configured: open paths
 * pass; everything else needs `Authorization: Basic base64(user:password)` or `Bearer <API key>`, and the
 * user must hold the capability the method and path require. A Bearer value shaped like a JWT is an SSO
 * token, which needs the OAuth2 provider's keys (JWKS): that validation is not implemented here, so such
 * tokens are refused with Go's reason for a server without OAuth2 (`from-config.ts` refuses to start with
 * a JWKS configured). Reasons are Go's.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuthUser } from '../../../config/index.js';
import { base64Decode } from '../../apimodels/base64.js';
import { hasCapability, requiredCapability, resourceTypeOf, type ResourceType } from './capabilities.js';
import type { Authorization, Authorizer, AuthzRequest } from './types.js';
import { userIdentifier } from './users.js';

const refused = (reason: string): Authorization => ({ approved: false, tokenValid: false, reason });
const approved: Authorization = { approved: true, tokenValid: true, reason: '' };

/** `users` must have passed `validateUsers`, and hold plain passwords (`from-config.ts` checks both). */
export function entryPointAuthorizer(users: readonly AuthUser[]): Authorizer {
  const byUsername = new Map<string, AuthUser>();
  const byAPIKey = new Map<string, AuthUser>();
  for (const user of users) {
    if (user.APIKey !== undefined && user.APIKey !== '') byAPIKey.set(user.APIKey, user);
    else byUsername.set((user.Username ?? '').toLowerCase(), user);
  }

  return (request: AuthzRequest): Authorization => {
    const resource = resourceTypeOf(request.path);
    if (resource === 'open') return approved;
    const header = request.authorization;
    if (header === undefined) return refused('Missing Authorization header');
    if (header.startsWith('Basic ')) {
      const user = basicAuthUser(header.slice('Basic '.length), byUsername);
      if (typeof user === 'string') return refused(user);
      // Basic users are named by alias or username, never by the API-key form.
      const name = user.Alias !== undefined && user.Alias !== '' ? user.Alias : (user.Username ?? '');
      return capabilityCheck(user, name, resource, request.method);
    }
    if (header.startsWith('Bearer ')) {
      const token = header.slice('Bearer '.length);
      if (looksLikeJWT(token)) return refused('OAuth2 authentication not configured on server');
      if (token === '') return refused('empty API key provided');
      const user = byAPIKey.get(token);
      if (user === undefined) return refused('invalid API key');
      return capabilityCheck(user, userIdentifier(user), resource, request.method);
    }
    return refused('unsupported authentication method');
  };
}

function capabilityCheck(
  user: AuthUser,
  name: string,
  resource: ResourceType | undefined,
  method: string,
): Authorization {
  const capability = requiredCapability(resource, method);
  if (hasCapability(user, capability)) return approved;
  return {
    approved: false,
    tokenValid: true,
    reason: `user '${name}' does not have the required capability '${capability}'`,
  };
}

/** The user whose credentials these are, or the reason they are refused. */
function basicAuthUser(encoded: string, byUsername: ReadonlyMap<string, AuthUser>): AuthUser | string {
  let decoded: Uint8Array;
  try {
    decoded = base64Decode(encoded);
  } catch {
    return 'failed to decode basic auth credentials';
  }
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return 'invalid basic auth credentials format';
  const username = new TextDecoder().decode(decoded.subarray(0, colon));
  const user = byUsername.get(username.toLowerCase());
  if (user === undefined || !constantTimeEqual(decoded.subarray(colon + 1), user.Password ?? '')) {
    return 'invalid basic auth credentials';
  }
  return user;
}

/** Go's `subtle.ConstantTimeCompare`: lengths may leak, contents do not. */
function constantTimeEqual(given: Uint8Array, expected: string): boolean {
  const want = new TextEncoder().encode(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Go's `isJWTToken`: three dot-separated parts whose first two are base64url (unpadded) JSON objects. */
function looksLikeJWT(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  return parts.slice(0, 2).every((part) => {
    try {
      const value: unknown = JSON.parse(new TextDecoder().decode(base64Decode(part, 'rawurl')));
      // Go decodes into a map, which also accepts `null`.
      return value === null || (typeof value === 'object' && !Array.isArray(value));
    } catch {
      return false;
    }
  });
}
