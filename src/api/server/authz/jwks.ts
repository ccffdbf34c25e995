/**
 * The OAuth2 provider's signing keys, from its JWKS document (`API.Auth.Oauth2.JWKSUri`), kept the way
 * Go's `keyfunc.NewDefaultCtx` keeps them: fetched when first needed, refreshed every hour, and refreshed
 * early, at most once every five minutes, when a token names a key ID the set does not hold (the provider
 * rotated its keys). A failed fetch keeps the keys already known, so a provider outage does not lock out
 * tokens signed with them. Only RSA signing keys are taken: SSO tokens must be RS256, as in Go.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../../../lib/clock.js';
import { isPlainObject } from '../../../models/codec.js';

const refreshIntervalMs = 60 * 60_000;
const unknownKeyRefreshMs = 5 * 60_000;
const fetchTimeoutMs = 10_000;

export class JwksKeySet {
  #keys = new Map<string, KeyObject>();
  /** When the last fetch was attempted; undefined before the first. */
  #fetchedAt: number | undefined;
  #fetching: Promise<void> | undefined;

  constructor(
    readonly url: string,
    private readonly clock: Clock,
    private readonly fetchFn: typeof fetch = globalThis.fetch,
  ) {}

  /** The public key with this ID, or undefined when the provider has none (after refreshing if due). */
  async key(kid: string): Promise<KeyObject | undefined> {
    const age = this.#fetchedAt === undefined ? Infinity : this.clock.now() - this.#fetchedAt;
    if (age >= refreshIntervalMs || (!this.#keys.has(kid) && age >= unknownKeyRefreshMs)) {
      await this.#refresh();
    }
    return this.#keys.get(kid);
  }

  /** One fetch at a time: concurrent requests wait for the same answer. */
  #refresh(): Promise<void> {
    this.#fetching ??= this.#fetch().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #fetch(): Promise<void> {
    this.#fetchedAt = this.clock.now();
    let document: unknown;
    try {
      const response = await this.fetchFn(this.url, { signal: AbortSignal.timeout(fetchTimeoutMs) });
      if (!response.ok) return;
      document = await response.json();
    } catch {
      return; // unreachable or not JSON: keep what we have, try again when next due
    }
    if (!isPlainObject(document) || !Array.isArray(document['keys'])) return;
    const keys = new Map<string, KeyObject>();
    for (const jwk of document['keys'] as unknown[]) {
      const key = rsaSigningKey(jwk);
      if (key !== undefined) keys.set(key.kid, key.key);
    }
    this.#keys = keys;
  }
}

/** An RSA key meant for signatures, with its ID; other keys (and malformed ones) are skipped. */
function rsaSigningKey(jwk: unknown): { kid: string; key: KeyObject } | undefined {
  if (!isPlainObject(jwk) || jwk['kty'] !== 'RSA' || typeof jwk['kid'] !== 'string') return undefined;
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') return undefined;
  if (jwk['alg'] !== undefined && jwk['alg'] !== 'RS256') return undefined;
  if (typeof jwk['n'] !== 'string' || typeof jwk['e'] !== 'string') return undefined;
  try {
    return {
      kid: jwk['kid'],
      key: createPublicKey({ key: { kty: 'RSA', n: jwk['n'], e: jwk['e'] }, format: 'jwk' }),
    };
  } catch {
    return undefined;
  }
}
