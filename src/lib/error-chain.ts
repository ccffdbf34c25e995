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

/**
 * Whether a write failed because its disk (or the user's quota on it) is full, anywhere in the chain:
 * the failure a node can end by freeing space, unlike a read-only or missing folder.
 */
export function isDiskFull(err: unknown): boolean {
  for (const e of errorChain(err)) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

/**
 * Whether something failed because this process (EMFILE) or the whole system (ENFILE) has no file
 * descriptor left, anywhere in the chain: the failure an operator ends by raising the limit.
 */
export function isOutOfFileDescriptors(err: unknown): boolean {
  for (const e of errorChain(err)) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EMFILE' || code === 'ENFILE') return true;
  }
  return false;
}

/** What an operator does about {@link isOutOfFileDescriptors}. */
export const RaiseOpenFilesLimit =
  'raise its open-files limit: ulimit -n, or LimitNOFILE for a systemd service';
