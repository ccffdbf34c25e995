/**
 * Bacalhau's log-stream protocol on NATS (Go's `pkg/nats/stream` under `pkg/nats/proxy`), as JSON shapes
 * and pure codecs, so that a Go orchestrator can read our compute node's logs and the other way round:
 *
 * - the consumer publishes a stream request on `node.compute.<nodeID>.ExecutionLogs/v1` with a reply
 *   subject of its own; the request's `body` is the JSON of an {@link ExecutionLogsRequest};
 * - the producer answers on that reply subject with frames: data frames, each holding the JSON of one
 *   `{"value": ExecutionLog}` (or `{"error": "…"}`), and one last close frame with a code;
 * - while streams are open, the producer asks each consumer on its `heartBeatRequestSub` which of the
 *   listed streams it still reads, and cancels the others.
 *
 * Go's `[]byte` fields travel as standard base64 text. Go decodes object keys case-insensitively, and so
 * do these decoders. JSON is written as Go's `json.Marshal` writes it (see `goMarshal`).
 */
import { BacalhauError, ErrorCode } from '../../../models/index.js';
import type { ExecutionLog } from '../../../models/index.js';
import { TransportComponent } from '../../errors.js';
import { goMarshal } from '../../../models/go-compat.js';

/** The method part of the request subject (Go's `proxy.ExecutionLogs`). */
export const ExecutionLogsMethod = 'ExecutionLogs/v1';

/** Where a compute node listens for log requests (Go's `computeEndpointPublishSubject`). */
export function logRequestSubject(nodeId: string): string {
  return `node.compute.${nodeId}.${ExecutionLogsMethod}`;
}

/** What the orchestrator asks a compute node for (Go's `messages.ExecutionLogsRequest`). */
export interface ExecutionLogsRequest {
  ExecutionID: string;
  NodeID: string;
  Tail: boolean;
  Follow: boolean;
}

/** Who asks for a stream and where it wants heartbeats (Go's `stream.Request` without its body). */
export interface StreamHeader {
  /** Names the consumer; all its streams share one heartbeat subject. */
  consumerId: string;
  /** Unique among the consumer's streams. */
  streamId: string;
  heartBeatRequestSub: string;
}

/** Close codes (RFC 6455 style, as Go's `stream` package defines them). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  UnsupportedData: 1003,
  Abnormal: 1006,
  BadRequest: 4000,
  InternalServerError: 5000,
} as const;

export interface CloseError {
  Code: number;
  Text: string;
}

/** A frame as received: a data item's bytes, or the close that ends the stream. */
export type StreamFrame = { kind: 'data'; data: Uint8Array } | { kind: 'close'; closeError: CloseError };

/** One item of a data frame (Go's `concurrency.AsyncResult[models.ExecutionLog]`). */
export type LogItem = { value: ExecutionLog } | { error: string };

/** Stream IDs keyed by the subject their request was sent on, as heartbeats carry them. */
export type StreamIdsBySubject = Record<string, string[]>;

const frameType = { data: 1, close: 2 } as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------------
// Stream request

export function encodeStreamRequest(header: StreamHeader, request: ExecutionLogsRequest): Uint8Array {
  const body = goMarshal({
    ExecutionID: request.ExecutionID,
    NodeID: request.NodeID,
    Tail: request.Tail,
    Follow: request.Follow,
  });
  return encoder.encode(
    goMarshal({
      consumerId: header.consumerId,
      streamId: header.streamId,
      heartBeatRequestSub: header.heartBeatRequestSub,
      body: base64(encoder.encode(body)),
    }),
  );
}

/**
 * Reads a stream request and the logs request in its body.
 * @throws BacalhauError (BadRequest) naming what is wrong.
 */
export function decodeStreamRequest(data: Uint8Array): {
  header: StreamHeader;
  request: ExecutionLogsRequest;
} {
  const raw = jsonObject(data, 'stream request');
  const header: StreamHeader = {
    consumerId: text(raw, 'consumerId', 'stream request'),
    streamId: text(raw, 'streamId', 'stream request'),
    heartBeatRequestSub: text(raw, 'heartBeatRequestSub', 'stream request'),
  };
  const body = jsonObject(bytes(raw, 'body', 'stream request'), 'ExecutionLogsRequest');
  const request: ExecutionLogsRequest = {
    ExecutionID: text(body, 'ExecutionID', 'ExecutionLogsRequest'),
    // The serving node knows who it is; Go's producer does not read it either.
    NodeID: optionalText(body, 'NodeID', 'ExecutionLogsRequest'),
    Tail: flag(body, 'Tail', 'ExecutionLogsRequest'),
    Follow: flag(body, 'Follow', 'ExecutionLogsRequest'),
  };
  return { header, request };
}

// ---------------------------------------------------------------------------------------------------
// Frames

/** A data frame holding one log line. */
export function encodeLogFrame(log: ExecutionLog): Uint8Array {
  const item = goMarshal({ value: { Type: log.Type, Line: log.Line } });
  return encoder.encode(goMarshal({ type: frameType.data, data: base64(encoder.encode(item)) }));
}

export function encodeCloseFrame(code: number, text = ''): Uint8Array {
  return encoder.encode(goMarshal({ type: frameType.close, closeError: { Code: code, Text: text } }));
}

