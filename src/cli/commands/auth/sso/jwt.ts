/**
 * Reading a JWT's header and claims without verifying its signature: the CLI does not hold the
 * provider's keys, and verifying is the node's job. For showing a token and for noticing that one
 * saved has expired before sending it.
 */
import { isPlainObject } from '../../../../models/codec.js';

/** The token's header and claims, or what is wrong with it in golang-jwt's words. */
export function decodeJwt(
  token: string,
): { header: Record<string, unknown>; claims: Record<string, unknown> } | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'token contains an invalid number of segments';
  const header = segment(parts[0] ?? '');
  if (header === undefined) return 'could not JSON decode header';
  const claims = segment(parts[1] ?? '');
  if (claims === undefined) return 'could not JSON decode claims';
  return { header, claims };
}

/** When the token stops being valid (its `exp` claim), if it is a JWT that says so. */
export function jwtExpiry(token: string): Date | undefined {
  const decoded = decodeJwt(token);
  const exp = typeof decoded === 'string' ? undefined : decoded.claims['exp'];
  return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined;
}

function segment(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
