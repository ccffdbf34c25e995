/**
 * NCL messages (`pkg/lib/ncl`) on top of the envelope: the metadata every message carries, typed
 * payloads through `../wire.ts`, errors as Go's responder sends them, and the acknowledgements of
 * Go's ordered publisher. The metadata also travels as NATS headers, as Go does.
 */
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { Msg, MsgHdrs } from '@nats-io/transport-node';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import { TransportComponent } from '../errors.js';
import { isComputeMessageType, isOrchestratorMessageType, sequenced } from '../messages.js';
import type { DataPlaneMessage, MessageType } from '../messages.js';
import { decodePayload, encodePayload } from '../wire.js';
import { goMarshal } from '../../models/go-compat.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';

/** Metadata keys, spelled as Go's constants. */
export const MetadataKey = {
  Type: 'Bacalhau-Type',
  PayloadEncoding: 'Bacalhau-PayloadEncoding',
  Source: 'Bacalhau-Source',
  /** Nanoseconds since the Unix epoch, decimal. */
  EventTime: 'Bacalhau-EventTime',
  /** Defined by Go, set by nobody; read never. */
  MessageUUID: 'Bacalhau-MessageUUID',
  /** `seq-<n>` on data-plane messages; copied from a request to its response. */
  MessageID: 'Bacalhau-MessageID',
  /** The subject an orchestrator → compute message is for. */
  Subject: 'Bacalhau-Subject',
  SeqNum: 'Bacalhau-SeqNum',
  /** On an error response: the error's HTTP status. */
  StatusCode: 'Bacalhau-StatusCode',
  /** On an error response: the error's code. */
  ErrorCode: 'Bacalhau-ErrorCode',
  /**
   * bacalhau-ts only: which handshake a control request or data message belongs to, so that a node's
   * replaced or dropped connection cannot act for its current one. Go ignores it; messages without it
   * (from Go nodes) are matched on the node ID alone, as Go does.
   */
  ConnectionID: 'Bacalhau-ConnectionID',
} as const;

/** Go also writes the type and encoding under these older names (read back by Bacalhau ≤ 1.5). */
const legacyTypeKey = 'Type';
const legacyEncodingKey = 'PayloadEncoding';
const jsonEncoding = 'json';

/** The type of an error response (`ncl.BacErrorMessageType`). */
export const BacErrorType = 'BacError';

/** A message as it leaves: envelope bytes and the same metadata as headers. */
export interface Encoded {
  data: Uint8Array;
  headers: MsgHdrs;
}

/** A received message: its metadata and its payload as parsed JSON. */
export interface Received {
  type: string;
  metadata: Record<string, string>;
  payload: unknown;
}

/** A payload as Bacalhau's JSON text, ready for {@link encodeMessage} (and for replaying unchanged). */
export function payloadJson(type: MessageType, payload: object): string {
  return goMarshal(encodePayload(type, payload));
}

/**
 * A message of `type` from `source` with `payload` already as JSON text. `extra` adds metadata; keys
 * whose value is undefined are left out.
 */
export function encodeMessage(
  type: string,
  payload: string,
  source: string,
  extra: Readonly<Record<string, string | undefined>> = {},
): Encoded {
  const metadata: Record<string, string> = {
    [MetadataKey.Type]: type,
    [legacyTypeKey]: type,
    [MetadataKey.PayloadEncoding]: jsonEncoding,
    [legacyEncodingKey]: jsonEncoding,
    [MetadataKey.Source]: source,
    [MetadataKey.EventTime]: (BigInt(Date.now()) * 1_000_000n).toString(),
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) metadata[key] = value;
  const headers = natsHeaders();
  for (const [key, value] of Object.entries(metadata)) headers.set(key, value);
  return { data: encodeEnvelope(metadata, payload), headers };
}

/**
 * Reads a message's envelope and type.
 * @throws BacalhauError (BadRequest) for a bad envelope, a missing type or a payload encoding other
 *   than JSON.
 */
