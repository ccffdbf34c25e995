/**
 * Turns failures into what a person at a terminal needs: one line saying what went wrong and one hint
 * saying what to do. The client's "cannot connect" error is the common case and gets its own wording.
 */
import { ClientComponent } from '../api/client/index.js';
import { errorChain, isOutOfFileDescriptors, outOfFileDescriptorsHint } from '../lib/error-chain.js';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';

/** The network reason of a failed fetch, e.g. `connection refused` (undici hides it in `cause`). */
function networkReason(err: unknown): string | undefined {
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
  };
  for (const e of errorChain(err)) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && reasons[code] !== undefined) return reasons[code];
  }
  return undefined;
}

/** The client's ServiceUnavailable error for a server that could not be reached, anywhere in the chain. */
function unreachable(err: unknown): BacalhauError | undefined {
  for (const e of errorChain(err)) {
    if (
      e instanceof BacalhauError &&
      e.code === ErrorCode.ServiceUnavailable &&
      e.component === ClientComponent &&
      e.details['address'] !== undefined
    ) {
      return e;
    }
  }
  return undefined;
}

/**
 * The error to print for `err`: an unreachable node becomes Go's "server is not running or not reachable
 * at <address>" (or "cannot reach the Bacalhau API at <address> (<reason>)" for other network failures)
 * with Go's hint to start or point at a node; anything else is returned unchanged.
 */
export function friendlyError(err: unknown, binName: string): unknown {
  const cause = unreachable(err);
  if (cause === undefined) return withDescriptorHint(err);
  const address = cause.details['address'] ?? '';
  const reason = networkReason(cause.cause);
  // Go's client words a refused connection so (scripts look for it); other causes are named
  const message =
    reason === 'connection refused'
      ? `server is not running or not reachable at ${address}`
      : `cannot reach the Bacalhau API at ${address}${reason === undefined ? '' : ` (${reason})`}`;
  return new BacalhauError(message, {
    code: ErrorCode.ServiceUnavailable,
    component: 'CLI',
    hint:
      reason === 'connection reset'
        ? `${resetHint(address)}\n${unreachableHint(address, binName)}`
        : unreachableHint(address, binName),
    cause: err,
  });
}

/**
 * `err` with what to do when this process (`serve` starting, or any command) had no file descriptor
 * left, unless it says already: a module, a file or a socket could not be opened, and EMFILE alone
 * does not say that the limit is the process's, to be raised.
 */
function withDescriptorHint(err: unknown): unknown {
  if (!isOutOfFileDescriptors(err) || (err instanceof BacalhauError && err.hint !== '')) return err;
  return new BacalhauError(errorMessage(err), {
    ...(err instanceof BacalhauError ? err.options() : { code: ErrorCode.IOError }),
    hint: outOfFileDescriptorsHint('this process'),
    cause: err,
  });
}

/**
 * `err` for a command that had submitted job `jobID` before the server stopped, became unreachable or
 * stopped answering in time while the command followed the job: the job is stored and may still run,
 * so the hint says how to find it again rather than how to reach a server, lest the user submit it a
 * second time. Anything else is returned unchanged.
 */
export function unreachableAfterSubmit(err: unknown, binName: string, jobID: string): unknown {
  const friendly = friendlyError(err, binName);
  // a server that stopped answering (hung, overloaded) leaves the user as unsure as one that is gone
  const lost =
    friendly !== err ||
    (friendly instanceof BacalhauError &&
      (friendly.code === ErrorCode.ServiceUnavailable || friendly.code === ErrorCode.TimeOut));
  if (!lost || !(friendly instanceof BacalhauError)) return err;
  // no cause: friendlyError, applied again to whatever the command throws, would put its hint back
  return new BacalhauError(friendly.message, {
    code: friendly.code,
    component: friendly.component,
    hint:
      `job ${jobID} was submitted and may still be running: once the server is back, see it with ` +
      `'${binName} job describe ${jobID}' rather than submitting it again`,
  });
}

/**
 * A connection closed without an answer: a node there that has no file descriptor left does that to
 * every one (libuv closes what it cannot accept) while it otherwise looks up, so the way out is on the
 * node's side, not in the address.
 */
function resetHint(address: string): string {
  return (
    `the server at ${address} closed the connection without answering: a node that has no file ` +
    'descriptor left does so (its log then says to raise its open-files limit), as does one that stopped; otherwise'
  );
}

/** Go's client hint for a node it cannot reach, with `bacalhau serve` as the first way out. */
function unreachableHint(address: string, binName: string): string {
  return [
    'to resolve this, either:',
    `1. Ensure that the server is running and reachable at ${address} (start one with '${binName} serve')`,
    '2. Update the configuration to use a different host and port using:',
    "   a. The '--api-host=<new_address> --api-port=<new_port>' flags with your command",
    "   b. The '-c API.Host=<new_host> -c API.Port=<new_port>' flags with your command",
    `   c. Set the host in a configuration file with '${binName} config set API.Host=<new_address>' and port ` +
      `with '${binName} config set API.Port=<new_port>'`,
  ].join('\n');
}
