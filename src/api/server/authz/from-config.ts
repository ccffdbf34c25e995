/**
 * Chooses the authorizer from `API.Auth`, as Go's node does, and refuses configurations this server
 * cannot honour rather than silently allowing more than the operator asked for:
 * - `Users` or `Oauth2.ProviderID` set → the entry-point authorizer (Basic with plain or bcrypt-hashed
 *   passwords, API keys, SSO tokens, capabilities); users are checked first and then the OAuth2 settings
 *   that validate SSO tokens, which come all together or not at all (Go's `error initializing users: …`);
 * - otherwise the default policy, Go's built-in allow-all; a custom `AccessPolicyPath` (a Rego policy)
 *   cannot be evaluated here and is refused.
 */
import type { BacalhauConfig } from '../../../config/index.js';
import { systemClock, type Clock } from '../../../lib/clock.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { entryPointAuthorizer } from './entry-point.js';
import { JwksKeySet } from './jwks.js';
import { SsoTokenValidator } from './sso-tokens.js';
import { allowAll, type Authorizer } from './types.js';
import { validateUsers } from './users.js';

export type AuthConfig = BacalhauConfig['API']['Auth'];

/** What validating SSO tokens needs, in Go's order (its error lists the missing ones in this order). */
const ssoTokenSettings = ['JWKSUri', 'Issuer', 'Audience', 'DeviceClientID'] as const;

/** Whether Go would use its entry-point authorizer (and offer no `API.Auth.Methods`). */
export function usesEntryPoint(auth: AuthConfig): boolean {
  return auth.Users.length > 0 || auth.Oauth2.ProviderID !== '';
}

export interface AuthorizerOptions {
  /** Judges SSO tokens' `exp`, `iat` and `nbf`, and when the provider's keys are due for a refresh. */
  clock?: Clock;
  /** Fetches the provider's JWKS (default: global fetch). */
  fetch?: typeof fetch;
}

/** @throws BacalhauError ConfigurationError naming the setting and what to do instead */
export function authorizerFromConfig(auth: AuthConfig, options: AuthorizerOptions = {}): Authorizer {
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
    return entryPointAuthorizer(auth.Users, ssoTokenValidator(auth.Oauth2, options));
  } catch (err) {
    throw configError(
      `error initializing users: ${(err as Error).message}`,
      'Fix API.Auth.Users and API.Auth.Oauth2 in the configuration',
    );
  }
}

/**
 * Go's `validateOAuth2Config`: no SSO token validation when none of its settings is given (SSO tokens
 * are then refused); all of them otherwise, with a JWKS address to fetch the provider's keys from.
 * @throws Error with Go's message
 */
function ssoTokenValidator(
  oauth2: AuthConfig['Oauth2'],
  options: AuthorizerOptions,
): SsoTokenValidator | undefined {
  if (ssoTokenSettings.every((key) => oauth2[key] === '')) return undefined;
  const missing = ssoTokenSettings.filter((key) => oauth2[key] === '');
  if (missing.length > 0) {
    throw new Error(`missing required OAuth2 fields for JWT authorization: ${missing.join(', ')}`);
  }
  if (!isHttpUrl(oauth2.JWKSUri)) {
    throw new Error(`invalid JWKS URL format: ${oauth2.JWKSUri}`);
  }
  const clock = options.clock ?? systemClock;
  return new SsoTokenValidator(
    new JwksKeySet(oauth2.JWKSUri, clock, options.fetch),
    { issuer: oauth2.Issuer, audience: oauth2.Audience },
    clock,
  );
}

/** Go only asks for a scheme and a host; the keys are fetched over HTTP(S), so the scheme must be one of those. */
function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '';
  } catch {
    return false;
  }
}

function configError(message: string, hint: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ConfigurationError, component: 'Authorizer', hint });
}
