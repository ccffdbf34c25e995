/**
 * A sender's data-plane messages until the receiver has processed them. Each message gets the next
 * sequence number when it is queued (what Bacalhau's handshakes and heartbeats exchange as
 * `LastOrchestratorSeqNum` and `LastComputeSeqNum`) and stays until an acknowledgement covers its
 * number; its sender's `onProcessed` is told then. What is left is replayed after a reconnect. The
 * orchestrator keeps one per compute node and each compute node one, in both transports.
 */
import { Deque } from '../lib/deque.js';

/** What an outbox holds: a numbered message, and whom to tell once the receiver processed it. */
export interface Numbered {
  readonly seqNum: number;
  readonly onProcessed?: () => void;
}

export class SequencedOutbox<T extends Numbered> implements Iterable<T> {
  readonly #queued = new Deque<T>();
  readonly #renumbered: (item: T, seqNum: number) => T;
  #last = 0;
  #acked = 0;

  /** `renumbered` gives an item under another number (see {@link rebase}). */
  constructor(renumbered: (item: T, seqNum: number) => T) {
    this.#renumbered = renumbered;
  }

  /** The number of the last message queued. */
  get lastSeqNum(): number {
    return this.#last;
  }

  /** Up to which number the receiver has processed the messages. */
  get ackedSeqNum(): number {
    return this.#acked;
  }

  /** Messages not known to be processed. */
  get length(): number {
    return this.#queued.length;
  }

  /** Queues the item `numbered` makes of the next number, and returns it. */
  push(numbered: (seqNum: number) => T): T {
    const item = numbered(++this.#last);
    this.#queued.push(item);
    return item;
  }

  /** The receiver processed everything up to `seqNum` (counted no further than what was queued). */
  acknowledge(seqNum: number): void {
    // what a peer wrote in an acknowledgement's subject: a number that is not one (NaN) would stop
    // every later acknowledgement and the replay after a handshake
    if (!Number.isSafeInteger(seqNum) || seqNum <= this.#acked) return;
    this.#acked = Math.min(seqNum, this.#last);
    while ((this.#queued.peek()?.seqNum ?? Infinity) <= this.#acked) this.#queued.shift()?.onProcessed?.();
  }

  /**
   * Numbers what is queued to follow `seqNum`, as processed up to it: the receiver counts from there
   * (what it processed of an earlier incarnation of this sender), and would drop lower numbers as
   * already seen.
   */
  rebase(seqNum: number): void {
    const pending = [...this.#queued];
    this.#queued.clear();
    this.#last = seqNum;
    this.#acked = seqNum;
    for (const item of pending) this.#queued.push(this.#renumbered(item, ++this.#last));
  }

  /** Forgets every message, telling no sender. */
  clear(): void {
    this.#queued.clear();
  }

  [Symbol.iterator](): Iterator<T> {
    return this.#queued[Symbol.iterator]();
  }
}
