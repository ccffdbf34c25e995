/**
 * Checks the password of a Basic credential against the one configured in `API.Auth.Users`, as Go's
 * basic-auth authorizer does: a bcrypt hash (what `bacalhau auth hash-password` prints) is verified with
 * bcrypt, anything else is compared in constant time.
 *
 * bcrypt is slow on purpose (about 0.1 s at cost 10), and a CLI command sends the same credentials many
 * times (`job run` polls the history twice a second). So a password that matched a hash is remembered as
 * its SHA-256 digest, in memory only, and the same password is then accepted without running bcrypt
 * again; any other password still goes through bcrypt.
 *
 * bcryptjs works on this process's one thread, in slices of up to 100 ms between which other work runs.
 * Go verifies on goroutines the scheduler spreads over all cores; here every verification in progress
 * takes its slice in turn, so anyone who knows a username could send wrong passwords a few dozen at a
 * time and hold every request, and the node's own work, for seconds. So one verification runs at a
 * time, a few more per configured hash (per user, unless users share one) wait for their turn, and
 * beyond that a check against that hash is refused as `ResourceExhausted` (429): a flood delays other
 * users' first logins by at most that many checks for each hash flooded, never refuses them, and a
 * password already verified still passes at once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';
import { isBcryptHash } from './users.js';

const digest = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

/**
 * Verifications against one configured hash that may wait while one runs: a few logins at once, not
 * a flood. Counted per hash, so that a flood of wrong passwords for one user (whose name is all an
 * attacker needs) delays the others' logins but never refuses them.
 */
const MaxWaitingPerHash = 8;

export class PasswordChecker {
  /** Per configured hash, the digest of the last password that matched it. */
  readonly #verified = new Map<string, Buffer>();
  /** Whether a bcrypt verification is running; the turn passes straight to the next waiting one. */
  #running = false;
  readonly #waiting: Array<{ hash: string; go: () => void }> = [];
  /** How many of {@link #waiting} are for each hash. */
  readonly #waitingFor = new Map<string, number>();

  /** @throws BacalhauError ResourceExhausted when too many bcrypt verifications are waiting */
  async matches(given: Uint8Array, configured: string): Promise<boolean> {
    if (!isBcryptHash(configured)) return constantTimeEqual(given, configured);
    if (given.length === 0) return false; // Go refuses an empty password before hashing it
    const givenDigest = digest(given);
    const known = this.#verified.get(configured);
    if (known !== undefined && timingSafeEqual(known, givenDigest)) return true;
    const matched = await this.#inTurn(configured, () =>
      // a malformed hash matches nothing, as Go's CompareHashAndPassword errors
      bcrypt.compare(new TextDecoder().decode(given), configured).catch(() => false),
    );
    if (matched) this.#verified.set(configured, givenDigest);
    return matched;
  }

  async #inTurn<T>(hash: string, work: () => Promise<T>): Promise<T> {
    if (this.#running) {
      const waiting = this.#waitingFor.get(hash) ?? 0;
      if (waiting >= MaxWaitingPerHash) throw tooManyChecks();
      this.#waitingFor.set(hash, waiting + 1);
      await new Promise<void>((go) => this.#waiting.push({ hash, go }));
    }
    this.#running = true;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#running = false;
      else {
        const left = (this.#waitingFor.get(next.hash) ?? 1) - 1;
        if (left === 0) this.#waitingFor.delete(next.hash);
        else this.#waitingFor.set(next.hash, left);
        next.go();
      }
    }
  }
}

function tooManyChecks(): BacalhauError {
  return new BacalhauError('too many password checks in progress', {
    code: ErrorCode.ResourceExhausted,
    component: 'Authorizer',
    retryable: true,
    hint: "Try again in a moment: the node verifies one bcrypt-hashed password at a time, and many for this user's are waiting.",
  });
}

/** Go's `subtle.ConstantTimeCompare`: lengths may leak, contents do not. */
function constantTimeEqual(given: Uint8Array, expected: string): boolean {
  const want = new TextEncoder().encode(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
