/**
 * The messages that cross between the orchestrator and compute nodes. This file is where the two meet:
 * neither imports the other, both import this (design: "they meet only in transport/messages.ts").
 *
 * Names, `type` strings and payload fields are those of Bacalhau's NCL protocol v1
 * (`pkg/models/messages`): a payload travels unchanged as the payload of Bacalhau's envelope, `type`
 * becomes the envelope's `Bacalhau-Type` metadata and `seqNum` its `Bacalhau-SeqNum`. Payload fields keep
 * Bacalhau's JSON spelling (PascalCase, and the lower-case `accepted` / `reason` of some responses).
 *
 * Two planes:
 * - data plane: ordered, sequence-numbered streams per node, one in each direction
 *   (orchestrator → compute: {@link OrchestratorMessage}; compute → orchestrator: {@link ComputeMessage});
 * - control plane: request/response calls made by the compute node ({@link ControlPlaneRequest}).
 */
import { BacalhauError, EventDetail, errorMessage, goTime } from '../models/index.js';
import type { Event, Execution, NodeInfo, Resources, RunCommandResult, SpecConfig } from '../models/index.js';

/** The `Bacalhau-Type` of every message, spelled as Bacalhau's `messages` constants. */
export const MessageType = {
  AskForBid: 'AskForBid',
  BidAccepted: 'BidAccepted',
  BidRejected: 'BidRejected',
  CancelExecution: 'CancelExecution',

  BidResult: 'BidResult',
  RunResult: 'RunResult',
  ComputeError: 'ComputeError',

  HandshakeRequest: 'transport.HandshakeRequest',
  HeartbeatRequest: 'transport.HeartbeatRequest',
  UpdateNodeInfoRequest: 'transport.UpdateNodeInfoRequest',
  ShutdownNoticeRequest: 'transport.ShutdownNoticeRequest',

  HandshakeResponse: 'transport.HandshakeResponse',
  HeartbeatResponse: 'transport.HeartbeatResponse',
  UpdateNodeInfoResponse: 'transport.UpdateNodeInfoResponse',
  ShutdownNoticeResponse: 'transport.ShutdownNoticeResponse',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Event topics the compute node uses (Bacalhau `pkg/compute/events.go`). */
export const ComputeEventTopic = {
  Execution: 'Execution',
  ExecutionScanning: 'Exec Scanning',
  ExecutionDownloading: 'Downloading Inputs',
  ExecutionPreparing: 'Preparing Environment',
  ExecutionRunning: 'Running Execution',
  ExecutionPublishing: 'Publishing Results',
  Restart: 'Restart',
} as const;

/**
 * The event of an execution a compute node failed because it was shut down (not killed) while the
 * execution was under way: the job did nothing wrong there, and an orchestrator of this project does not
 * hold it against the node when it places the job again (Go's node says `Failing due to node restart`
 * when it starts again, and that counts).
 */
export const NodeShutDownFailEvent = 'Failing because its node shut down';

// ---------------------------------------------------------------------------------------------------
// Data-plane payloads (`messages.BaseRequest`, `BaseResponse` and the structs that embed them)
// ---------------------------------------------------------------------------------------------------

/** What every orchestrator → compute payload starts with: the events explaining the request. */
export interface BaseRequest {
  Events: Event[];
}

/** Asks a node to bid on an execution (desired state Pending) or to run it directly (desired Running). */
export interface AskForBidRequest extends BaseRequest {
  /** The execution, with its `Job`. */
  Execution: Execution;
}

/** The orchestrator approved the node's bid: the node may run the execution. */
export interface BidAcceptedRequest extends BaseRequest {
  ExecutionID: string;
  Accepted: boolean;
}

/** The orchestrator will not use the node's bid. */
export interface BidRejectedRequest extends BaseRequest {
  ExecutionID: string;
}

export interface CancelExecutionRequest extends BaseRequest {
  ExecutionID: string;
}

/** What every compute → orchestrator payload starts with. */
export interface BaseResponse {
  ExecutionID: string;
  JobID: string;
  JobType: string;
  Events: Event[];
}

/** The node's answer to AskForBid when the execution waits for approval, or when it refuses. */
export interface BidResult extends BaseResponse {
  Accepted: boolean;
}

/** The execution completed; results were published as `PublishResult`. */
export interface RunResult extends BaseResponse {
  PublishResult?: SpecConfig;
  RunCommandResult?: RunCommandResult;
}

/**
 * The execution failed. As in Bacalhau, the error travels as the first event: its message is the error
 * message and its details carry `IsError`, `Hint`, `Retryable`, `FailsExecution` and `ErrorCode`
 * (`<component>:<code>`). Build one with {@link computeError}, read it with {@link computeErrorInfo}.
 */
export type ComputeError = BaseResponse;

// ---------------------------------------------------------------------------------------------------
// Data-plane messages
// ---------------------------------------------------------------------------------------------------

/**
 * A data-plane message: `seqNum` is assigned by the sending transport, starts at 1 and grows by one per
 * message on each (node, direction) stream. Receivers use it to drop replays.
 */
export interface Message<T extends MessageType, P> {
  readonly type: T;
  readonly seqNum: number;
  readonly payload: P;
}

export type AskForBidMessage = Message<'AskForBid', AskForBidRequest>;
export type BidAcceptedMessage = Message<'BidAccepted', BidAcceptedRequest>;
export type BidRejectedMessage = Message<'BidRejected', BidRejectedRequest>;
export type CancelExecutionMessage = Message<'CancelExecution', CancelExecutionRequest>;
export type BidResultMessage = Message<'BidResult', BidResult>;
export type RunResultMessage = Message<'RunResult', RunResult>;
export type ComputeErrorMessage = Message<'ComputeError', ComputeError>;

/** Orchestrator → compute (`bacalhau.global.compute.<nodeID>.in.msgs`). */
export type OrchestratorMessage =
  AskForBidMessage | BidAcceptedMessage | BidRejectedMessage | CancelExecutionMessage;

/** Compute → orchestrator (`bacalhau.global.compute.<nodeID>.out.msgs`). */
export type ComputeMessage = BidResultMessage | RunResultMessage | ComputeErrorMessage;

export type DataPlaneMessage = OrchestratorMessage | ComputeMessage;

/** A message as handed to `send`: the transport assigns its sequence number. */
export type Outgoing<M extends DataPlaneMessage> = M extends DataPlaneMessage
  ? { readonly type: M['type']; readonly payload: M['payload'] }
  : never;

const orchestratorTypes: ReadonlySet<string> = new Set([
  MessageType.AskForBid,
  MessageType.BidAccepted,
  MessageType.BidRejected,
  MessageType.CancelExecution,
]);
const computeTypes: ReadonlySet<string> = new Set([
  MessageType.BidResult,
  MessageType.RunResult,
  MessageType.ComputeError,
]);

export function isOrchestratorMessageType(type: string): type is OrchestratorMessage['type'] {
  return orchestratorTypes.has(type);
}

export function isComputeMessageType(type: string): type is ComputeMessage['type'] {
  return computeTypes.has(type);
}

/** Attaches the sequence number the transport assigned. */
export function sequenced<M extends DataPlaneMessage>(message: Outgoing<M>, seqNum: number): M {
  return { type: message.type, seqNum, payload: message.payload } as M;
}

// ---------------------------------------------------------------------------------------------------
// Control-plane payloads (`messages/control_plane.go`)
// ---------------------------------------------------------------------------------------------------

/** Sent by a compute node to (re)connect. */
export interface HandshakeRequest {
  NodeInfo: NodeInfo;
  /** When the compute node process started, RFC 3339. */
  StartTime: string;
  /** The last orchestrator → compute sequence number this node has processed. */
  LastOrchestratorSeqNum: number;
  /**
   * bacalhau-ts only (Go's nodes leave it out and Go's orchestrator ignores it): the InstanceID of the
   * node's data dir (`system_metadata.yaml`). One process at a time holds a data dir, so a handshake
   * with the connected node's instance is that node restarted, and one with another instance is a
   * second node under the same name.
   */
  InstanceID?: string;
  /**
   * bacalhau-ts only: how often the node heartbeats (its `Compute.Heartbeat.Interval`), in
   * nanoseconds as Go writes a `time.Duration`, so the orchestrator does not take a node that
   * heartbeats less often than its DisconnectTimeout for lost between two heartbeats.
   */
  HeartbeatInterval?: number;
}

/** What a compute transport is told about the process it speaks for; both go into every handshake. */
export interface HandshakeIdentityOptions {
  /** Sent as the handshake's StartTime; default: when the transport was created. */
  startTime?: Date;
  /** Sent as the handshake's InstanceID (the data dir's); default: none, as Go's nodes. */
  instanceID?: string;
  /** Sent as the handshake's HeartbeatInterval; default: none, as Go's nodes. */
  heartbeatIntervalMs?: number;
}

/** The fields of a handshake that describe the process knocking, fixed for the transport's life. */
export type HandshakeIdentity = Pick<HandshakeRequest, 'StartTime' | 'InstanceID' | 'HeartbeatInterval'>;

/** A transport's identity fields from its options (those not given left out). */
export function handshakeIdentity(options: HandshakeIdentityOptions): HandshakeIdentity {
  const identity: HandshakeIdentity = { StartTime: goTime((options.startTime ?? new Date()).getTime()) };
  if (options.instanceID !== undefined) identity.InstanceID = options.instanceID;
  if (options.heartbeatIntervalMs !== undefined)
    identity.HeartbeatInterval = options.heartbeatIntervalMs * 1e6;
  return identity;
}

/** Bacalhau's reason for refusing the handshake of a node an operator rejected. */
export const NodeRejectedReason = 'node has been rejected';

export interface HandshakeResponse {
  accepted: boolean;
  /** Why not, when refused; "node registered" / "node reconnected" in Bacalhau when accepted. */
  reason?: string;
  /** The last compute → orchestrator sequence number the orchestrator has processed from this node. */
  LastComputeSeqNum: number;
  /**
   * Where the orchestrator → compute stream resumes: messages with a greater sequence number follow.
   * The compute node adopts it as its own last processed number (Go field `StartingOrchestratorSeqNum`).
   */
  LastOrchestratorSeqNum: number;
}

export interface HeartbeatRequest {
  NodeID: string;
  AvailableCapacity: Resources;
  QueueUsedCapacity: Resources;
  /**
   * bacalhau-ts only (Go's nodes report these in node info updates, which skip changes to them): the
   * executions the node runs and holds queued, so the orchestrator's node list shows current counts.
   */
  RunningExecutions?: number;
  EnqueuedExecutions?: number;
  /** The last orchestrator → compute sequence number this node has processed (an acknowledgement). */
  LastOrchestratorSeqNum: number;
}

export interface HeartbeatResponse {
  /** The last compute → orchestrator sequence number the orchestrator has processed (an acknowledgement). */
  LastComputeSeqNum: number;
}

export interface UpdateNodeInfoRequest {
  NodeInfo: NodeInfo;
}

export interface UpdateNodeInfoResponse {
  accepted: boolean;
  reason?: string;
}

/** Sent by a compute node that is shutting down gracefully. */
export interface ShutdownNoticeRequest {
  NodeID: string;
  Reason?: string;
  LastOrchestratorSeqNum: number;
}

export interface ShutdownNoticeResponse {
  LastComputeSeqNum: number;
}

/** Control-plane requests (`bacalhau.global.compute.<nodeID>.out.ctrl`), compute → orchestrator. */
export type ControlPlaneRequest =
  | { readonly type: 'transport.HandshakeRequest'; readonly payload: HandshakeRequest }
  | { readonly type: 'transport.HeartbeatRequest'; readonly payload: HeartbeatRequest }
  | { readonly type: 'transport.UpdateNodeInfoRequest'; readonly payload: UpdateNodeInfoRequest }
  | { readonly type: 'transport.ShutdownNoticeRequest'; readonly payload: ShutdownNoticeRequest };

/** The replies to {@link ControlPlaneRequest}, in the same order. */
export type ControlPlaneResponse =
  | { readonly type: 'transport.HandshakeResponse'; readonly payload: HandshakeResponse }
  | { readonly type: 'transport.HeartbeatResponse'; readonly payload: HeartbeatResponse }
  | { readonly type: 'transport.UpdateNodeInfoResponse'; readonly payload: UpdateNodeInfoResponse }
  | { readonly type: 'transport.ShutdownNoticeResponse'; readonly payload: ShutdownNoticeResponse };

// ---------------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------------

export function askForBid(execution: Execution, events: Event[] = []): Outgoing<AskForBidMessage> {
  return { type: MessageType.AskForBid, payload: { Events: events, Execution: execution } };
}

export function bidAccepted(executionId: string, events: Event[] = []): Outgoing<BidAcceptedMessage> {
  return {
    type: MessageType.BidAccepted,
    payload: { Events: events, ExecutionID: executionId, Accepted: true },
  };
}

export function bidRejected(executionId: string, events: Event[] = []): Outgoing<BidRejectedMessage> {
  return { type: MessageType.BidRejected, payload: { Events: events, ExecutionID: executionId } };
}

export function cancelExecution(executionId: string, events: Event[] = []): Outgoing<CancelExecutionMessage> {
  return { type: MessageType.CancelExecution, payload: { Events: events, ExecutionID: executionId } };
}

/** The fields every compute → orchestrator payload takes from the execution it is about. */
export function baseResponse(execution: Execution, events: Event[] = []): BaseResponse {
  return {
    ExecutionID: execution.ID,
    JobID: execution.JobID,
    JobType: execution.Job?.Type ?? '',
    Events: events,
  };
}

export function bidResult(
  execution: Execution,
  accepted: boolean,
  events: Event[] = [],
): Outgoing<BidResultMessage> {
  return { type: MessageType.BidResult, payload: { ...baseResponse(execution, events), Accepted: accepted } };
}

export function runResult(
  execution: Execution,
  result: { PublishResult?: SpecConfig; RunCommandResult?: RunCommandResult },
  events: Event[] = [],
): Outgoing<RunResultMessage> {
  const payload: RunResult = baseResponse(execution, events);
  if (result.PublishResult !== undefined) payload.PublishResult = result.PublishResult;
  if (result.RunCommandResult !== undefined) payload.RunCommandResult = result.RunCommandResult;
  return { type: MessageType.RunResult, payload };
}

/**
 * A ComputeError for `execution`: the error becomes the first event ({@link eventFromError}), followed
 * by any other events.
 */
export function computeError(
  execution: Execution,
  error: unknown,
  options: { topic?: string; now?: Date; events?: Event[] } = {},
): Outgoing<ComputeErrorMessage> {
  const event = eventFromError(options.topic ?? ComputeEventTopic.Execution, error, options.now);
  return {
    type: MessageType.ComputeError,
    payload: baseResponse(execution, [event, ...(options.events ?? [])]),
  };
}

// ---------------------------------------------------------------------------------------------------
// Events and errors
// ---------------------------------------------------------------------------------------------------

export function newEvent(
  topic: string,
  message: string,
  options: { now?: Date; details?: Record<string, string> } = {},
): Event {
  const event: Event = {
    Message: message,
    Topic: topic,
    // Go's time.Time JSON: trailing zeros of the fraction dropped, as the orchestrator's own events
    Timestamp: goTime((options.now ?? new Date()).getTime()),
  };
  if (options.details !== undefined && Object.keys(options.details).length > 0) {
    event.Details = { ...options.details };
  }
  return event;
}

/**
 * Bacalhau's `models.EventFromError`: the error's message, `IsError: "true"`, and for a BacalhauError
 * its details, hint, retryable and fails-execution flags (only when set) and `ErrorCode`
 * `<component>:<code>`.
 */
export function eventFromError(topic: string, error: unknown, now?: Date): Event {
  const details: Record<string, string> = {};
  if (error instanceof BacalhauError) {
    Object.assign(details, error.details);
    if (error.hint !== '') details[EventDetail.Hint] = error.hint;
    if (error.retryable) details[EventDetail.Retryable] = 'true';
    if (error.failsExecution) details[EventDetail.FailsExecution] = 'true';
    details[EventDetail.ErrorCode] = `${error.component}:${error.code}`;
  }
  details[EventDetail.IsError] = 'true';
  return newEvent(topic, errorMessage(error), { ...(now === undefined ? {} : { now }), details });
}

/** What a ComputeError says about the failure, read back from its events. */
export interface ComputeErrorInfo {
  message: string;
  /** Bacalhau error code, '' when the node did not send one. */
  code: string;
  component: string;
  hint: string;
  retryable: boolean;
  failsExecution: boolean;
  /** Every detail of the error event, including the keys above. */
  details: Record<string, string>;
}

/** Reads the error of a ComputeError: its first event flagged `IsError`, else its first event. */
export function computeErrorInfo(payload: BaseResponse): ComputeErrorInfo {
  const event = payload.Events.find((e) => e.Details?.[EventDetail.IsError] === 'true') ?? payload.Events[0];
  const details = { ...event?.Details };
  const errorCode = details[EventDetail.ErrorCode] ?? '';
  const colon = errorCode.lastIndexOf(':');
  return {
    message: event?.Message ?? '',
    code: colon < 0 ? errorCode : errorCode.slice(colon + 1),
    component: colon < 0 ? '' : errorCode.slice(0, colon),
    hint: details[EventDetail.Hint] ?? '',
    retryable: details[EventDetail.Retryable] === 'true',
    failsExecution: details[EventDetail.FailsExecution] === 'true',
    details,
  };
}
