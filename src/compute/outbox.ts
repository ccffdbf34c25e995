/**
 * What the compute node tells the orchestrator, and how it gets there (Go's `NCLMessageCreator` and
 * the checkpointed NCL dispatcher). The message of a state change is committed with the change itself
 * (the store's outbox), then handed to the transport in commit order, and acknowledged in the store
 * once the orchestrator processed it (as Go checkpoints at the last acknowledged message): a restarted
 * node hands over again whatever the orchestrator had not processed, also what its transport had
 * queued when it stopped (the orchestrator away, or stopping itself). The orchestrator's handlers are
 * idempotent, so a message handed over twice around a crash changes nothing twice.
 */
import { baseResponse, bidResult, MessageType, runResult } from '../transport/messages.js';
import type { ComputeMessage, Outgoing } from '../transport/messages.js';
import type { ComputeTransport } from '../transport/types.js';
import type { ExecutionStore, ExecutionUpsert } from './store/types.js';

/** The message a committed state change owes the orchestrator (Go's NCL message creator). */
export function messageForUpsert(upsert: ExecutionUpsert): Outgoing<ComputeMessage> | undefined {
  const { current, previous } = upsert;
  const state = current.ComputeState.StateType;
  if (previous?.ComputeState.StateType === state) return undefined;
  const events = [...upsert.events];
  if (state === 'AskForBidAccepted' || state === 'AskForBidRejected') {
    return bidResult(current, state === 'AskForBidAccepted', events);
  }
  if (state === 'Completed') {
    return runResult(
      current,
      {
        ...(current.PublishedResult === undefined ? {} : { PublishResult: current.PublishedResult }),
        ...(current.RunOutput === undefined ? {} : { RunCommandResult: current.RunOutput }),
      },
      events,
    );
  }
  // The writer of a failure puts the error first in its events (eventFromError), as Go does.
  if (state === 'Failed') return { type: MessageType.ComputeError, payload: baseResponse(current, events) };
  return undefined;
}

/**
 * Hands the store's outbox to the transport, one entry at a time in commit order. `flush` may be called
 * any number of times (after each write, at start-up); calls coalesce into one drain loop.
 */
export class OutboxSender {
  readonly #store: ExecutionStore;
  readonly #transport: ComputeTransport;
  readonly #onError: (error: unknown) => void;
  #draining: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  /** The last outbox entry this process handed to the transport: later drains skip up to it. */
  #handedOver = 0;

  constructor(store: ExecutionStore, transport: ComputeTransport, onError: (error: unknown) => void) {
    this.#store = store;
    this.#transport = transport;
    this.#onError = onError;
  }

  flush(): Promise<void> {
    if (this.#draining !== undefined) {
      this.#again = true;
      return this.#draining;
    }
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      // A flush made after the loop's last look at #again, before this ran, found the drain still
      // under way and left its entry to it: nothing else would hand it over until the next write.
      if (this.#again && !this.#stopped) void this.flush();
    });
    return this.#draining;
  }

  /** Stops handing over; what is left stays in the store for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#draining;
  }

  async #drain(): Promise<void> {
    do {
      this.#again = false;
      for (const entry of this.#store.pendingOutbox()) {
        if (this.#stopped) return;
        if (entry.seq <= this.#handedOver) continue; // sent, waiting for the orchestrator
        try {
          await this.#transport.send(entry.message, {
            onProcessed: () => this.#store.ackOutbox(entry.seq),
          });
        } catch (err) {
          // Only a stopped transport refuses to queue: the entry stays for the next start.
          this.#onError(err);
          return;
        }
        this.#handedOver = entry.seq;
      }
    } while (this.#again && !this.#stopped);
  }
}
