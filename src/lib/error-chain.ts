/**
 * An error and the errors that caused it (`cause`: fetch wraps the network error, BacalhauError the
 * failure it explains), outermost first. At most six deep, so a chain that loops still ends.
 */
export function* errorChain(err: unknown): Generator<Error> {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < MaxDepth; e = e.cause, depth++) {
    yield e;
  }
}

const MaxDepth = 6;

/** Whether an error anywhere in the chain has one of the system error `codes`. */
function hasErrorCode(err: unknown, codes: readonly string[]): boolean {
  for (const e of errorChain(err)) if (codes.includes((e as NodeJS.ErrnoException).code ?? '')) return true;
  return false;
}

/**
 * Whether a write failed because its disk (or the user's quota on it) is full, anywhere in the chain:
 * the failure a node can end by freeing space, unlike a read-only or missing folder.
 */
export function isDiskFull(err: unknown): boolean {
  return hasErrorCode(err, ['ENOSPC', 'EDQUOT']);
}

/**
 * Whether something failed because this process (EMFILE) or the whole system (ENFILE) has no file
 * descriptor left, anywhere in the chain: the failure an operator ends by raising the limit.
 */
export function isOutOfFileDescriptors(err: unknown): boolean {
  return hasErrorCode(err, ['EMFILE', 'ENFILE']);
}

/** What an operator does about {@link isOutOfFileDescriptors}. */
export const RaiseOpenFilesLimit =
  'raise its open-files limit: ulimit -n, or LimitNOFILE for a systemd service';

/**
 * The hint for {@link isOutOfFileDescriptors}: who ran out (`the compute node`), what for if that
 * matters (` to reach the daemon with`), and the fix.
 */
export function outOfFileDescriptorsHint(who: string, purpose = ''): string {
  return `${who} has no file descriptor left${purpose}: ${RaiseOpenFilesLimit}`;
}
