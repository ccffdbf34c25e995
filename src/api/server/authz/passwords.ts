/**
 * Checks the password of a Basic credential against the one configured in `API.Auth.Users`, as Go's
 * basic-auth authorizer does: a bcrypt hash (what `bacalhau auth hash-password` prints) is verified with
 * bcrypt, anything else is compared in constant time.
 *
 * bcrypt is slow on purpose (about 0.1 s at cost 10), and a CLI command sends the same credentials many
 * times (`job run` polls the history twice a second). So a password that matched a hash is remembered as
 * its SHA-256 digest, in memory only, and the same password is then accepted without running bcrypt
 * again; any other password still goes through bcrypt. bcryptjs's asynchronous compare yields to the
 * event loop while it works, so other requests are served meanwhile.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { isBcryptHash } from './users.js';

const digest = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

export class PasswordChecker {
  /** Per configured hash, the digest of the last password that matched it. */
  readonly #verified = new Map<string, Buffer>();

  async matches(given: Uint8Array, configured: string): Promise<boolean> {
    if (!isBcryptHash(configured)) return constantTimeEqual(given, configured);
    if (given.length === 0) return false; // Go refuses an empty password before hashing it
    const givenDigest = digest(given);
    const known = this.#verified.get(configured);
    if (known !== undefined && timingSafeEqual(known, givenDigest)) return true;
    let matched: boolean;
    try {
      matched = await bcrypt.compare(new TextDecoder().decode(given), configured);
    } catch {
      matched = false; // a malformed hash matches nothing, as Go's CompareHashAndPassword errors
    }
    if (matched) this.#verified.set(configured, givenDigest);
    return matched;
  }
}

/** Go's `subtle.ConstantTimeCompare`: lengths may leak, contents do not. */
function constantTimeEqual(given: Uint8Array, expected: string): boolean {
  const want = new TextEncoder().encode(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
