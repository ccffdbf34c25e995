/**
 * What the orchestrator's end keeps per compute node. It outlives connections and compute incarnations:
 * the outbox and the sequence numbers survive a reconnect, which is what makes replay possible.
 */
import { Deque } from '../../lib/deque.js';
import type { ComputeMessage } from '../messages.js';
import type { NodeSequenceState } from '../types.js';
import type { DeliveryScheduler } from '../delivery.js';
import { Mailbox } from '../delivery.js';
import { dropProcessed, type Inbound, type Queued } from './stream.js';

/** The connection of a Go compute node, which sends no connection ID. */
export const UnnamedConnection = '';

export class NodeLink {
  readonly nodeId: string;
  /** Orchestrator → compute messages the node has not processed yet (sent or waiting for a handshake). */
  readonly outbox = new Deque<Queued>();
  /** Compute → orchestrator messages of the live connection waiting for the handler. */
  readonly inbox: Mailbox<Inbound<ComputeMessage>>;
  lastOrchestratorSeqNum = 0;
  ackedOrchestratorSeqNum = 0;
  lastComputeSeqNum = 0;
  /**
   * The live connection's ID (from its handshake), {@link UnnamedConnection} for a Go node, undefined
   * while the node is not connected. Nothing is published to, or accepted from, a node without one.
   */
  connection: string | undefined;
  everConnected = false;

  constructor(
    nodeId: string,
    scheduler: DeliveryScheduler,
    process: (link: NodeLink, inbound: Inbound<ComputeMessage>) => void | Promise<void>,
    ready: () => boolean,
  ) {
    this.nodeId = nodeId;
    this.inbox = new Mailbox(scheduler, (inbound) => process(this, inbound), ready);
  }

  sequenceState(): NodeSequenceState {
    return {
      lastOrchestratorSeqNum: this.lastOrchestratorSeqNum,
      ackedOrchestratorSeqNum: this.ackedOrchestratorSeqNum,
      lastComputeSeqNum: this.lastComputeSeqNum,
      pending: this.outbox.length,
    };
  }

  /** Whether a request or message carrying `connection` (absent from Go nodes) is of the live connection. */
  isLive(connection: string | undefined): boolean {
    return this.connection !== undefined && (connection === undefined || connection === this.connection);
  }

  /** The node processed everything up to `seqNum` (never beyond what was sent). */
  acknowledge(seqNum: number): void {
    if (seqNum <= this.ackedOrchestratorSeqNum) return;
    this.ackedOrchestratorSeqNum = Math.min(seqNum, this.lastOrchestratorSeqNum);
    dropProcessed(this.outbox, this.ackedOrchestratorSeqNum);
  }

  /**
   * Renumbers what the node has not acknowledged to follow `seqNum`, the last number the node says it
   * processed, which this end never sent: it counts the messages of a previous orchestrator (this one
   * restarted), and the node would otherwise drop ours as already seen.
   */
  rebase(seqNum: number): void {
    const pending = [...this.outbox];
    this.outbox.clear();
    let next = seqNum;
    for (const queued of pending) this.outbox.push({ ...queued, seqNum: ++next });
    this.lastOrchestratorSeqNum = next;
    this.ackedOrchestratorSeqNum = seqNum;
  }

  /** Forgets the live connection; what it had queued for the handler is replayed after the next handshake. */
  drop(): void {
    this.connection = undefined;
    this.inbox.clear();
  }
}
