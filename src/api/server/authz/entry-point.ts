/**
 * Go's `EntryPointAuthorizer`, used when `API.Auth.Users` or `API.Auth.Oauth2` is configured: open paths
 * pass; everything else needs `Authorization: Basic base64(user:password)` (plain or bcrypt-hashed
 * passwords), `Bearer <API key>` or `Bearer <SSO token>` (a Bearer value shaped like a JWT is taken for an
 * SSO token, as in Go), and the user must hold the capability the method and path require. Without the
 * OAuth2 settings that validate SSO tokens, such tokens are refused with Go's reason. Reasons are Go's.
 */
import type { AuthUser } from '../../../config/index.js';
import { base64Decode } from '../../apimodels/base64.js';
import { hasCapability, requiredCapability, resourceTypeOf, type ResourceType } from './capabilities.js';
import { PasswordChecker } from './passwords.js';
import { decodeJwt, type SsoTokenValidator } from './sso-tokens.js';
import type { Authorization, Authorizer, AuthzRequest } from './types.js';
import { userIdentifier } from './users.js';

const refused = (reason: string): Authorization => ({ approved: false, tokenValid: false, reason });
const approved: Authorization = { approved: true, tokenValid: true, reason: '' };

/**
 * `users` must have passed `validateUsers` (`from-config.ts` checks them); `ssoTokens` is absent when
 * the OAuth2 settings to validate SSO tokens are not configured.
 */
export function entryPointAuthorizer(users: readonly AuthUser[], ssoTokens?: SsoTokenValidator): Authorizer {
  const byUsername = new Map<string, AuthUser>();
  const byAPIKey = new Map<string, AuthUser>();
  for (const user of users) {
    if (user.APIKey !== undefined && user.APIKey !== '') byAPIKey.set(user.APIKey, user);
    else byUsername.set((user.Username ?? '').toLowerCase(), user);
  }
  const passwords = new PasswordChecker();

  return async (request: AuthzRequest): Promise<Authorization> => {
    const resource = resourceTypeOf(request.path);
    if (resource === 'open') return approved;
    const header = request.authorization;
    if (header === undefined) return refused('Missing Authorization header');
    if (header.startsWith('Basic ')) {
      const user = await basicAuthUser(header.slice('Basic '.length), byUsername, passwords);
      if (typeof user === 'string') return refused(user);
      // Basic users are named by alias or username, never by the API-key form.
      const name = user.Alias !== undefined && user.Alias !== '' ? user.Alias : (user.Username ?? '');
      return capabilityCheck(user, name, resource, request.method);
    }
    if (header.startsWith('Bearer ')) {
      const token = header.slice('Bearer '.length);
      if (decodeJwt(token) !== undefined) {
        if (ssoTokens === undefined) return refused('OAuth2 authentication not configured on server');
        const user = await ssoTokens.user(token);
        if (user === undefined) return refused('invalid JWT token');
        return capabilityCheck(user, user.Alias ?? '', resource, request.method);
      }
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
async function basicAuthUser(
  encoded: string,
  byUsername: ReadonlyMap<string, AuthUser>,
  passwords: PasswordChecker,
): Promise<AuthUser | string> {
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
  if (user === undefined || !(await passwords.matches(decoded.subarray(colon + 1), user.Password ?? ''))) {
    return 'invalid basic auth credentials';
  }
  return user;
}