export function decodeMessage(data: Uint8Array): Received {
  const { metadata, payload } = decodeEnvelope(data);
  const type = metadata[MetadataKey.Type] ?? metadata[legacyTypeKey] ?? '';
  if (type === '') throw protocolError('message has no Bacalhau-Type');
  const encoding = metadata[MetadataKey.PayloadEncoding] ?? metadata[legacyEncodingKey] ?? jsonEncoding;
  if (encoding !== jsonEncoding) throw protocolError(`unsupported encoding: ${encoding}`);
  return { type, metadata, payload };
}

/**
 * A data-plane message of the direction `accepts` allows, with the sequence number of its metadata.
 * @throws BacalhauError for another type, a missing sequence number or an invalid payload.
 */
export function decodeDataMessage(
  received: Received,
  direction: 'toCompute' | 'toOrchestrator',
): DataPlaneMessage {
  const accepts = direction === 'toCompute' ? isOrchestratorMessageType : isComputeMessageType;
  if (!accepts(received.type)) throw protocolError(`unexpected message type ${received.type}`);
  const seqNum = Number(received.metadata[MetadataKey.SeqNum]);
  if (!Number.isSafeInteger(seqNum) || seqNum < 1) {
    throw protocolError(`${received.type} message without a valid ${MetadataKey.SeqNum}`);
  }
  const payload = decodePayload<DataPlaneMessage['payload']>(received.type, received.payload);
  return sequenced({ type: received.type, payload } as DataPlaneMessage, seqNum);
}

/** Data-plane metadata (Go's dispatcher): the message ID and the sequence number. */
export function sequenceMetadata(seqNum: number): Record<string, string> {
  return { [MetadataKey.MessageID]: `seq-${seqNum}`, [MetadataKey.SeqNum]: String(seqNum) };
}

// ---------------------------------------------------------------------------------------------------
// Errors on request/reply (Go's `BacErrorToEnvelope` and the publisher's error check)
// ---------------------------------------------------------------------------------------------------

/** An error response: a `BacError` payload (`bacerrors.JSONError`) with status and code metadata. */
export function encodeError(
  error: BacalhauError,
  source: string,
  extra: Readonly<Record<string, string | undefined>>,
): Encoded {
  return encodeMessage(BacErrorType, goMarshal(error.toJSON()), source, {
    ...extra,
    [MetadataKey.StatusCode]: String(error.httpStatus),
    [MetadataKey.ErrorCode]: error.code,
  });
}

/** The BacalhauError an error response carries, code, hint, retryable and details included. */
export function decodeError(received: Received): BacalhauError {
  const raw = (typeof received.payload === 'object' && received.payload !== null ? received.payload : {}) as {
    Cause?: unknown;
    Hint?: unknown;
    Retryable?: unknown;
    FailsExecution?: unknown;
    Component?: unknown;
    HTTPStatusCode?: unknown;
    Details?: unknown;
    Code?: unknown;
  };
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const code = text(raw.Code) || received.metadata[MetadataKey.ErrorCode] || ErrorCode.UnknownError;
  const status = typeof raw.HTTPStatusCode === 'number' ? raw.HTTPStatusCode : 0;
  const details: Record<string, string> = {};
  if (typeof raw.Details === 'object' && raw.Details !== null) {
    for (const [key, value] of Object.entries(raw.Details))
      if (typeof value === 'string') details[key] = value;
  }
  return new BacalhauError(text(raw.Cause), {
    code: code as ErrorCode,
    component: text(raw.Component) || 'Bacalhau',
    hint: text(raw.Hint),
    retryable: raw.Retryable === true,
    failsExecution: raw.FailsExecution === true,
    details,
    ...(status > 0 ? { httpStatus: status } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------
// Acknowledgements (`ncl.Result`): Go's ordered publisher waits for one per data-plane message
// ---------------------------------------------------------------------------------------------------

/** `{}`: processed. Sent even when the handler failed, which counts as processed (see types.ts). */
export const ackData = new TextEncoder().encode('{}');

/**
 * What a reply to a data-plane message says: `processed` (an ack, or a nack whose handler error the
 * receiver reported itself), or `unreachable` (the server's no-responders status: nobody subscribed).
 */
export function readAck(msg: Msg): 'processed' | 'unreachable' {
  return msg.headers?.hasError === true ? 'unreachable' : 'processed';
}

export function protocolError(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.BadRequest, component: TransportComponent });
}
