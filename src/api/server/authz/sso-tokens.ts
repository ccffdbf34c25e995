/**
 * SSO tokens (Go's `jwtAuthorizer`): JWTs the OAuth2 provider issued to `bacalhau auth sso login`, checked
 * with golang-jwt's rules as Go configures them: RS256 only, signed by a key of the provider's JWKS
 * (chosen by `kid`), `exp` required and not passed, `iat` and `nbf` (when present) not in the future,
 * `iss` equal to `API.Auth.Oauth2.Issuer` and `aud` (a string or a list) naming `API.Auth.Oauth2.Audience`.
 * A valid token stands for a user named by its `sub`, whose capabilities are the `permissions` claim.
 */
import { verify } from 'node:crypto';
import type { AuthUser } from '../../../config/index.js';
import type { Clock } from '../../../lib/clock.js';
import { isPlainObject } from '../../../models/codec.js';
import { base64Decode } from '../../apimodels/base64.js';
import type { JwksKeySet } from './jwks.js';

type JsonObject = Record<string, unknown>;

export interface DecodedJwt {
  /** Go decodes into a map, which also accepts JSON `null`. */
  readonly header: JsonObject | null;
  readonly claims: JsonObject | null;
  readonly signingInput: string;
  readonly signature: string;
}

/**
 * The parts of a compact JWT, undecoded signature included, when its first two segments are base64url
 * (unpadded) JSON objects (Go's `isJWTToken`); undefined otherwise. Nothing is verified here.
 */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, claims] = parts.slice(0, 2).map(jsonSegment);
  if (header === undefined || claims === undefined) return undefined;
  return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: parts[2] ?? '' };
}

function jsonSegment(segment: string): JsonObject | null | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(base64Decode(segment, 'rawurl')));
    return value === null || isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface SsoTokenSettings {
  readonly issuer: string;
  readonly audience: string;
}

export class SsoTokenValidator {
  constructor(
    private readonly keys: JwksKeySet,
    private readonly settings: SsoTokenSettings,
    private readonly clock: Clock,
  ) {}

  /** The user the token stands for, or undefined when it is not a valid token of the provider. */
  async user(token: string): Promise<AuthUser | undefined> {
    const jwt = decodeJwt(token);
    if (jwt?.header?.['alg'] !== 'RS256' || typeof jwt.header['kid'] !== 'string') return undefined;
    const key = await this.keys.key(jwt.header['kid']);
    if (key === undefined) return undefined;
    let signature: Uint8Array;
    try {
      signature = base64Decode(jwt.signature, 'rawurl');
    } catch {
      return undefined;
    }
    if (!verify('sha256', Buffer.from(jwt.signingInput), key, signature)) return undefined;
    const claims = jwt.claims ?? {};
    if (!this.#claimsValid(claims)) return undefined;
    const subject = typeof claims['sub'] === 'string' ? claims['sub'] : '';
    const permissions = Array.isArray(claims['permissions'])
      ? claims['permissions'].filter((p): p is string => typeof p === 'string')
      : [];
    return {
      Alias: subject,
      Username: subject,
      Capabilities: permissions.length > 0 ? [{ Actions: permissions }] : [],
    };
  }

  #claimsValid(claims: JsonObject): boolean {
    const now = this.clock.now() / 1000;
    const exp = claims['exp'];
    if (typeof exp !== 'number' || now > exp) return false;
    for (const notFuture of [claims['iat'], claims['nbf']]) {
      if (notFuture === undefined) continue;
      if (typeof notFuture !== 'number' || now < notFuture) return false;
    }
    if (claims['iss'] !== this.settings.issuer) return false;
    const aud = claims['aud'];
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    return audiences.includes(this.settings.audience);
  }
}
