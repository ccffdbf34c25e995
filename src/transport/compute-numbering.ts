/**
 * When the orchestrator's end forgets how far it processed a compute node's messages.
 *
 * The orchestrator skips a compute → orchestrator message numbered at or below the last one it
 * processed of that node: a replay after a reconnect. That holds while the node keeps one numbering.
 * A bacalhau-ts node does: a new process continues where the handshake response says the
 * orchestrator's knowledge ends. A Go compute node does not: it numbers its messages by its own event
 * store and, after every handshake, sends again what that store holds (its data plane starts at the
 * store's trim horizon whatever the response says). One that comes back under the same name with an
 * empty store (say, in a container without a persistent data dir) numbers from 1 again, and every
 * message it sends would be taken for one already processed.
 *
 * Left: a Go node's messages carry no connection ID, so one of the replaced process still in flight
 * when the new one has handshaken counts as the new one's, and its number becomes the mark again.
 */
import type { HandshakeRequest } from './messages.js';
import type { NodeSequenceState } from './types.js';

/**
 * Whether an accepted handshake starts the node's numbering over: it sends no `InstanceID` (Go's nodes
 * do not) and comes from another process than the node's previous accepted handshake (another
 * `StartTime`). Go's orchestrator skips nothing by number; the messages such a node sends again (from
 * a persistent store) are reports the orchestrator ignores once they no longer apply.
 *
 * `previousStartTime` is the StartTime of the node's previous accepted handshake, undefined if none.
 */
export function startsComputeNumberingOver(
  previousStartTime: string | undefined,
  request: HandshakeRequest,
): boolean {
  return (
    request.InstanceID === undefined &&
    previousStartTime !== undefined &&
    request.StartTime !== '' &&
    request.StartTime !== previousStartTime
  );
}

/** What the orchestrator's end keeps of a node for this, on either transport's per-node link. */
export interface ComputeNumbering {
  /** The last compute → orchestrator message processed of the node. */
  lastComputeSeqNum: number;
  /** The StartTime of the node's last accepted handshake: which process of the node numbers its messages. */
  startTime: string | undefined;
}

/**
 * Takes in an accepted handshake, once the node's messages still being handled are done: the count
 * starts over if the handshake says so, and its process becomes the one numbering the messages.
 */
export function acceptHandshake(numbering: ComputeNumbering, request: HandshakeRequest): void {
  if (startsComputeNumberingOver(numbering.startTime, request)) numbering.lastComputeSeqNum = 0;
  numbering.startTime = request.StartTime;
}

/**
 * The node's sequence state as a handshake's handler (the node manager, which records the counts) is
 * to see it: with the count the response will give, 0 when the handshake starts the numbering over.
 */
export function handshakeSequence(
  state: NodeSequenceState,
  previousStartTime: string | undefined,
  request: HandshakeRequest,
): NodeSequenceState {
  return startsComputeNumberingOver(previousStartTime, request) ? { ...state, lastComputeSeqNum: 0 } : state;
}
