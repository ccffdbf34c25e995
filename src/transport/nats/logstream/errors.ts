/**
 * The errors a log stream ends with on the consumer's side. All are BacalhauErrors with a code; the text
 * is what the user reads (the API sends it as the last frame), so it names the node.
 */
import { BacalhauError, ErrorCode, errorMessage } from '../../../models/index.js';
import { networkError, TransportComponent } from '../../errors.js';
import { CloseCode, type CloseError } from './wire.js';

/** Nobody serves the node's log subject, or nothing came back in time: the node is most likely away. */
export function notAnsweringError(nodeId: string): BacalhauError {
  return networkError(`node ${nodeId} did not answer the log request: is it connected?`);
}

/** The node answered, then went silent (no frame, no heartbeat naming the stream). */
export function stoppedAnsweringError(nodeId: string, silentMs: number): BacalhauError {
  return networkError(`node ${nodeId} stopped answering the log stream (silent for ${silentMs / 1000} s)`);
}

/** The reader fell too far behind the producer (the protocol cannot slow the producer down). */
export function readerBehindError(nodeId: string, maxChars: number): BacalhauError {
  return new BacalhauError(
    `the log stream from node ${nodeId} was cut: its reader fell more than ${maxChars / (1024 * 1024)} MiB behind`,
    {
      code: ErrorCode.ResourceExhausted,
      component: TransportComponent,
      hint: 'Read the logs again over a faster connection, or with --tail to skip what was written so far',
      details: { NodeID: nodeId },
    },
  );
}

/** What a stream's close frame with any code but Normal means to the reader. */
export function closedStreamError(nodeId: string, closeError: CloseError): BacalhauError {
  const { code, retryable } = errorCodeOfClose(closeError.Code);
  const reason = `${closeName(closeError.Code)} (${closeError.Code})`;
  // The producer's text is the cause as the user should read it ("execution e-… not found").
  const message = closeError.Text || `log stream from node ${nodeId} closed: ${reason}`;
  return new BacalhauError(message, {
    code,
    retryable,
    component: TransportComponent,
    details: { NodeID: nodeId, CloseCode: String(closeError.Code) },
  });
}

/** An error item the producer sent in place of a line (Go's log readers do). */
export function producerError(nodeId: string, text: string): BacalhauError {
  return new BacalhauError(text, {
    code: ErrorCode.InternalError,
    component: TransportComponent,
    details: { NodeID: nodeId },
  });
}

/** A frame or item that cannot be read: the stream cannot go on. */
export function unreadableStreamError(nodeId: string, err: unknown): BacalhauError {
  return new BacalhauError(`unreadable log stream from node ${nodeId}: ${errorMessage(err)}`, {
    code: ErrorCode.BadRequest,
    component: TransportComponent,
    cause: err,
  });
}

function errorCodeOfClose(closeCode: number): { code: ErrorCode; retryable: boolean } {
  switch (closeCode) {
    case CloseCode.GoingAway:
      return { code: ErrorCode.ServiceUnavailable, retryable: true };
    case CloseCode.Abnormal:
      return { code: ErrorCode.NetworkFailure, retryable: true };
    case CloseCode.UnsupportedData:
    case CloseCode.BadRequest:
      return { code: ErrorCode.BadRequest, retryable: false };
    case CloseCode.InternalServerError:
      return { code: ErrorCode.InternalError, retryable: false };
    default:
      return { code: ErrorCode.UnknownError, retryable: false };
  }
}

function closeName(closeCode: number): string {
  const names: Record<number, string> = {
    [CloseCode.Normal]: 'normal',
    [CloseCode.GoingAway]: 'going away',
    [CloseCode.UnsupportedData]: 'unsupported data',
    [CloseCode.Abnormal]: 'abnormal closure',
    [CloseCode.BadRequest]: 'bad request',
    [CloseCode.InternalServerError]: 'internal server error',
  };
  return names[closeCode] ?? 'unknown close code';
}
