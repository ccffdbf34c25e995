import { describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import { handshakeRequiredError } from '../errors.js';
import { bidResult, cancelExecution } from '../messages.js';
import { testExecution } from '../testing/fixtures.js';
import { goMarshal } from '../../models/go-compat.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import {
  BacErrorType,
  decodeDataMessage,
  decodeError,
  decodeMessage,
  encodeError,
  encodeMessage,
  payloadJson,
  sequenceMetadata,
} from './ncl.js';

describe('NCL messages', () => {
  it('carries the metadata Go writes, also as headers', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const message = cancelExecution('e-1');
    const { data, headers } = encodeMessage(
      message.type,
      payloadJson(message.type, message.payload),
      'orchestrator-n-1',
      {
        ...sequenceMetadata(3),
        'Bacalhau-Subject': 'bacalhau.global.compute.n-1.in.msgs',
        Skipped: undefined,
      },
    );

    const { metadata, payload } = decodeEnvelope(data);
    const { 'Bacalhau-EventTime': eventTime, ...rest } = metadata;
    expect(eventTime).toMatch(/^\d{19}$/);
    expect(BigInt(eventTime!)).toBeGreaterThanOrEqual(before);
    expect(rest).toEqual({
      'Bacalhau-Type': 'CancelExecution',
      Type: 'CancelExecution',
      'Bacalhau-PayloadEncoding': 'json',
      PayloadEncoding: 'json',
      'Bacalhau-Source': 'orchestrator-n-1',
      'Bacalhau-MessageID': 'seq-3',
      'Bacalhau-SeqNum': '3',
      'Bacalhau-Subject': 'bacalhau.global.compute.n-1.in.msgs',
    });
    expect(payload).toEqual({ Events: [], ExecutionID: 'e-1' });
    for (const [key, value] of Object.entries(metadata)) expect(headers.get(key)).toBe(value);
  });

  it('reads a data-plane message with its sequence number, and the legacy type key', () => {
    const execution = testExecution({ id: 'e-9' });
    const result = bidResult(execution, true);
    const legacy = encodeEnvelope(
      { Type: 'BidResult', PayloadEncoding: 'json', ...sequenceMetadata(12) },
      payloadJson(result.type, result.payload),
    );

    expect(decodeDataMessage(decodeMessage(legacy), 'toOrchestrator')).toEqual({
      type: 'BidResult',
      seqNum: 12,
      payload: result.payload,
    });
  });

  it('refuses a message of the wrong direction, without a sequence number, or of another encoding', () => {
    const message = cancelExecution('e-1');
    const json = payloadJson(message.type, message.payload);
    const sequenced = decodeMessage(encodeMessage(message.type, json, 'o', sequenceMetadata(1)).data);
    expect(() => decodeDataMessage(sequenced, 'toOrchestrator')).toThrow(
      'unexpected message type CancelExecution',
    );
    const unsequenced = decodeMessage(encodeMessage(message.type, json, 'o').data);
    expect(() => decodeDataMessage(unsequenced, 'toCompute')).toThrow(/without a valid Bacalhau-SeqNum/);
    const proto = encodeEnvelope({ 'Bacalhau-Type': 'X', 'Bacalhau-PayloadEncoding': 'protobuf' }, '{}');
    expect(() => decodeMessage(proto)).toThrow('unsupported encoding: protobuf');
    expect(() => decodeMessage(encodeEnvelope({}, '{}'))).toThrow('message has no Bacalhau-Type');
  });

  it('sends an error as a BacError payload with status and code, and reads it back whole', () => {
    const error = new BacalhauError('store unavailable', {
      code: ErrorCode.DatastoreFailure,
      component: 'NodesManager',
      hint: 'retry later',
      retryable: true,
      details: { node: 'n-1' },
    });
    const encoded = encodeError(error, 'orchestrator-control', { 'Bacalhau-MessageID': 'm-1' });
    const received = decodeMessage(encoded.data);

    expect(received.type).toBe(BacErrorType);
    expect(received.metadata).toMatchObject({
      'Bacalhau-StatusCode': '500',
      'Bacalhau-ErrorCode': 'DatastoreFailure',
      'Bacalhau-MessageID': 'm-1',
    });
    expect(received.payload).toEqual({
      Cause: 'store unavailable',
      Hint: 'retry later',
      Retryable: true,
      FailsExecution: false,
      Component: 'NodesManager',
      HTTPStatusCode: 0,
      Details: { node: 'n-1' },
      Code: 'DatastoreFailure',
    });
    const decoded = decodeError(received);
    expect(decoded).toMatchObject({
      message: 'store unavailable',
      code: ErrorCode.DatastoreFailure,
      component: 'NodesManager',
      hint: 'retry later',
      retryable: true,
      details: { node: 'n-1' },
    });
  });

  it("reads Go's HandshakeRequired error as HandshakeRequired (status 428, retryable)", () => {
    const goPayload = {
      Cause: 'node n-1 not connected - handshake required',
      Hint: '',
      Retryable: true,
      FailsExecution: false,
      Component: 'ConnectionManager',
      HTTPStatusCode: 428,
      Details: null,
      Code: 'HandshakeRequired',
    };
    const data = encodeEnvelope(
      { 'Bacalhau-Type': BacErrorType, 'Bacalhau-ErrorCode': 'HandshakeRequired' },
      goMarshal(goPayload),
    );
    const error = decodeError(decodeMessage(data));
    expect(error).toMatchObject({ code: ErrorCode.HandshakeRequired, retryable: true, httpStatus: 428 });
    expect(handshakeRequiredError('n-1').toJSON()).toMatchObject({
      HTTPStatusCode: 428,
      Code: 'HandshakeRequired',
    });
  });
});
