import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { zeroResources } from '../models/index.js';
import { handshakeRequiredError } from '../transport/errors.js';
import { InMemoryTransportHub } from '../transport/in-memory/index.js';
import { testNodeInfo } from '../transport/testing/index.js';
import type { ControlPlaneHandler, HandshakeDecision } from '../transport/types.js';
import { ConnectionKeeper } from './connection.js';

describe('ConnectionKeeper', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A keeper for node n-1 against a control plane answering handshakes with `decide`. */
  async function keeper(
    decide: () => HandshakeDecision,
    heartbeat: () => void = () => undefined,
    updateNodeInfo: () => { accepted: boolean } = () => ({ accepted: true }),
  ) {
    const clock = new ManualClock();
    const hub = await InMemoryTransportHub.create();
    cleanups.push(() => hub.stop());
    let handshakes = 0;
    const control: ControlPlaneHandler = {
      handshake: () => {
        handshakes++;
        return decide();
      },
      heartbeat,
      updateNodeInfo,
      shutdownNotice: () => undefined,
    };
    hub.orchestrator.serveControlPlane(control);
    const errors: unknown[] = [];
    const retries: number[] = [];
    let infoVersion = 0;
    const kept = new ConnectionKeeper({
      transport: await hub.createComputeTransport({ nodeId: 'n-1' }),
      clock,
      nodeInfo: () => testNodeInfo('n-1', { labels: { changed: String(infoVersion) } }),
      capacity: () => ({ AvailableCapacity: zeroResources(), QueueUsedCapacity: zeroResources() }),
      heartbeatIntervalMs: 5000,
      infoUpdateIntervalMs: 60_000,
      onError: (error) => errors.push(error),
      onRetry: (_error, retryInMs) => retries.push(retryInMs),
    });
    cleanups.push(() => kept.stop());
    return {
      clock,
      kept,
      errors,
      retries,
      handshakes: () => handshakes,
      changeInfo: () => void infoVersion++,
    };
  }

  it('retries a refused handshake up to once a minute: the node waits for an operator', async () => {
    const k = await keeper(() => ({ accepted: false, reason: 'node has been rejected' }));
    await k.kept.start();
    await k.clock.advanceAsync(10 * 60_000);
    // 1, 2, 4, 8, 16, 32 s, then a minute at most (each shortened by up to a quarter)
    expect(k.handshakes()).toBeGreaterThanOrEqual(10);
    expect(k.handshakes()).toBeLessThanOrEqual(20);
    expect(Math.max(...k.retries)).toBeGreaterThan(45_000);
  });

  it('keeps retrying every few seconds while the orchestrator cannot be reached', async () => {
    let reachable = false;
    const k = await keeper(() => {
      if (!reachable) throw new Error('orchestrator away');
      return { accepted: true };
    });
    await k.kept.start();
    await k.clock.advanceAsync(60_000);
    expect(Math.max(...k.retries)).toBeLessThanOrEqual(5000);
    reachable = true;
    await k.clock.advanceAsync(5000);
    expect(k.errors).toEqual([]);
  });

  it('takes HandshakeRequired on a heartbeat as routine: it reconnects without logging an error', async () => {
    let required = false;
    const k = await keeper(
      () => ({ accepted: true }),
      () => {
        if (required) throw handshakeRequiredError('n-1');
      },
    );
    await k.kept.start();
    expect(k.handshakes()).toBe(1);
    required = true;
    await k.clock.advanceAsync(5000);
    required = false;
    await k.clock.advanceAsync(5000);
    expect(k.handshakes()).toBe(2);
    expect(k.errors).toEqual([]);
  });

  it('takes HandshakeRequired on a node info update as routine too: no error line', async () => {
    const k = await keeper(
      () => ({ accepted: true }),
      () => undefined,
      () => {
        throw handshakeRequiredError('n-1');
      },
    );
    await k.kept.start();
    k.changeInfo();
    await k.clock.advanceAsync(60_000);
    expect(k.errors).toEqual([]);
  });
});
