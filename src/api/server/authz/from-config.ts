/**
 * Chooses the authorizer from `API.Auth`, as Go's node does, and refuses configurations this server
 * cannot honour rather than silently allowing more than the operator asked for:
 * - `Users` or `Oauth2.ProviderID` set → the entry-point authorizer (Basic, API keys, capabilities);
 *   users are checked first (Go's `error initializing users: …`);
 * - otherwise the default policy, Go's built-in allow-all; a custom `AccessPolicyPath` (a Rego policy)
 *   cannot be evaluated here and is refused.
 * Also refused: bcrypt password hashes (no bcrypt implementation yet) and OAuth2 JWT validation settings
 * (`JWKSUri`, `Issuer`, `Audience`, `DeviceClientID`: validating SSO tokens is not implemented).
 */
import type { BacalhauConfig } from '../../../config/index.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { entryPointAuthorizer } from './entry-point.js';
import { allowAll, type Authorizer } from './types.js';
import { isBcryptHash, userIdentifier, validateUsers } from './users.js';

export type AuthConfig = BacalhauConfig['API']['Auth'];

const jwtSettings = ['JWKSUri', 'Issuer', 'Audience', 'DeviceClientID'] as const;

/** Whether Go would use its entry-point authorizer (and offer no `API.Auth.Methods`). */
export function usesEntryPoint(auth: AuthConfig): boolean {
  return auth.Users.length > 0 || auth.Oauth2.ProviderID !== '';
}

/** @throws BacalhauError ConfigurationError naming the setting and what to do instead */
export function authorizerFromConfig(auth: AuthConfig): Authorizer {
  if (!usesEntryPoint(auth)) {
    if (auth.AccessPolicyPath !== '') {
      throw configError(
        `API.Auth.AccessPolicyPath (${auth.AccessPolicyPath}) is a Rego policy, and bacalhau-ts has no Rego engine to evaluate it`,
        'Remove API.Auth.AccessPolicyPath to allow every request (the default), or configure API.Auth.Users with capabilities',
      );
    }
    return allowAll;
  }
  try {
    validateUsers(auth.Users);
  } catch (err) {
    throw configError(
      `error initializing users: ${(err as Error).message}`,
      'Fix API.Auth.Users in the configuration',
    );
  }
  const hashed = auth.Users.find((user) => isBcryptHash(user.Password ?? ''));
  if (hashed !== undefined) {
    throw configError(
      `the password of user '${userIdentifier(hashed)}' is a bcrypt hash, which bacalhau-ts cannot verify yet`,
      'Give the user a plain-text password in API.Auth.Users, or an API key instead',
    );
  }
  const set = jwtSettings.filter((key) => auth.Oauth2[key] !== '');
  if (set.length > 0) {
    throw configError(
      `API.Auth.Oauth2 sets ${set.join(', ')}: validating SSO tokens (JWTs signed by the provider's JWKS) is not implemented in bacalhau-ts`,
      `Remove ${set.map((key) => `API.Auth.Oauth2.${key}`).join(', ')} and authenticate with API.Auth.Users (username/password or API keys)`,
    );
  }
  return entryPointAuthorizer(auth.Users);
}

function configError(message: string, hint: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ConfigurationError, component: 'Authorizer', hint });
}