/**
 * Reads a frame; undefined for a frame type this side does not know (skipped, as Go does).
 * @throws BacalhauError (BadRequest) for a frame that is not one.
 */
export function decodeFrame(data: Uint8Array): StreamFrame | undefined {
  const raw = jsonObject(data, 'stream frame');
  const type = field(raw, 'type');
  if (type === frameType.data) return { kind: 'data', data: bytes(raw, 'data', 'stream frame') };
  if (type !== frameType.close) return undefined;
  const closeError = field(raw, 'closeError');
  // A close without a reason says nothing about how the stream went: not a normal end.
  if (closeError === undefined || closeError === null) {
    return { kind: 'close', closeError: { Code: CloseCode.Abnormal, Text: '' } };
  }
  const close = asObject(closeError, 'closeError');
  const code = field(close, 'Code') ?? 0;
  if (typeof code !== 'number' || !Number.isInteger(code)) throw invalid('closeError.Code is not an integer');
  return { kind: 'close', closeError: { Code: code, Text: optionalText(close, 'Text', 'closeError') } };
}

/**
 * Reads the item of a data frame.
 * @throws BacalhauError (BadRequest) when it is neither an error nor a log line.
 */
export function decodeLogItem(data: Uint8Array): LogItem {
  const raw = jsonObject(data, 'log item');
  const error = optionalText(raw, 'error', 'log item');
  if (error !== '') return { error };
  const value = asObject(field(raw, 'value'), 'log item value');
  const type = field(value, 'Type');
  if (typeof type !== 'number') throw invalid('log item value.Type is not a number');
  return {
    value: { Type: type as ExecutionLog['Type'], Line: optionalText(value, 'Line', 'log item value') },
  };
}

// ---------------------------------------------------------------------------------------------------
// Heartbeats

/** Producer → consumer: the consumer's streams the producer still serves. */
export function encodeHeartbeatRequest(active: StreamIdsBySubject): Uint8Array {
  return encoder.encode(goMarshal({ ActiveStreamIds: active }));
}

export function decodeHeartbeatRequest(data: Uint8Array): StreamIdsBySubject {
  return streamIds(jsonObject(data, 'heartbeat request'), 'ActiveStreamIds');
}

/** Consumer → producer: the listed streams the consumer no longer reads. */
export function encodeHeartbeatResponse(nonActive: StreamIdsBySubject): Uint8Array {
  return encoder.encode(goMarshal({ NonActiveStreamIds: nonActive }));
}

export function decodeHeartbeatResponse(data: Uint8Array): StreamIdsBySubject {
  return streamIds(jsonObject(data, 'heartbeat response'), 'NonActiveStreamIds');
}

// ---------------------------------------------------------------------------------------------------
// Reading Go's JSON

type JsonObject = Record<string, unknown>;

function jsonObject(data: Uint8Array, what: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw invalid(`${what} is not JSON: ${(err as Error).message}`);
  }
  return asObject(parsed, what);
}

function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${what} is not a JSON object`);
  }
  return value as JsonObject;
}

/** A key's value as Go's decoder finds it: the exact key first, else one that differs only in case. */
function field(raw: JsonObject, key: string): unknown {
  if (Object.hasOwn(raw, key)) return raw[key];
  const lower = key.toLowerCase();
  for (const [name, value] of Object.entries(raw)) if (name.toLowerCase() === lower) return value;
  return undefined;
}

/** A string that must be there and not be empty. */
function text(raw: JsonObject, key: string, what: string): string {
  const value = optionalText(raw, key, what);
  if (value === '') throw invalid(`${what} has no ${key}`);
  return value;
}

/** A string, '' when absent or null (Go's zero value). */
function optionalText(raw: JsonObject, key: string, what: string): string {
  const value = field(raw, key) ?? '';
  if (typeof value !== 'string') throw invalid(`${what}.${key} is not a string`);
  return value;
}

function flag(raw: JsonObject, key: string, what: string): boolean {
  const value = field(raw, key) ?? false;
  if (typeof value !== 'boolean') throw invalid(`${what}.${key} is not a boolean`);
  return value;
}

const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Go's `[]byte`: standard base64 with padding; absent or null is empty. */
function bytes(raw: JsonObject, key: string, what: string): Uint8Array {
  const value = optionalText(raw, key, what);
  if (!base64Text.test(value)) throw invalid(`${what}.${key} is not base64`);
  return Buffer.from(value, 'base64');
}

function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

function streamIds(raw: JsonObject, key: string): StreamIdsBySubject {
  const value = field(raw, key) ?? {};
  const bySubject = asObject(value, key);
  const result: StreamIdsBySubject = {};
  for (const [subject, ids] of Object.entries(bySubject)) {
    // Go writes a nil slice as null.
    const list = ids ?? [];
    if (!Array.isArray(list) || !list.every((id) => typeof id === 'string')) {
      throw invalid(`${key}[${subject}] is not a list of stream IDs`);
    }
    result[subject] = list;
  }
  return result;
}

function invalid(message: string): BacalhauError {
  return new BacalhauError(`invalid log stream message: ${message}`, {
    code: ErrorCode.BadRequest,
    component: TransportComponent,
  });
}
