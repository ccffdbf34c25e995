/**
 * What the close of a log stream's WebSocket means. The server ends every stream it finishes with 1000
 * (normal closure), after an error frame if it failed; any other close cut the stream short: the node
 * died (1006, no close frame), was stopped (1001, going away), or something between broke. Go's client
 * turns those into an error too (`websocket.IsUnexpectedCloseError`), so that nobody takes the partial
 * output of a job that may still be running for all of it.
 */
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { ClientComponent } from './transport.js';

export const NormalClosure = 1000;
const CloseCodeDetail = 'CloseCode';

const closeNames: Readonly<Record<number, string>> = {
  1001: 'going away',
  1005: 'no status',
  1006: 'abnormal closure',
  1011: 'internal error',
};

/** The error for a stream closed with `code` (undefined when it was not a normal closure). */
export function unexpectedCloseError(code: number, reason: string): BacalhauError | undefined {
  if (code === NormalClosure) return undefined;
  const name = closeNames[code];
  const close = `close ${code}${name === undefined ? '' : ` (${name})`}${reason === '' ? '' : `: ${reason}`}`;
  const message =
    code === 1001
      ? `the server closed the log stream before it ended (${close})`
      : `the log stream ended before the server finished it (${close})`;
  return new BacalhauError(message, {
    // a node that went away may be back soon; reading the logs again may then work
    code: code === 1001 ? ErrorCode.ServiceUnavailable : ErrorCode.NetworkFailure,
    component: ClientComponent,
    retryable: true,
    details: { [CloseCodeDetail]: String(code) },
  });
}

/** Whether `err` is a stream cut short ({@link unexpectedCloseError}), not a failure the server reported. */
export function isCutShort(err: unknown): err is BacalhauError {
  return err instanceof BacalhauError && err.details[CloseCodeDetail] !== undefined;
}
