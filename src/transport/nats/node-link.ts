/**
 * What the orchestrator's end keeps per compute node. It outlives connections and compute incarnations:
 * the outbox and the sequence numbers survive a reconnect, which is what makes replay possible.
 */
import type { ComputeNumbering } from '../compute-numbering.js';
import type { ComputeMessage } from '../messages.js';
import type { NodeSequenceState } from '../types.js';
import type { DeliveryScheduler } from '../delivery.js';
import { Mailbox } from '../delivery.js';
import { SequencedOutbox } from '../sequenced-outbox.js';
import type { Inbound, Queued } from './stream.js';

/** The connection of a Go compute node, which sends no connection ID. */
export const UnnamedConnection = '';

export class NodeLink implements ComputeNumbering {
  readonly nodeId: string;
  /** Orchestrator → compute messages the node has not processed yet (sent or waiting for a handshake). */
  readonly outbox = new SequencedOutbox<Queued>((queued, seqNum) => ({ ...queued, seqNum }));
  /** Compute → orchestrator messages of the live connection waiting for the handler. */
  readonly inbox: Mailbox<Inbound<ComputeMessage>>;
  lastComputeSeqNum = 0;
  startTime: string | undefined;
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
      lastOrchestratorSeqNum: this.outbox.lastSeqNum,
      ackedOrchestratorSeqNum: this.outbox.ackedSeqNum,
      lastComputeSeqNum: this.lastComputeSeqNum,
      pending: this.outbox.length,
    };
  }

  /**
   * Whether a request or message carrying `connection` (absent from Go nodes) is of the live connection.
   * One without is a Go node's only while the live connection is one: where the node named its
   * connection, anything else on its subjects (another peer's, with a sequence number that would make
   * its real messages look old) is not of it.
   */
  isLive(connection: string | undefined): boolean {
    return this.connection !== undefined && (connection ?? UnnamedConnection) === this.connection;
  }

  /** Forgets the live connection; what it had queued for the handler is replayed after the next handshake. */
  drop(): void {
    this.connection = undefined;
    this.inbox.clear();
  }
}
