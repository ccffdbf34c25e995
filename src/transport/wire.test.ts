import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../models/index.js';
import {
  askForBid,
  bidAccepted,
  bidRejected,
  bidResult,
  cancelExecution,
  computeError,
  MessageType,
  runResult,
  sequenced,
} from './messages.js';
import type { DataPlaneMessage, Outgoing } from './messages.js';
import { resources, testExecution, testNodeInfo } from './testing/fixtures.js';
import { decodeMessage, decodePayload, encodeMessage, encodePayload, roundTripPayload } from './wire.js';
import type { EncodedMessage } from './wire.js';

const now = new Date('2025-01-01T00:00:00Z');
const execution = testExecution({ id: 'e-1' });

const dataPlane: Outgoing<DataPlaneMessage>[] = [
  askForBid(execution),
  bidAccepted('e-1'),
  bidRejected('e-1'),
  cancelExecution('e-1'),
  bidResult(execution, true),
  runResult(execution, {
    PublishResult: { Type: 'local', Params: { URL: 'file:///results' } },
    RunCommandResult: {
      Stdout: 'out',
      StdoutTruncated: false,
      stderr: 'err',
      StderrTruncated: true,
      ExitCode: 3,
      ErrorMsg: '',
    },
  }),
  computeError(execution, new Error('boom'), { now }),
];

const control: [MessageType, object][] = [
  [
    MessageType.HandshakeRequest,
    { NodeInfo: testNodeInfo('n-1'), StartTime: now.toISOString(), LastOrchestratorSeqNum: 4 },
  ],
  [
    MessageType.HandshakeRequest,
    {
      NodeInfo: testNodeInfo('n-1'),
      StartTime: now.toISOString(),
      LastOrchestratorSeqNum: 0,
      InstanceID: 'b5d1c3b2-0000-4000-8000-000000000001',
      HeartbeatInterval: 5_000_000_000,
    },
  ],
  [
    MessageType.HandshakeResponse,
    { accepted: true, reason: 'node registered', LastComputeSeqNum: 2, LastOrchestratorSeqNum: 4 },
  ],
  [MessageType.HandshakeResponse, { accepted: false, LastComputeSeqNum: 0, LastOrchestratorSeqNum: 0 }],
  [
    MessageType.HeartbeatRequest,
    {
      NodeID: 'n-1',
      AvailableCapacity: resources({ CPU: 1.5 }),
      QueueUsedCapacity: resources(),
      LastOrchestratorSeqNum: 9,
    },
  ],
  [MessageType.HeartbeatResponse, { LastComputeSeqNum: 3 }],
  [MessageType.UpdateNodeInfoRequest, { NodeInfo: testNodeInfo('n-1', { labels: { a: 'b' } }) }],
  [MessageType.UpdateNodeInfoResponse, { accepted: true }],
  [MessageType.ShutdownNoticeRequest, { NodeID: 'n-1', Reason: 'bye', LastOrchestratorSeqNum: 1 }],
  [MessageType.ShutdownNoticeResponse, { LastComputeSeqNum: 1 }],
];

describe('wire form', () => {
  it.each(dataPlane.map((m) => [m.type, m] as const))('round-trips %s unchanged', (_type, message) => {
    expect(roundTripPayload(message.type, message.payload)).toEqual(message.payload);
    const full = sequenced(message, 5);
    expect(decodeMessage(JSON.parse(JSON.stringify(encodeMessage(full))) as EncodedMessage)).toEqual(full);
  });

  it.each(control.map(([type, payload], i) => [`${type} #${i}`, type, payload] as const))(
    'round-trips %s unchanged',
    (_name, type, payload) => {
      expect(roundTripPayload(type, payload)).toEqual(payload);
    },
  );

  it("writes Bacalhau's JSON: field order, lower-case keys, omitempty, integer execution states", () => {
    expect(
      JSON.stringify(
        encodePayload(MessageType.HandshakeResponse, {
          accepted: true,
          LastComputeSeqNum: 2,
          LastOrchestratorSeqNum: 4,
        }),
      ),
    ).toBe('{"accepted":true,"LastComputeSeqNum":2,"LastOrchestratorSeqNum":4}');
    const ask = encodePayload(MessageType.AskForBid, askForBid(execution).payload);
    expect(Object.keys(ask)).toEqual(['Events', 'Execution']);
    const wireExecution = ask['Execution'] as Record<string, Record<string, unknown>>;
    expect(wireExecution['ComputeState']).toEqual({ StateType: 1 });
    expect(wireExecution['DesiredState']).toEqual({ StateType: 0 });
    expect(Object.keys(encodePayload(MessageType.BidResult, bidResult(execution, true).payload))).toEqual([
      'ExecutionID',
      'JobID',
      'JobType',
      'Events',
      'Accepted',
    ]);
    // Go's nodes send no InstanceID, and a handshake without one is written without the key
    expect(
      Object.keys(
        encodePayload(MessageType.HandshakeRequest, {
          NodeInfo: testNodeInfo('n-1'),
          StartTime: now.toISOString(),
          LastOrchestratorSeqNum: 0,
        }),
      ),
    ).toEqual(['NodeInfo', 'StartTime', 'LastOrchestratorSeqNum']);
    expect(
      encodePayload(MessageType.ShutdownNoticeRequest, { NodeID: 'n-1', LastOrchestratorSeqNum: 0 }),
    ).toEqual({
      NodeID: 'n-1',
      LastOrchestratorSeqNum: 0,
    });
  });

  it('reads what Go writes: null events, missing fields, keys in any case', () => {
    expect(
      decodePayload(MessageType.BidResult, {
        ExecutionID: 'e-1',
        jobid: 'j-1',
        JobType: 'batch',
        Events: null,
        Accepted: true,
        Unknown: 1,
      }),
    ).toEqual({ ExecutionID: 'e-1', JobID: 'j-1', JobType: 'batch', Events: [], Accepted: true });
    expect(
      decodePayload(MessageType.HeartbeatRequest, {
        NodeID: 'n-1',
        AvailableCapacity: { CPU: 2, Memory: 1073741824 },
        QueueUsedCapacity: {},
        LastOrchestratorSeqNum: 7,
      }),
    ).toEqual({
      NodeID: 'n-1',
      AvailableCapacity: { CPU: 2, Memory: 1073741824, Disk: 0, GPU: 0 },
      QueueUsedCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
      LastOrchestratorSeqNum: 7,
    });
    const ask = decodePayload<{ Execution: { ComputeState: { StateType: string } } }>(MessageType.AskForBid, {
      Events: null,
      Execution: { ID: 'e-1', ComputeState: { StateType: 3 } },
    });
    expect(ask.Execution.ComputeState.StateType).toBe('AskForBidAccepted');
  });

  it('reports every type mismatch, and unknown message types', () => {
    const decode = () =>
      decodePayload(MessageType.HeartbeatRequest, { NodeID: 5, LastOrchestratorSeqNum: 'x' });
    expect(decode).toThrow(/NodeID.*LastOrchestratorSeqNum/);
    expect(decode).toThrow(expect.objectContaining({ code: ErrorCode.ValidationError }));
    expect(() => encodePayload('nope' as MessageType, {})).toThrow(
      expect.objectContaining({ code: ErrorCode.BadRequest }),
    );
  });
});
