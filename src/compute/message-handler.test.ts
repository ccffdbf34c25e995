import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bidAccepted, cancelExecution } from '../transport/messages.js';
import { testExecution } from '../transport/testing/index.js';
import { handleOrchestratorMessage } from './message-handler.js';
import { messageForUpsert } from './outbox.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';

/** As the transport delivers it: with its place in the node's stream. */
const delivered = <M extends object>(message: M) => ({ ...message, seqNum: 1 });

describe('handleOrchestratorMessage', () => {
  let store: SqliteExecutionStore;

  beforeEach(() => {
    store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert });
  });
  afterEach(() => store.close());

  it('hands a BidAccepted for an execution the node has no record of to onUnknown, and writes nothing', () => {
    const unknown: string[] = [];
    store.create(testExecution({ id: 'e-known' }));
    handleOrchestratorMessage(store, delivered(bidAccepted('e-forgotten')), (id) => unknown.push(id));
    handleOrchestratorMessage(store, delivered(bidAccepted('e-known')), (id) => unknown.push(id));
    // a cancellation of an unknown execution has nothing left to stop
    handleOrchestratorMessage(store, delivered(cancelExecution('e-gone')), (id) => unknown.push(id));
    expect(unknown).toEqual(['e-forgotten']);
    expect(store.find('e-known')?.ComputeState.StateType).toBe('BidAccepted');
    expect(store.find('e-forgotten')).toBeUndefined();
  });
});
