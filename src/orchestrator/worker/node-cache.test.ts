import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../store/index.js';
import { makeJob } from '../../store/store.contract.js';
import { node } from '../scheduler/testing.js';
import { NodeCache } from './node-cache.js';

let store: SqliteJobStore;

beforeEach(async () => {
  store = await SqliteJobStore.create({ path: ':memory:' });
});

afterEach(async () => {
  await store.close();
});

const ids = (cache: NodeCache): string[] => cache.nodes().map((n) => n.Info.NodeID);

describe('NodeCache', () => {
  it('starts with the stored nodes and follows every committed change, in node ID order', async () => {
    await store.transaction((tx) => ['n-b', 'n-a'].forEach((id) => tx.putNode(node(id))));
    const cache = await NodeCache.create(store);
    expect(ids(cache)).toEqual(['n-a', 'n-b']);

    await store.putNode(node('n-c', { connection: 'DISCONNECTED' }));
    await store.putNode(node('n-a', { membership: 'REJECTED' }));
    await store.deleteNode('n-b');
    expect(ids(cache)).toEqual(['n-a', 'n-c']);
    expect(cache.nodes().map((n) => `${n.Membership}/${n.ConnectionState.Status}`)).toEqual([
      'REJECTED/CONNECTED',
      'APPROVED/DISCONNECTED',
    ]);
    // The same array until something changes.
    expect(cache.nodes()).toBe(cache.nodes());
    cache.close();
  });

  it('hands out one frozen array until a node changes, so consumers may cache per array', async () => {
    await store.putNode(node('n-a'));
    const cache = await NodeCache.create(store);
    const first = cache.nodes();
    expect(Object.isFrozen(first)).toBe(true);
    // Changes to anything but nodes keep the array.
    await store.createJob(makeJob({ ID: 'j-1' }));
    expect(cache.nodes()).toBe(first);

    await store.putNode(node('n-a', { connection: 'DISCONNECTED' }));
    const second = cache.nodes();
    expect(second).not.toBe(first);
    expect(Object.isFrozen(second)).toBe(true);
    // The old array is never changed in place: whoever cached by it still sees the old node set.
    expect(first.map((n) => n.ConnectionState.Status)).toEqual(['CONNECTED']);
    expect(second.map((n) => n.ConnectionState.Status)).toEqual(['DISCONNECTED']);

    await store.deleteNode('n-a');
    expect(cache.nodes()).not.toBe(second);
    expect(cache.nodes()).toEqual([]);
    cache.close();
  });

  it('applies changes committed while it loads after the loaded list', async () => {
    await store.putNode(node('n-a'));
    const creating = NodeCache.create(store);
    // Committed after the list was read, before it resolved: must not be lost or overwritten.
    await store.putNode(node('n-a', { connection: 'DISCONNECTED' }));
    await store.putNode(node('n-b'));
    const cache = await creating;
    expect(cache.nodes().map((n) => `${n.Info.NodeID} ${n.ConnectionState.Status}`)).toEqual([
      'n-a DISCONNECTED',
      'n-b CONNECTED',
    ]);
    cache.close();
  });

  it('keeps its last view after close', async () => {
    const cache = await NodeCache.create(store);
    cache.close();
    cache.close();
    expect(cache.state).toBe('closed');
    await store.putNode(node('n-a'));
    expect(ids(cache)).toEqual([]);
  });
});
