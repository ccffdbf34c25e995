/**
 * The JSON form of every message payload, exactly as Bacalhau's Go structs marshal it (field order,
 * omitempty, execution states as integers), built on the models' codec. The NATS transport puts these
 * inside Bacalhau's envelope; the in-memory transport uses them in its `wire` copy mode so tests see
 * what a real wire would do to a message.
 */
import { BacalhauError, ErrorCode, decodeStruct, encodeStruct, schemas, struct } from '../models/index.js';
import { MessageType } from './messages.js';
import type { DataPlaneMessage } from './messages.js';

type StructSchema = Parameters<typeof encodeStruct>[1];
type FieldSpec = StructSchema['fields'][number];

const stringKind = { kind: 'string' } as const;
const uintKind = { kind: 'uint' } as const;
const intKind = { kind: 'int' } as const;
const boolKind = { kind: 'bool' } as const;
const eventsKind = { kind: 'array', of: struct(schemas.eventSchema) } as const;

const field = (name: string, kind: FieldSpec['kind'], omitEmpty = false): FieldSpec => ({
  name,
  kind,
  omitEmpty,
});

const events = field('Events', eventsKind);
const executionId = field('ExecutionID', stringKind);
const baseResponse = [executionId, field('JobID', stringKind), field('JobType', stringKind), events];
const nodeInfo = field('NodeInfo', struct(schemas.nodeInfoSchema));
const lastOrchestratorSeqNum = field('LastOrchestratorSeqNum', uintKind);
const lastComputeSeqNum = field('LastComputeSeqNum', uintKind);
const accepted = field('accepted', boolKind);
const reason = field('reason', stringKind, true);

const payloadSchemas: Record<MessageType, StructSchema> = {
  [MessageType.AskForBid]: {
    name: 'AskForBidRequest',
    fields: [events, field('Execution', struct(schemas.executionSchema))],
  },
  [MessageType.BidAccepted]: {
    name: 'BidAcceptedRequest',
    fields: [events, executionId, field('Accepted', boolKind)],
  },
  [MessageType.BidRejected]: { name: 'BidRejectedRequest', fields: [events, executionId] },
  [MessageType.CancelExecution]: { name: 'CancelExecutionRequest', fields: [events, executionId] },
  [MessageType.BidResult]: { name: 'BidResult', fields: [...baseResponse, field('Accepted', boolKind)] },
  [MessageType.RunResult]: {
    name: 'RunResult',
    fields: [
      ...baseResponse,
      field('PublishResult', struct(schemas.specConfigSchema)),
      field('RunCommandResult', struct(schemas.runCommandResultSchema)),
    ],
  },
  [MessageType.ComputeError]: { name: 'ComputeError', fields: baseResponse },
  [MessageType.HandshakeRequest]: {
    name: 'HandshakeRequest',
    fields: [
      nodeInfo,
      field('StartTime', stringKind),
      lastOrchestratorSeqNum,
      field('InstanceID', stringKind, true),
      field('HeartbeatInterval', intKind, true),
    ],
  },
  [MessageType.HandshakeResponse]: {
    name: 'HandshakeResponse',
    fields: [accepted, reason, lastComputeSeqNum, lastOrchestratorSeqNum],
  },
  [MessageType.HeartbeatRequest]: {
    name: 'HeartbeatRequest',
    fields: [
      field('NodeID', stringKind),
      field('AvailableCapacity', struct(schemas.resourcesSchema)),
      field('QueueUsedCapacity', struct(schemas.resourcesSchema)),
      field('RunningExecutions', intKind, true),
      field('EnqueuedExecutions', intKind, true),
      lastOrchestratorSeqNum,
    ],
  },
  [MessageType.HeartbeatResponse]: { name: 'HeartbeatResponse', fields: [lastComputeSeqNum] },
  [MessageType.UpdateNodeInfoRequest]: { name: 'UpdateNodeInfoRequest', fields: [nodeInfo] },
  [MessageType.UpdateNodeInfoResponse]: { name: 'UpdateNodeInfoResponse', fields: [accepted, reason] },
  [MessageType.ShutdownNoticeRequest]: {
    name: 'ShutdownNoticeRequest',
    fields: [field('NodeID', stringKind), field('Reason', stringKind, true), lastOrchestratorSeqNum],
  },
  [MessageType.ShutdownNoticeResponse]: { name: 'ShutdownNoticeResponse', fields: [lastComputeSeqNum] },
};

function schemaOf(type: string): StructSchema {
  const schema = (payloadSchemas as Record<string, StructSchema | undefined>)[type];
  if (schema === undefined) {
    throw new BacalhauError(`unknown message type ${JSON.stringify(type)}`, {
      code: ErrorCode.BadRequest,
      component: 'Transport',
    });
  }
  return schema;
}

/** The payload as Bacalhau's JSON (a plain object ready for JSON.stringify). */
export function encodePayload(type: MessageType, payload: object): Record<string, unknown> {
  return encodeStruct(payload as Record<string, unknown>, schemaOf(type));
}

/**
 * A payload from Bacalhau's JSON. Keys match case-insensitively, unknown keys are ignored (as Go does);
 * a null `Events` becomes `[]` and absent optional strings and integers stay absent.
 * @throws BacalhauError (ValidationError) listing every type mismatch.
 */
export function decodePayload<T>(type: MessageType, raw: unknown): T {
  const schema = schemaOf(type);
  const { value, errors } = decodeStruct<Record<string, unknown>>(raw, schema);
  if (errors.length > 0) {
    throw new BacalhauError(`invalid ${type} payload: ${errors.join('; ')}`, {
      code: ErrorCode.ValidationError,
      component: 'Transport',
    });
  }
  for (const spec of schema.fields) {
    if (spec.kind === eventsKind && value[spec.name] === undefined) value[spec.name] = [];
    const empty = spec.kind === stringKind ? '' : spec.kind === intKind ? 0 : undefined;
    if (spec.omitEmpty === true && empty !== undefined && value[spec.name] === empty) delete value[spec.name];
  }
  return value as T;
}

/** A data-plane message with its payload in wire form. */
export interface EncodedMessage {
  type: string;
  seqNum: number;
  payload: Record<string, unknown>;
}

export function encodeMessage(message: DataPlaneMessage): EncodedMessage {
  return {
    type: message.type,
    seqNum: message.seqNum,
    payload: encodePayload(message.type, message.payload),
  };
}

export function decodeMessage(encoded: EncodedMessage): DataPlaneMessage {
  const type = encoded.type as DataPlaneMessage['type'];
  return { type, seqNum: encoded.seqNum, payload: decodePayload(type, encoded.payload) } as DataPlaneMessage;
}

/** Sends a payload through JSON text and back, as a network would. */
export function roundTripPayload<T extends object>(type: MessageType, payload: T): T {
  return decodePayload<T>(type, JSON.parse(JSON.stringify(encodePayload(type, payload))));
}
