import { crc32 } from '../../lib/crc32.js';
import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import { goMarshal } from '../../models/go-compat.js';
import { decodeEnvelope, encodeEnvelope, SchemaVersion } from './envelope.js';

const metadata = { 'Bacalhau-Type': 'AskForBid', 'Bacalhau-SeqNum': '7', Type: 'AskForBid' };
const payload = { Events: [], ExecutionID: 'e-1', Note: '<a href="x">&</a>' };

function body(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(5)).toString('utf8');
}

describe('envelope', () => {
  it('writes [version 1][big-endian CRC-32 of the JSON][JSON] with sorted metadata, as Go marshals it', () => {
    const bytes = encodeEnvelope(metadata, goMarshal(payload));

    expect(bytes[0]).toBe(SchemaVersion.JsonV1);
    const json = bytes.subarray(5);
    expect(Buffer.from(bytes.subarray(1, 5)).readUInt32BE(0)).toBe(crc32(json));
    expect(body(bytes)).toBe(
      '{"metadata":{"Bacalhau-SeqNum":"7","Bacalhau-Type":"AskForBid","Type":"AskForBid"},' +
        '"payload":{"Events":[],"ExecutionID":"e-1",' +
        '"Note":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"}}',
    );
  });

  it('round-trips metadata and payload', () => {
    expect(decodeEnvelope(encodeEnvelope(metadata, goMarshal(payload)))).toEqual({ metadata, payload });
  });

  it('reads an envelope whose bytes sit inside a larger buffer', () => {
    const bytes = encodeEnvelope(metadata, goMarshal(payload));
    const framed = new Uint8Array(bytes.length + 8);
    framed.set(bytes, 3);
    expect(decodeEnvelope(framed.subarray(3, 3 + bytes.length)).payload).toEqual(payload);
  });

  it('rejects a CRC mismatch with a clear error', () => {
    const bytes = encodeEnvelope(metadata, goMarshal(payload));
    const flipped = bytes.length - 3;
    bytes[flipped] = bytes[flipped]! ^ 0x01;
    const error = captureError(() => decodeEnvelope(bytes));
    expect(error).toBeInstanceOf(BacalhauError);
    expect(error).toMatchObject({ code: ErrorCode.BadRequest });
    expect(error.message).toMatch(
      /^bad message: CRC check failed \(header 0x[0-9a-f]{8}, payload 0x[0-9a-f]{8}\)$/,
    );
  });

  it('refuses unknown and protobuf schema versions, and short messages', () => {
    const bytes = encodeEnvelope(metadata, goMarshal(payload));
    bytes[0] = SchemaVersion.ProtobufV1;
    expect(() => decodeEnvelope(bytes)).toThrow('unsupported encoding: protobuf-v1');
    bytes[0] = 0x07;
    expect(() => decodeEnvelope(bytes)).toThrow('unsupported encoding: 0x07');
    expect(() => decodeEnvelope(new Uint8Array([1, 0, 0]))).toThrow('bad message: too short');
  });

  it('refuses bytes that pass the CRC but are not an envelope', () => {
    const notJson = Buffer.from('not json');
    const bytes = new Uint8Array(5 + notJson.length);
    bytes[0] = SchemaVersion.JsonV1;
    Buffer.from(bytes.buffer).writeUInt32BE(crc32(notJson), 1);
    bytes.set(notJson, 5);
    expect(() => decodeEnvelope(bytes)).toThrow(/^bad message: invalid JSON/);
  });
});

function captureError(fn: () => unknown): BacalhauError {
  try {
    fn();
  } catch (err) {
    return err as BacalhauError;
  }
  throw new Error('expected an error');
}
