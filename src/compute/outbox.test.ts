import { describe, expect, it } from 'vitest';
import type { ComputeTransport } from '../transport/types.js';
import { OutboxSender } from './outbox.js';
import type { ExecutionStore, OutboxEntry } from './store/types.js';

/** A sender over an outbox held in an array, handing messages to a transport that records them. */
function harness(): { entries: OutboxEntry[]; sent: unknown[]; sender: OutboxSender } {
  const entries: OutboxEntry[] = [];
  const sent: unknown[] = [];
  const store = {
    pendingOutbox: () => [...entries],
    ackOutbox: () => undefined,
  } as unknown as ExecutionStore;
  const transport = {
    send: (message: unknown) => {
      sent.push(message);
      return Promise.resolve();
    },
  } as unknown as ComputeTransport;
  const sender = new OutboxSender(store, transport, (error) => {
    throw error;
  });
  return { entries, sent, sender };
}

function entry(seq: number): OutboxEntry {
  return { seq, message: `m${seq}` } as unknown as OutboxEntry;
}

describe('OutboxSender', () => {
  // a write lands whenever its handler ends: at any point of a drain under way, its very end included
  it.each([...Array(12).keys()])('hands over an entry flushed %i microtasks into a drain', async (delay) => {
    const { entries, sent, sender } = harness();
    entries.push(entry(1));
    const first = sender.flush();
    let later: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < delay; i++) later = later.then(() => undefined);
    await later.then(() => {
      entries.push(entry(2));
      void sender.flush();
    });
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['m1', 'm2']);
  });
});
