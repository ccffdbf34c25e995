/** A JWT signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256), the form Go's challenge policy issues. */
import { sign, type KeyObject } from 'node:crypto';

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `header` adds fields to the JOSE header, e.g. the `kid` a JWKS consumer picks the key by. */
export function signJwt(
  claims: Readonly<Record<string, unknown>>,
  key: KeyObject,
  header: Readonly<Record<string, string>> = {},
): string {
  const signingInput = `${segment({ alg: 'RS256', typ: 'JWT', ...header })}.${segment(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}
