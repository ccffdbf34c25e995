/**
 * Bacalhau's message envelope (`pkg/lib/envelope`), byte for byte:
 *
 *   [1 byte schema version][4 bytes big-endian CRC-32 (IEEE) of what follows][JSON {"metadata":{…},"payload":…}]
 *
 * Version 1 is JSON, the only one Bacalhau writes by default; version 2 (protobuf) is recognised and
 * refused. The JSON is written as Go's `json.Marshal` writes it: metadata keys sorted, compact, and
 * `<`, `>`, `&`, U+2028, U+2029 escaped, so a Go node computes the same bytes for the same message.
 */
import { crc32 } from '../../lib/crc32.js';
import { goMarshal } from '../../models/go-compat.js';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import { TransportComponent } from '../errors.js';

export const SchemaVersion = { JsonV1: 1, ProtobufV1: 2 } as const;

const versionSize = 1;
const crcSize = 4;
const headerSize = versionSize + crcSize;

/** A decoded envelope: metadata as sent, payload as parsed JSON (not yet typed). */
export interface Envelope {
  metadata: Record<string, string>;
  payload: unknown;
}

/**
 * The envelope bytes for `metadata` and a payload already serialised as JSON text (so a message queued
 * for replay is serialised once).
 */
export function encodeEnvelope(metadata: Readonly<Record<string, string>>, payloadJson: string): Uint8Array {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(metadata).sort()) sorted[key] = metadata[key]!;
  const body = Buffer.from(`{"metadata":${goMarshal(sorted)},"payload":${payloadJson}}`, 'utf8');
  const bytes = new Uint8Array(headerSize + body.length);
  bytes[0] = SchemaVersion.JsonV1;
  bytes.set(body, headerSize);
  new DataView(bytes.buffer).setUint32(versionSize, crc32(body), false);
  return bytes;
}

/**
 * Reads envelope bytes.
 * @throws BacalhauError (BadRequest), worded as Go's: `bad message: too short`, `unsupported encoding:
 *   protobuf-v1`, `bad message: CRC check failed …`, or invalid JSON.
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length < headerSize) throw badMessage('too short');
  const version = bytes[0]!;
  if (version !== SchemaVersion.JsonV1) throw envelopeError(`unsupported encoding: ${versionName(version)}`);
  const body = bytes.subarray(headerSize);
  const expected = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    versionSize,
    false,
  );
  const actual = crc32(body);
  if (actual !== expected) {
    throw badMessage(`CRC check failed (header ${hex(expected)}, payload ${hex(actual)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw badMessage(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw badMessage('envelope is not a JSON object');
  const { metadata, payload } = parsed as { metadata?: unknown; payload?: unknown };
  return { metadata: readMetadata(metadata), payload };
}

function readMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badMessage('metadata is not a JSON object');
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw badMessage(`metadata ${key} is not a string`);
    metadata[key] = value;
  }
  return metadata;
}

/** Go's `SchemaVersion.String()`. */
function versionName(version: number): string {
  if (version === SchemaVersion.ProtobufV1) return 'protobuf-v1';
  return `0x${version.toString(16).padStart(2, '0')}`;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function badMessage(reason: string): BacalhauError {
  return envelopeError(`bad message: ${reason}`);
}

function envelopeError(message: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.BadRequest,
    component: TransportComponent,
  });
}
