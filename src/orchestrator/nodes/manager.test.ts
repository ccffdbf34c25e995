import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { BacalhauError, type Evaluation, type NodeState } from '../../models/index.js';
import { SqliteJobStore } from '../../store/sqlite/sqlite-store.js';
import { makeExecution, makeJob, makeNode } from '../../store/store.contract.js';
import type { JobStore, StoreChange } from '../../store/types.js';
import type { ControlContext } from '../../transport/types.js';
import { isHandshakeRequired } from '../../transport/errors.js';
import { FakeComputeNode, testNodeInfo } from '../../transport/testing/index.js';
import { NodeManager, type NodeConnectionChange } from './manager.js';
import { NodeDeletedMessage, NodeReplacedMessage } from './abandoned-work.js';
import { NodeManagerDefaults, compileNodeManagerOptions, healthCheckInterval } from './options.js';
import { selfNodeInfo, withHarness, type Harness } from './testing.js';
import { goTime } from '../../models/go-time.js';

const start = Date.UTC(2024, 0, 1);

function context(nodeId: string): ControlContext {
  return {
    nodeId,
    signal: new AbortController().signal,
    sequence: { lastOrchestratorSeqNum: 0, ackedOrchestratorSeqNum: 0, lastComputeSeqNum: 0, pending: 0 },
  };
}

/** A heartbeat from `nodeId` with testNodeInfo's capacity, its available CPU `cpu` when given. */
function beat(h: Harness, nodeId: string, cpu?: number): void {
  const compute = testNodeInfo(nodeId).ComputeNodeInfo;
  const available = compute.AvailableCapacity;
  h.manager.heartbeat(
    {
      NodeID: nodeId,
      AvailableCapacity: cpu === undefined ? available : { ...available, CPU: cpu },
      QueueUsedCapacity: compute.QueueCapacity,
      LastOrchestratorSeqNum: 0,
    },
    context(nodeId),
  );
}

async function caught(promise: Promise<unknown>): Promise<BacalhauError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof BacalhauError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

async function evaluations(store: JobStore, trigger?: string): Promise<Evaluation[]> {
  const all = await store.listEvaluations();
  return trigger === undefined ? all : all.filter((e) => e.TriggeredBy === trigger);
}

/** A job with an in-progress execution on `nodeId` (desired Running, compute BidAccepted). */
async function jobRunningOn(store: JobStore, nodeId: string, type = 'batch') {
  const job = await store.createJob(makeJob({ Type: type, Count: type === 'daemon' ? 0 : 1 }));
  const execution = await store.createExecution(
    makeExecution(job, {
      NodeID: nodeId,
      DesiredState: { StateType: 'Running' },
      ComputeState: { StateType: 'BidAccepted' },
    }),
  );
  return { job, execution };
}

describe('NodeManager handshake', () => {
  it('registers a new compute node as APPROVED and CONNECTED', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      h.clock.advance(1500);
      const node = await h.node('n-1');
      expect(node.transport.state).toBe('connected');
      const stored = await h.store.getNode('n-1');
      expect(stored.Membership).toBe('APPROVED');
      expect(stored.Connection).toBe('CONNECTED');
      expect(stored.ConnectionState).toMatchObject({
        Status: 'CONNECTED',
        LastHeartbeat: '2024-01-01T00:00:01.5Z',
        ConnectedSince: '2024-01-01T00:00:01.5Z',
        DisconnectedSince: '0001-01-01T00:00:00Z',
      });
      expect(stored.Info.ComputeNodeInfo.ExecutionEngines).toEqual(['docker', 'wasm', 'noop']);
      expect(h.manager.connectedNodes).toBe(1);
    });
  });

  it('answers "node registered", then "node reconnected"', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const info = testNodeInfo('n-1');
      const first = await h.manager.handshake(
        { NodeInfo: info, StartTime: '', LastOrchestratorSeqNum: 0 },
        context('n-1'),
      );
      expect(first).toEqual({ accepted: true, reason: 'node registered' });
      const second = await h.manager.handshake(
        { NodeInfo: info, StartTime: '', LastOrchestratorSeqNum: 0 },
        context('n-1'),
      );
      expect(second).toEqual({ accepted: true, reason: 'node reconnected' });
    });
  });

  it('makes new nodes PENDING under manual approval, and approval is one-way', async () => {
    await withHarness({ dispatcher: false, manager: { manualApproval: true } }, async (h) => {
      await h.node('n-1');
      expect((await h.store.getNode('n-1')).Membership).toBe('PENDING');
      await h.manager.approveNode('n-1');
      expect((await h.store.getNode('n-1')).Membership).toBe('APPROVED');
      const err = await caught(h.manager.approveNode('n-1'));
      expect(err.message).toBe('node n-1 already approved');
      expect(err.code).toBe('ConflictNodeState');
      expect(err.component).toBe('NodesManager');
      expect(err.httpStatus).toBe(409);
    });
  });

  it('keeps the membership of a known node on reconnect', async () => {
    await withHarness({ dispatcher: false, manager: { manualApproval: true } }, async (h) => {
      const node = await h.node('n-1');
      await h.manager.approveNode('n-1');
      await node.crash();
      await node.recover();
      expect((await h.store.getNode('n-1')).Membership).toBe('APPROVED');
    });
  });

  it('refuses a node that is not a compute node', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const transport = await h.hub.createComputeTransport({ nodeId: 'n-req' });
      const err = await caught(transport.connect({ ...testNodeInfo('n-req'), NodeType: 'Requester' }));
      expect(err.code).toBe('Forbidden');
      expect(err.details['reason']).toBe('node is not a compute node');
      await expect(h.store.getNode('n-req')).rejects.toThrow('node not found: n-req');
      await transport.stop();
    });
  });

  it('refuses a rejected node', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const node = await h.node('n-1');
      await h.manager.rejectNode('n-1');
      const err = await caught(node.connect());
      expect(err.details['reason']).toBe('node has been rejected');
    });
  });

  it("tells a known node's listeners since when it may have missed messages: its last stored heartbeat", async () => {
    await withHarness({ dispatcher: false, manager: { persistIntervalMs: 15_000 } }, async (h) => {
      const changes: NodeConnectionChange[] = [];
      h.manager.onConnectionChange((change) => changes.push(change));
      const request = { NodeInfo: testNodeInfo('n-1'), StartTime: '', LastOrchestratorSeqNum: 0 };
      await h.manager.handshake(request, context('n-1'));
      h.clock.advance(40_000);
      await h.manager.handshake(request, context('n-1'));
      expect(changes.map((c) => [c.reason, c.missedSince])).toEqual([
        ['node registered', undefined],
        ['node reconnected', start - 15_000],
      ]);
      expect(changes.some((c) => c.awaitingApproval !== undefined)).toBe(false);
    });
  });

  it('says when a node connects while it awaits approval, until it is approved', async () => {
    await withHarness({ dispatcher: false, manager: { manualApproval: true } }, async (h) => {
      const changes: NodeConnectionChange[] = [];
      h.manager.onConnectionChange((change) => changes.push(change));
      const request = { NodeInfo: testNodeInfo('n-1'), StartTime: '', LastOrchestratorSeqNum: 0 };
      await h.manager.handshake(request, context('n-1'));
      await h.manager.approveNode('n-1');
      await h.manager.handshake(request, context('n-1'));
      expect(changes.map((c) => [c.reason, c.awaitingApproval])).toEqual([
        ['node registered', true],
        ['node reconnected', undefined],
      ]);
    });
  });

  it('records sequence numbers from the transport', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const decision = await h.manager.handshake(
        { NodeInfo: testNodeInfo('n-1'), StartTime: '', LastOrchestratorSeqNum: 4 },
        {
          ...context('n-1'),
          sequence: {
            lastOrchestratorSeqNum: 9,
            ackedOrchestratorSeqNum: 2,
            lastComputeSeqNum: 7,
            pending: 0,
          },
        },
      );
      expect(decision.accepted).toBe(true);
      const stored = await h.store.getNode('n-1');
      expect(stored.ConnectionState.LastOrchestratorSeqNum).toBe(4);
      expect(stored.ConnectionState.LastComputeSeqNum).toBe(7);
    });
  });
});

describe('NodeManager: one process per node ID', () => {
  function handshake(h: Harness, nodeId: string, instanceID?: string, labels: Record<string, string> = {}) {
    return h.manager.handshake(
      {
        NodeInfo: testNodeInfo(nodeId, { labels }),
        StartTime: new Date(h.clock.now()).toISOString(),
        LastOrchestratorSeqNum: 0,
        ...(instanceID === undefined ? {} : { InstanceID: instanceID }),
      },
      context(nodeId),
    );
  }
  const inUse =
    'another compute node with this ID is connected (since 2024-01-01T00:00:00Z, from another data dir): ' +
    'stop that node, or give this one its own name (--name, with a new --data-dir)';

  it('refuses a second node under a connected ID from another data dir; the first keeps its connection', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      expect(await handshake(h, 'n-1', 'dir-a', { first: 'yes' })).toEqual({
        accepted: true,
        reason: 'node registered',
      });
      h.clock.advance(1000);
      expect(await handshake(h, 'n-1', 'dir-b', { first: 'no' })).toEqual({ accepted: false, reason: inUse });
      // Go's nodes send no InstanceID: one of them is another data dir too
      expect(await handshake(h, 'n-1')).toEqual({ accepted: false, reason: inUse });
      expect((await h.store.getNode('n-1')).Info.Labels).toEqual({ first: 'yes' });
      expect(() => beat(h, 'n-1')).not.toThrow();
      expect(h.manager.connectedNodes).toBe(1);
    });
  });

  it('accepts the same data dir again at once: the node restarted', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      await handshake(h, 'n-1', 'dir-a');
      h.clock.advance(1000);
      expect(await handshake(h, 'n-1', 'dir-a')).toEqual({ accepted: true, reason: 'node reconnected' });
    });
  });

  describe('two live processes on one data dir (a copied one)', () => {
    /** A handshake of the process started at `startedAt` (ms), on data dir `instanceID`. */
    function handshakeOf(h: Harness, startedAt: number, instanceID?: string) {
      return h.manager.handshake(
        {
          NodeInfo: testNodeInfo('n-1'),
          StartTime: goTime(startedAt),
          LastOrchestratorSeqNum: 0,
          ...(instanceID === undefined ? {} : { InstanceID: instanceID }),
        },
        context('n-1'),
      );
    }
    const twinReason =
      'another process with this node ID and this data dir is connected (since 2024-01-01T00:00:01Z): ' +
      'the data dir was copied or is shared. Stop one of them, or give this one its own data dir ' +
      '(--data-dir, a fresh one) and its own name (--name)';

    it.each([
      ['with a data dir', 'dir-a'],
      ["sending no InstanceID, as Go's nodes", undefined],
    ])(
      'refuses the displaced process when it comes back while the other is connected (%s)',
      async (_, dir) => {
        const refusals: string[] = [];
        await withHarness(
          {
            dispatcher: false,
            manager: { onTwinRefused: (id, reason) => refusals.push(`${id}: ${reason}`) },
          },
          async (h) => {
            const first = h.clock.now();
            expect(await handshakeOf(h, first, dir)).toMatchObject({ accepted: true });
            h.clock.advance(1000);
            // the copy starts: at this point it cannot be told from the first process restarted
            const copy = h.clock.now();
            expect(await handshakeOf(h, copy, dir)).toEqual({ accepted: true, reason: 'node reconnected' });
            // the first process lost its connection to the copy and knocks again: it is still alive
            expect(await handshakeOf(h, first, dir)).toEqual({ accepted: false, reason: twinReason });
            expect(refusals).toEqual([`n-1: ${twinReason}`]);
            // the copy keeps the ID, and may handshake again itself
            expect(() => beat(h, 'n-1')).not.toThrow();
            expect(await handshakeOf(h, copy, dir)).toMatchObject({ accepted: true });
            expect(await handshakeOf(h, first, dir)).toMatchObject({ accepted: false });
            expect(h.manager.connectedNodes).toBe(1);
          },
        );
      },
    );

    it('takes a restart for a restart, also several in a row', async () => {
      await withHarness({ dispatcher: false }, async (h) => {
        for (let restart = 0; restart < 3; restart++) {
          expect(await handshakeOf(h, h.clock.now(), 'dir-a')).toMatchObject({ accepted: true });
          h.clock.advance(1000);
        }
      });
    });

    it('lets the displaced process have the ID once the other is gone', async () => {
      await withHarness({ dispatcher: false }, async (h) => {
        const first = h.clock.now();
        await handshakeOf(h, first, 'dir-a');
        h.clock.advance(1000);
        await handshakeOf(h, h.clock.now(), 'dir-a');
        h.clock.advance(NodeManagerDefaults.disconnectTimeoutMs + 1);
        expect(await handshakeOf(h, first, 'dir-a')).toMatchObject({ accepted: true });
      });
    });

    it('does not take a process for displaced when the one before it had fallen silent', async () => {
      await withHarness({ dispatcher: false }, async (h) => {
        const first = h.clock.now();
        await handshakeOf(h, first, 'dir-a');
        h.clock.advance(NodeManagerDefaults.disconnectTimeoutMs + 1);
        await handshakeOf(h, h.clock.now(), 'dir-a');
        // the first one was not displaced but lost (a network cut): it may come back, as a restart may
        h.clock.advance(1000);
        expect(await handshakeOf(h, first, 'dir-a')).toMatchObject({ accepted: true });
      });
    });
  });

  it('accepts another data dir once the connected node said goodbye or fell silent', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      await handshake(h, 'n-1', 'dir-a');
      await h.manager.shutdownNotice({ NodeID: 'n-1', LastOrchestratorSeqNum: 0 }, context('n-1'));
      expect(await handshake(h, 'n-1', 'dir-b')).toMatchObject({ accepted: true });

      await handshake(h, 'n-2', 'dir-c');
      h.clock.advance(NodeManagerDefaults.disconnectTimeoutMs + 1);
      expect(await handshake(h, 'n-2', 'dir-d')).toMatchObject({ accepted: true });
    });
  });

  it("fails the old process's executions when the ID comes back from another data dir", async () => {
    await withHarness(
      { dispatcher: false, manager: { reEvaluation: { batchDelayMs: 60_000 } } },
      async (h) => {
        await handshake(h, 'n-1', 'dir-a');
        const { job, execution } = await jobRunningOn(h.store, 'n-1');
        // the first process died; a new one on a fresh data dir takes the name before its loss is processed
        h.clock.advance(NodeManagerDefaults.disconnectTimeoutMs + 1);
        expect(await handshake(h, 'n-1', 'dir-b')).toMatchObject({ accepted: true });
        const stored = await h.store.getExecution(execution.ID);
        expect(stored.ComputeState).toEqual({ StateType: 'Failed', Message: NodeReplacedMessage });
        expect(stored.DesiredState).toEqual({ StateType: 'Stopped', Message: NodeReplacedMessage });
        expect((await evaluations(h.store, 'node-leave')).map((e) => e.JobID)).toEqual([job.ID]);
        // the same data dir again is the same process's successor: nothing more to fail
        expect(await handshake(h, 'n-1', 'dir-b')).toMatchObject({ accepted: true });
        expect(await evaluations(h.store, 'node-leave')).toHaveLength(1);
      },
    );
  });

  it("lets the newest handshake win between nodes that send no InstanceID, as Go's do", async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      await handshake(h, 'n-1');
      expect(await handshake(h, 'n-1')).toEqual({ accepted: true, reason: 'node reconnected' });
    });
  });

  it("after a restart, keeps a connected node's ID for its own data dir while it has time to come back", async () => {
    const clock = new ManualClock();
    const store = await SqliteJobStore.create({ path: ':memory:', clock });
    try {
      await store.putNode(makeNode('n-1'));
      await store.setNodeInstance('n-1', 'dir-a');
      const { execution } = await jobRunningOn(store, 'n-1');
      await withHarness({ dispatcher: false, store, clock }, async (h) => {
        expect(await handshake(h, 'n-1', 'dir-b')).toMatchObject({ accepted: false });
        // dir-a does not come back within its grace: the ID goes to dir-b, and dir-a's work is failed
        h.clock.advance(NodeManagerDefaults.disconnectTimeoutMs + 1);
        expect(await handshake(h, 'n-1', 'dir-b')).toMatchObject({ accepted: true });
        expect((await h.store.getExecution(execution.ID)).ComputeState.Message).toBe(NodeReplacedMessage);
        expect(await h.store.getNodeInstance('n-1')).toBe('dir-b');
      });
    } finally {
      await store.close();
    }
  });

  it('accepts any data dir for a node the store lists as connected after a restart (its process is unknown)', async () => {
    const clock = new ManualClock();
    const store = await SqliteJobStore.create({ path: ':memory:', clock });
    try {
      await store.putNode(makeNode('n-1'));
      await withHarness({ dispatcher: false, store, clock }, async (h) => {
        expect(await handshake(h, 'n-1', 'dir-b')).toEqual({ accepted: true, reason: 'node reconnected' });
        expect(await handshake(h, 'n-1', 'dir-c')).toEqual({
          accepted: false,
          reason: inUse.replace('2024-01-01T00:00:00Z', goTime(clock.now())),
        });
      });
    } finally {
      await store.close();
    }
  });
});

describe('NodeManager heartbeats and liveness', () => {
  it('refuses a heartbeat from an unknown node with HandshakeRequired', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      expect(await h.manager.list()).toEqual([]);
      let err: unknown;
      try {
        h.manager.heartbeat(
          {
            NodeID: 'n-x',
            AvailableCapacity: { CPU: 1, Memory: 0, Disk: 0, GPU: 0 },
            QueueUsedCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
            LastOrchestratorSeqNum: 0,
          },
          context('n-x'),
        );
      } catch (e) {
        err = e;
      }
      expect(isHandshakeRequired(err)).toBe(true);
      expect((err as BacalhauError).message).toBe('node n-x not connected - handshake required');
      expect((err as BacalhauError).httpStatus).toBe(428);
      expect((err as BacalhauError).retryable).toBe(true);
    });
  });

  it('keeps a heartbeating node CONNECTED and writes heartbeats once per interval', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const node = await h.node('n-1', { heartbeatIntervalMs: 5_000 });
      const writes: StoreChange[] = [];
      h.store.onChange((changes) => writes.push(...changes.filter((c) => c.type === 'NodeUpdated')));
      await h.clock.advanceAsync(5 * 60_000);
      expect(node.heartbeats.items.length).toBe(60);
      const stored = await h.store.getNode('n-1');
      expect(stored.ConnectionState.Status).toBe('CONNECTED');
      // 60 heartbeats, one write per 15 s persistence tick.
      expect(writes.length).toBe(20);
      // The last tick (at 5:00) ran just before the 5:00 heartbeat.
      expect(stored.ConnectionState.LastHeartbeat).toBe(goTime(start + 5 * 60_000 - 5_000));
      expect(h.errors).toEqual([]);
    });
  });

  it('writes capacity that changed on the next clock turn, and says when some came free: schedulers read the store', async () => {
    const seen: string[] = [];
    const onCapacityFreed = (ids: readonly string[]): void => void seen.push(`freed ${ids.join()}`);
    await withHarness({ dispatcher: false, manager: { onCapacityFreed } }, async (h) => {
      h.store.onChange((changes) => {
        for (const c of changes)
          if (c.type === 'NodeUpdated')
            seen.push(`stored ${c.node.Info.ComputeNodeInfo.AvailableCapacity.CPU}`);
      });
      const info = testNodeInfo('n-1');
      await h.manager.handshake({ NodeInfo: info, StartTime: '', LastOrchestratorSeqNum: 0 }, context('n-1'));
      seen.length = 0; // the handshake's own write
      const stored = async () => (await h.store.getNode('n-1')).Info.ComputeNodeInfo.AvailableCapacity.CPU;
      h.clock.advance(1000);
      beat(h, 'n-1', 0.5); // busier: written at once, or the next job would take it for idle
      await h.clock.advanceAsync(0);
      expect(await stored()).toBe(0.5);
      expect(seen).toEqual(['stored 0.5']);
      h.clock.advance(1000);
      beat(h, 'n-1', 3); // work ended: written at once
      await h.clock.advanceAsync(0);
      expect(await stored()).toBe(3);
      // told once the schedulers can read it
      expect(seen).toEqual(['stored 0.5', 'stored 3', 'freed n-1']);
      seen.length = 0;
      h.clock.advance(1000);
      beat(h, 'n-1', 3); // nothing changed: left to the persistence tick
      await h.clock.advanceAsync(0);
      expect(seen).toEqual([]);
    });
  });

  it("reports a heartbeat's capacity once it is in the store, with the time it was made", async () => {
    const reports: string[] = [];
    const onCapacityReport = (id: string, r: { handshake: boolean; atMs: number }): void =>
      void reports.push(`${id} ${r.handshake ? 'handshake' : 'heartbeat'} ${r.atMs}`);
    await withHarness({ dispatcher: false, manager: { onCapacityReport } }, async (h) => {
      const info = testNodeInfo('n-1');
      const start = h.clock.now();
      await h.manager.handshake({ NodeInfo: info, StartTime: '', LastOrchestratorSeqNum: 0 }, context('n-1'));
      expect(reports).toEqual([`n-1 handshake ${start}`]);
      h.clock.advance(1000);
      beat(h, 'n-1'); // the same capacity: stored at the persistence tick, and only then reported
      await h.clock.advanceAsync(0);
      expect(reports).toHaveLength(1);
      await h.clock.advanceAsync(15_000);
      expect(reports).toEqual([`n-1 handshake ${start}`, `n-1 heartbeat ${start + 1000}`]);
    });
  });

  it('says capacity came free only once a write of it succeeded', async () => {
    const freed: string[] = [];
    const onCapacityFreed = (ids: readonly string[]): void => void freed.push(ids.join());
    await withHarness({ dispatcher: false, manager: { onCapacityFreed } }, async (h) => {
      const info = testNodeInfo('n-1');
      await h.manager.handshake({ NodeInfo: info, StartTime: '', LastOrchestratorSeqNum: 0 }, context('n-1'));
      beat(h, 'n-1', 0.5);
      await h.clock.advanceAsync(15_000); // stored busy at the persistence tick
      // the next write fails, the ones after it succeed
      vi.spyOn(h.store, 'transaction').mockImplementationOnce(() => Promise.reject(new Error('disk full')));
      beat(h, 'n-1', 2);
      await h.clock.advanceAsync(0);
      expect(freed).toEqual([]);
      expect(h.errors.map((e) => (e as Error).message)).toEqual(['disk full']);
      beat(h, 'n-1', 3);
      await h.clock.advanceAsync(1_000);
      expect(freed).toEqual(['n-1']);
      h.errors.length = 0;
    });
  });

  it('stores a silent node DISCONNECTED at a later health check when the first write of it failed', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const changes: string[] = [];
      h.manager.onConnectionChange((c) => changes.push(`${c.nodeId} ${c.current}`));
      await h.manager.handshake(
        { NodeInfo: testNodeInfo('n-1'), StartTime: '', LastOrchestratorSeqNum: 0 },
        context('n-1'),
      );
      // every write of the handshake done, the next one is the timeout's: it fails, a later check retries
      await h.clock.advanceAsync(NodeManagerDefaults.disconnectTimeoutMs - 1_000);
      vi.spyOn(h.store, 'transaction').mockImplementationOnce(() => Promise.reject(new Error('disk full')));
      await h.clock.advanceAsync(NodeManagerDefaults.maxHealthCheckIntervalMs);
      expect(h.errors.map((e) => (e as Error).message)).toEqual(['disk full']);
      expect((await h.store.getNode('n-1')).ConnectionState).toMatchObject({
        Status: 'DISCONNECTED',
        LastError: 'heartbeat timeout',
      });
      expect(changes).toEqual(['n-1 CONNECTED', 'n-1 DISCONNECTED']);
      h.errors.length = 0;
    });
  });

  it('gives a node that heartbeats less often than the timeout three of its intervals, as it declares', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      expect(NodeManagerDefaults.disconnectTimeoutMs).toBe(20_000);
      const changes: string[] = [];
      h.manager.onConnectionChange((c) => changes.push(`${c.nodeId} ${c.current}`));
      const transport = await h.hub.createComputeTransport({ nodeId: 'n-slow', heartbeatIntervalMs: 30_000 });
      const slow = await FakeComputeNode.create({ transport, clock: h.clock, heartbeatIntervalMs: 30_000 });
      const quick = await h.node('n-quick', { heartbeatIntervalMs: 5_000 });
      try {
        await h.clock.advanceAsync(5 * 60_000);
        expect(changes).toEqual(['n-slow CONNECTED', 'n-quick CONNECTED']); // no flapping
        await slow.crash();
        await quick.crash();
        await h.clock.advanceAsync(30_000);
        expect((await h.store.getNode('n-quick')).ConnectionState.Status).toBe('DISCONNECTED');
        expect((await h.store.getNode('n-slow')).ConnectionState.Status).toBe('CONNECTED');
        await h.clock.advanceAsync(70_000);
        expect((await h.store.getNode('n-slow')).ConnectionState).toMatchObject({
          Status: 'DISCONNECTED',
          LastError: 'heartbeat timeout',
        });
      } finally {
        await slow.stop();
      }
    });
  });

  it('bounds a declared interval: a node declaring an hour is still lost minutes after it falls silent', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      await h.manager.handshake(
        {
          NodeInfo: testNodeInfo('n-1'),
          StartTime: '',
          LastOrchestratorSeqNum: 0,
          HeartbeatInterval: 3600e9,
        },
        context('n-1'),
      );
      // at most 3 × 5 × DisconnectTimeout (20 s) = 300 s, plus a health check interval
      await h.clock.advanceAsync(310_000);
      expect((await h.store.getNode('n-1')).ConnectionState.Status).toBe('DISCONNECTED');
    });
  });

  it("learns the pace of a node that declares none (Go's): taken for lost once at most, then kept", async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const changes: string[] = [];
      h.manager.onConnectionChange((c) => changes.push(c.current));
      await h.node('n-go', { heartbeatIntervalMs: 30_000 });
      await h.clock.advanceAsync(10 * 60_000);
      expect(changes.length).toBeLessThanOrEqual(3); // CONNECTED, DISCONNECTED, CONNECTED
      expect(changes.at(-1)).toBe('CONNECTED');
      expect((await h.store.getNode('n-go')).ConnectionState.Status).toBe('CONNECTED');
    });
  });

  it('stores heartbeats as a background write (no request waits for it)', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const node = await h.node('n-1', { nodeInfo: { capacity: { CPU: 4 } } });
      await node.transport.heartbeat({
        AvailableCapacity: { CPU: 1, Memory: 0, Disk: 0, GPU: 0 },
        QueueUsedCapacity: { CPU: 2, Memory: 0, Disk: 0, GPU: 0 },
      });
      const transaction = vi.spyOn(h.store, 'transaction');
      await h.manager.flush();
      expect(transaction).toHaveBeenCalledOnce();
      expect(transaction).toHaveBeenCalledWith(expect.any(Function), { background: true });
    });
  });

  it('overlays live heartbeat data on reads', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const node = await h.node('n-1', { nodeInfo: { capacity: { CPU: 4 } } });
      await h.clock.advanceAsync(3_000);
      await node.transport.heartbeat({
        AvailableCapacity: { CPU: 1, Memory: 0, Disk: 0, GPU: 0 },
        QueueUsedCapacity: { CPU: 2, Memory: 0, Disk: 0, GPU: 0 },
      });
      const live = await h.manager.get('n-1');
      expect(live.ConnectionState.LastHeartbeat).toBe(goTime(start + 3_000));
      expect(live.Info.ComputeNodeInfo.AvailableCapacity.CPU).toBe(1);
      expect(live.Info.ComputeNodeInfo.QueueCapacity.CPU).toBe(2);
      expect((await h.store.getNode('n-1')).ConnectionState.LastHeartbeat).toBe(goTime(start));
      await h.manager.flush();
      expect((await h.store.getNode('n-1')).Info.ComputeNodeInfo.AvailableCapacity.CPU).toBe(1);
      expect((await h.manager.list((n) => n.Info.NodeID === 'n-1')).length).toBe(1);
    });
  });

  it("carries a bacalhau-ts node's execution counts from its heartbeats; a Go node's stay as last told", async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const node = await h.node('n-1', { nodeInfo: { capacity: { CPU: 4 } } }, 'instance-1');
      const goNode = await h.node('n-go', { nodeInfo: { capacity: { CPU: 4 } } });
      const capacity = {
        AvailableCapacity: { CPU: 1, Memory: 0, Disk: 0, GPU: 0 },
        QueueUsedCapacity: { CPU: 2, Memory: 0, Disk: 0, GPU: 0 },
      };
      const counts = async (): Promise<number[]> => {
        const info = (await h.manager.get('n-1')).Info.ComputeNodeInfo;
        return [info.RunningExecutions, info.EnqueuedExecutions];
      };
      await node.transport.heartbeat({ ...capacity, RunningExecutions: 1, EnqueuedExecutions: 2 });
      expect(await counts()).toEqual([1, 2]);
      await h.manager.flush();
      const stored = (await h.store.getNode('n-1')).Info.ComputeNodeInfo;
      expect([stored.RunningExecutions, stored.EnqueuedExecutions]).toEqual([1, 2]);
      // a count of 0 is left out, as Go's omitempty does
      await node.transport.heartbeat({ ...capacity, RunningExecutions: 1 });
      expect(await counts()).toEqual([1, 0]);
      // Go's nodes count in node info updates only: a heartbeat leaves what they last said
      const goInfo = testNodeInfo('n-go');
      await goNode.transport.updateNodeInfo({
        ...goInfo,
        ComputeNodeInfo: { ...goInfo.ComputeNodeInfo, RunningExecutions: 3 },
      });
      await goNode.transport.heartbeat(capacity);
      expect((await h.manager.get('n-go')).Info.ComputeNodeInfo.RunningExecutions).toBe(3);
    });
  });

  it.each([
    // e.g. the orchestrator's NATS connection lost
    ['is down', (h: Harness) => h.hub.networkDown(), (h: Harness) => h.hub.networkUp()],
    // e.g. a NATS server that stopped answering, its connections still open: only a round trip tells
    ['hangs unnoticed', (h: Harness) => h.hub.networkHangs(), (h: Harness) => h.hub.networkAnswers()],
  ])(
    'declares no node lost while its own link %s, and gives each a full timeout once back',
    async (_, lose, restore) => {
      const manager = { disconnectTimeoutMs: 60_000 };
      await withHarness({ dispatcher: false, manager }, async (h) => {
        await h.node('n-1', { reconnect: false });
        const status = async (): Promise<string> => (await h.store.getNode('n-1')).ConnectionState.Status;
        lose(h);
        await h.clock.advanceAsync(200_000);
        expect(await status()).toBe('CONNECTED');
        restore(h);
        // checks every 20 s: one more than 60 s after the link was back (or answered a check) finds it silent
        await h.clock.advanceAsync(60_000);
        expect(await status()).toBe('CONNECTED');
        await h.clock.advanceAsync(40_000);
        expect(await status()).toBe('DISCONNECTED');
      });
    },
  );

  it('declares no node lost for the time this process stood still (SIGSTOP)', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      await h.node('n-1');
      const status = async (): Promise<string> => (await h.store.getNode('n-1')).ConnectionState.Status;
      // longer than any node's silence is tolerated
      h.clock.stall(10 * 60_000);
      // the late health check runs before the heartbeats that waited meanwhile, as timers run first
      await h.clock.advanceAsync(0);
      expect(await status()).toBe('CONNECTED');
    });
  });

  it('marks a silent node DISCONNECTED after the timeout and re-evaluates its jobs (node-leave)', async () => {
    // Bacalhau's timings, whose arithmetic reads easily (the defaults are shorter).
    const manager = { disconnectTimeoutMs: 60_000, reEvaluation: { batchDelayMs: 15_000 } };
    await withHarness({ dispatcher: false, manager }, async (h) => {
      const node = await h.node('n-1');
      const { job } = await jobRunningOn(h.store, 'n-1');
      const changes: string[] = [];
      h.manager.onConnectionChange((c) => changes.push(`${c.nodeId} ${c.current} ${c.reason}`));
      // Checks run every 20 s; the node is lost at the first check more than 60 s after its last heartbeat.
      await h.clock.advanceAsync(60_000);
      expect((await h.store.getNode('n-1')).ConnectionState.Status).toBe('CONNECTED');
      await h.clock.advanceAsync(20_000);
      const stored = await h.store.getNode('n-1');
      expect(stored.ConnectionState).toMatchObject({
        Status: 'DISCONNECTED',
        LastError: 'heartbeat timeout',
        DisconnectedSince: goTime(start + 80_000),
        LastHeartbeat: goTime(start),
      });
      expect(stored.Connection).toBe('DISCONNECTED');
      expect(stored.Info.ComputeNodeInfo.AvailableCapacity).toEqual({ CPU: 0, Memory: 0, Disk: 0, GPU: 0 });
      expect(changes).toEqual(['n-1 DISCONNECTED heartbeat timeout']);
      // The transport connection is dropped: the node must handshake again.
      expect(node.transport.state).toBe('disconnected');
      expect(await evaluations(h.store, 'node-leave')).toEqual([]);
      // Re-evaluation is batched (15 s).
      await h.clock.advanceAsync(15_000);
      const leave = await evaluations(h.store, 'node-leave');
      expect(leave).toHaveLength(1);
      expect(leave[0]).toMatchObject({
        JobID: job.ID,
        Type: 'batch',
        Status: 'pending',
        Namespace: 'default',
      });
      expect(leave[0]?.ID).toMatch(/^v-/);
    });
  });

  it('answers a heartbeat after the timeout with HandshakeRequired; reconnecting re-evaluates (node-join)', async () => {
    await withHarness({ dispatcher: false, manager: { reEvaluation: { batchDelayMs: 0 } } }, async (h) => {
      const node = await h.node('n-1');
      await h.manager.reEvaluator.flush(); // the first join, before there is any job
      const { job } = await jobRunningOn(h.store, 'n-1');
      const daemon = await h.store.createJob(makeJob({ Type: 'daemon', Count: 0 }));
      await h.clock.advanceAsync(81_000);
      expect((await evaluations(h.store, 'node-leave')).map((e) => e.JobID)).toEqual([job.ID]);
      expect((await h.store.getNode('n-1')).ConnectionState.Status).toBe('DISCONNECTED');
      const err = await caught(node.heartbeat());
      expect(isHandshakeRequired(err)).toBe(true);
      const before = (await evaluations(h.store)).length;
      expect(await node.connect()).toMatchObject({ accepted: true, reason: 'node reconnected' });
      const stored = await h.store.getNode('n-1');
      expect(stored.ConnectionState.Status).toBe('CONNECTED');
      expect(stored.ConnectionState.LastError ?? '').toBe('');
      await h.clock.advanceAsync(0);
      const join = await evaluations(h.store, 'node-join');
      expect(join.map((e) => e.JobID).sort()).toEqual([daemon.ID, job.ID].sort());
      expect(join.find((e) => e.JobID === daemon.ID)?.Type).toBe('daemon');
      expect((await evaluations(h.store)).length).toBe(before + 2);
    });
  });

  it('marks a node DISCONNECTED on a shutdown notice ("graceful shutdown")', async () => {
    await withHarness({ dispatcher: false, manager: { reEvaluation: { batchDelayMs: 0 } } }, async (h) => {
      const node = await h.node('n-1');
      const { job } = await jobRunningOn(h.store, 'n-1');
      await h.clock.advanceAsync(2_000);
      await node.stop();
      const stored = await h.store.getNode('n-1');
      expect(stored.ConnectionState).toMatchObject({
        Status: 'DISCONNECTED',
        LastError: 'graceful shutdown',
        DisconnectedSince: goTime(start + 2_000),
      });
      expect(h.manager.connectedNodes).toBe(0);
      await h.clock.advanceAsync(0);
      expect((await evaluations(h.store, 'node-leave')).map((e) => e.JobID)).toEqual([job.ID]);
    });
  });

  it('takes new node info from a connected node and refuses it from an unknown one', async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      const node = await h.node('n-1');
      expect(await node.updateNodeInfo({ labels: { zone: 'b' } })).toEqual({ accepted: true });
      expect((await h.store.getNode('n-1')).Info.Labels).toEqual({ zone: 'b' });
      const err = await caught(
        Promise.resolve().then(() =>
          h.manager.updateNodeInfo({ NodeInfo: testNodeInfo('n-2') }, context('n-2')),
        ),
      );
      expect(isHandshakeRequired(err)).toBe(true);
    });
  });
});

describe('NodeManager node actions', () => {
  it('rejects: REJECTED, DISCONNECTED ("node rejected"), connection dropped, node-leave', async () => {
    await withHarness({ dispatcher: false, manager: { reEvaluation: { batchDelayMs: 0 } } }, async (h) => {
      const node = await h.node('n-1a2b3c');
      const { job } = await jobRunningOn(h.store, 'n-1a2b3c');
      await h.manager.rejectNode('n-1a2'); // a unique prefix
      const stored = await h.store.getNode('n-1a2b3c');
      expect(stored.Membership).toBe('REJECTED');
      expect(stored.ConnectionState).toMatchObject({ Status: 'DISCONNECTED', LastError: 'node rejected' });
      expect(node.transport.state).toBe('disconnected');
      const err = await caught(h.manager.rejectNode('n-1a2b3c'));
      expect(err.message).toBe('node n-1a2b3c already rejected');
      expect(err.code).toBe('ConflictNodeState');
      expect(err.httpStatus).toBe(409);
      await h.clock.advanceAsync(0);
      expect((await evaluations(h.store, 'node-leave')).map((e) => e.JobID)).toEqual([job.ID]);
      // A rejected node can be approved again; it then has to reconnect.
      await h.manager.approveNode('n-1a2b3c');
      expect(await node.connect()).toMatchObject({ accepted: true, reason: 'node reconnected' });
    });
  });

  it('deletes a node; it may register again as new', async () => {
    await withHarness({ dispatcher: false, manager: { manualApproval: true } }, async (h) => {
      const node = await h.node('n-1');
      await h.manager.approveNode('n-1');
      await h.manager.deleteNode('n-1');
      await expect(h.store.getNode('n-1')).rejects.toThrow('node not found: n-1');
      expect(node.transport.state).toBe('disconnected');
      expect(await node.connect()).toMatchObject({ accepted: true, reason: 'node registered' });
      expect((await h.store.getNode('n-1')).Membership).toBe('PENDING');
    });
  });

  it('fails the work of a deleted node at once: it may register again before the node-leave batch runs', async () => {
    await withHarness(
      { dispatcher: false, manager: { manualApproval: true, reEvaluation: { batchDelayMs: 60_000 } } },
      async (h) => {
        const node = await h.node('n-1');
        await h.manager.approveNode('n-1');
        const { job, execution } = await jobRunningOn(h.store, 'n-1');
        await h.manager.deleteNode('n-1');
        // a real compute node is back within a second or two, now PENDING: its job must not stay there
        expect(await node.connect()).toMatchObject({ accepted: true, reason: 'node registered' });
        const stored = await h.store.getExecution(execution.ID);
        expect(stored.ComputeState).toEqual({ StateType: 'Failed', Message: NodeDeletedMessage });
        expect(stored.DesiredState).toEqual({ StateType: 'Stopped', Message: NodeDeletedMessage });
        expect((await evaluations(h.store, 'node-leave')).map((e) => e.JobID)).toEqual([job.ID]);
      },
    );
  });

  it("reports unknown nodes as NotFound with Bacalhau's message", async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      for (const action of [
        (id: string) => h.manager.approveNode(id),
        (id: string) => h.manager.rejectNode(id),
        (id: string) => h.manager.deleteNode(id),
        (id: string) => h.manager.get(id),
      ]) {
        const err = await caught(action('n-missing'));
        expect(err.code).toBe('NotFound');
        expect(err.message).toBe('node not found: n-missing');
        expect(err.httpStatus).toBe(404);
      }
    });
  });

  it('re-evaluates daemon jobs when a connected PENDING node is approved', async () => {
    await withHarness(
      { dispatcher: false, manager: { manualApproval: true, reEvaluation: { batchDelayMs: 0 } } },
      async (h) => {
        await h.node('n-1');
        await h.clock.advanceAsync(0);
        const daemon = await h.store.createJob(makeJob({ Type: 'daemon', Count: 0 }));
        await h.manager.approveNode('n-1');
        await h.clock.advanceAsync(0);
        expect((await evaluations(h.store, 'node-join')).map((e) => e.JobID)).toEqual([daemon.ID]);
      },
    );
  });
});

describe('NodeManager lifecycle', () => {
  it('registers its own node as an APPROVED, CONNECTED requester that never times out', async () => {
    await withHarness({ dispatcher: false, manager: { selfInfo: selfNodeInfo() } }, async (h) => {
      const self = await h.store.getNode('n-orchestrator');
      expect(self.Info.NodeType).toBe('Requester');
      expect(self.Membership).toBe('APPROVED');
      expect(self.ConnectionState.Status).toBe('CONNECTED');
      expect(self.ConnectionState.ConnectedSince).toBe(goTime(start));
      await h.clock.advanceAsync(10 * 60_000);
      expect((await h.store.getNode('n-orchestrator')).ConnectionState.Status).toBe('CONNECTED');
    });
  });

  it('marks the Requester entry of a former identity of this orchestrator DISCONNECTED', async () => {
    const clock = new ManualClock();
    const store = await SqliteJobStore.create({ path: ':memory:', clock });
    try {
      // the orchestrator ran before as n-before; its identity was then reset
      const former = { ...selfNodeInfo(), NodeID: 'n-before' };
      await withHarness({ dispatcher: false, store, clock, manager: { selfInfo: former } }, () =>
        Promise.resolve(),
      );
      expect((await store.getNode('n-before')).ConnectionState.Status).toBe('CONNECTED');
      await withHarness(
        { dispatcher: false, store, clock, manager: { selfInfo: selfNodeInfo() } },
        async () => {
          const stale = await store.getNode('n-before');
          expect(stale.Connection).toBe('DISCONNECTED');
          expect(stale.ConnectionState).toMatchObject({
            Status: 'DISCONNECTED',
            LastError: 'replaced by this orchestrator, n-orchestrator',
          });
          expect((await store.getNode('n-orchestrator')).ConnectionState.Status).toBe('CONNECTED');
        },
      );
    } finally {
      await store.close();
    }
  });

  it('refuses to reject or delete its own node, which would leave it off its own node list', async () => {
    await withHarness({ dispatcher: false, manager: { selfInfo: selfNodeInfo() } }, async (h) => {
      for (const action of ['reject', 'delete'] as const) {
        const call = action === 'reject' ? h.manager.rejectNode('n-orch') : h.manager.deleteNode('n-orch');
        await expect(call).rejects.toMatchObject({
          message: `cannot ${action} node n-orchestrator: it is this orchestrator`,
          hint: 'Only other nodes can be rejected or deleted: this one runs the orchestrator (and its own compute node, if any)',
          code: 'ConflictNodeState',
          httpStatus: 409,
        });
      }
      expect((await h.store.getNode('n-orchestrator')).Membership).toBe('APPROVED');
    });
  });

  it('after a restart gives stored CONNECTED nodes one timeout to come back', async () => {
    const clock = new ManualClock();
    const store = await SqliteJobStore.create({ path: ':memory:', clock });
    try {
      const connected: NodeState = makeNode('n-back');
      const lost: NodeState = makeNode('n-gone');
      const down: NodeState = {
        ...makeNode('n-down'),
        Connection: 'DISCONNECTED',
        ConnectionState: { ...makeNode('n-down').ConnectionState, Status: 'DISCONNECTED' },
      };
      for (const node of [connected, lost, down]) await store.putNode(node);
      const { job: lostJob } = await jobRunningOn(store, 'n-gone');
      const { job: downJob } = await jobRunningOn(store, 'n-down');
      await withHarness(
        { dispatcher: false, store, clock, manager: { reEvaluation: { batchDelayMs: 0 } } },
        async (h) => {
          await h.clock.advanceAsync(0);
          // Work left on a node already known to be down is re-evaluated at start.
          expect((await evaluations(store, 'node-leave')).map((e) => e.JobID)).toEqual([downJob.ID]);
          expect(h.manager.connectedNodes).toBe(0);
          // A heartbeat without a handshake is refused: the connection did not survive the restart.
          expect(() =>
            h.manager.heartbeat(
              {
                NodeID: 'n-back',
                AvailableCapacity: connected.Info.ComputeNodeInfo.AvailableCapacity,
                QueueUsedCapacity: connected.Info.ComputeNodeInfo.QueueCapacity,
                LastOrchestratorSeqNum: 0,
              },
              context('n-back'),
            ),
          ).toThrow('handshake required');
          const back = await h.node('n-back', { heartbeatIntervalMs: 10_000 });
          expect(back.transport.state).toBe('connected');
          await h.clock.advanceAsync(81_000);
          expect((await store.getNode('n-back')).ConnectionState.Status).toBe('CONNECTED');
          expect((await store.getNode('n-gone')).ConnectionState).toMatchObject({
            Status: 'DISCONNECTED',
            LastError: 'heartbeat timeout',
          });
          await h.clock.advanceAsync(0);
          expect((await evaluations(store, 'node-leave')).map((e) => e.JobID).sort()).toEqual(
            [downJob.ID, lostJob.ID].sort(),
          );
        },
      );
    } finally {
      await store.close();
    }
  });

  it("after a restart keeps a hybrid node's stored compute entry, so its waiting jobs see it", async () => {
    const clock = new ManualClock();
    const store = await SqliteJobStore.create({ path: ':memory:', clock });
    try {
      // the embedded node: this orchestrator's own ID, registered by its compute side before the restart
      const hybrid = makeNode('n-orchestrator');
      await store.putNode(hybrid);
      await withHarness(
        { dispatcher: false, store, clock, manager: { selfInfo: selfNodeInfo() } },
        async () => {
          const stored = await store.getNode('n-orchestrator');
          expect(stored.Info).toEqual(hybrid.Info);
          expect(stored.ConnectionState.Status).toBe('CONNECTED');
        },
      );
    } finally {
      await store.close();
    }
  });

  it('stops idempotently, writing buffered heartbeats; calls after stop fail with ServiceUnavailable', async () => {
    const clock = new ManualClock();
    const store = await SqliteJobStore.create({ path: ':memory:', clock });
    try {
      const manager = await NodeManager.create({ store, clock });
      await manager.handshake(
        { NodeInfo: testNodeInfo('n-1'), StartTime: '', LastOrchestratorSeqNum: 0 },
        context('n-1'),
      );
      clock.advance(1_000);
      manager.heartbeat(
        {
          NodeID: 'n-1',
          AvailableCapacity: { CPU: 3, Memory: 0, Disk: 0, GPU: 0 },
          QueueUsedCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
          LastOrchestratorSeqNum: 5,
        },
        context('n-1'),
      );
      await Promise.all([manager.stop(), manager.stop()]);
      expect(manager.state).toBe('stopped');
      const stored = await store.getNode('n-1');
      expect(stored.ConnectionState.LastHeartbeat).toBe(goTime(start + 1_000));
      expect(stored.ConnectionState.LastOrchestratorSeqNum).toBe(5);
      expect(stored.Info.ComputeNodeInfo.AvailableCapacity.CPU).toBe(3);
      const err = await caught(
        manager.handshake(
          { NodeInfo: testNodeInfo('n-2'), StartTime: '', LastOrchestratorSeqNum: 0 },
          context('n-2'),
        ),
      );
      expect(err.code).toBe('ServiceUnavailable');
      expect(clock.pendingTimers).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('serialises overlapping calls for one node', async () => {
    await withHarness({ dispatcher: false }, async (h: Harness) => {
      const request = { NodeInfo: testNodeInfo('n-1'), StartTime: '', LastOrchestratorSeqNum: 0 };
      expect(await h.manager.handshake(request, context('n-1'))).toEqual({
        accepted: true,
        reason: 'node registered',
      });
      // The second handshake holds the node when the rejection comes: the rejection waits for it.
      const [second] = await Promise.all([
        h.manager.handshake(request, context('n-1')),
        h.manager.rejectNode('n-1'),
      ]);
      expect(second).toEqual({ accepted: true, reason: 'node reconnected' });
      expect((await h.store.getNode('n-1')).Membership).toBe('REJECTED');
      expect(h.manager.connectedNodes).toBe(0);
    });
  });
});

describe('node manager options', () => {
  it('checks liveness every DisconnectTimeout / 3, clamped to 1–30 s', () => {
    expect(healthCheckInterval(60_000)).toBe(20_000);
    expect(healthCheckInterval(1_000)).toBe(1_000);
    expect(healthCheckInterval(10 * 60_000)).toBe(30_000);
  });

  it('defaults and validates', async () => {
    const store = await SqliteJobStore.create({ path: ':memory:' });
    try {
      const compiled = compileNodeManagerOptions({ store });
      expect(compiled).toMatchObject({
        disconnectTimeoutMs: 20_000,
        healthCheckIntervalMs: 20_000 / 3,
        persistIntervalMs: 15_000,
        defaultMembership: 'APPROVED',
        batchDelayMs: 2_000,
        maxBatchSize: 50,
      });
      expect(Object.isFrozen(compiled)).toBe(true);
      expect(compileNodeManagerOptions({ store, manualApproval: true }).defaultMembership).toBe('PENDING');
      expect(() => compileNodeManagerOptions({ store, disconnectTimeoutMs: 0 })).toThrow(
        'disconnectTimeoutMs must be a positive number',
      );
    } finally {
      await store.close();
    }
  });
});

describe('time format', () => {
  it('writes Go RFC3339Nano', () => {
    expect(goTime(Date.UTC(2024, 0, 1))).toBe('2024-01-01T00:00:00Z');
    expect(goTime(Date.UTC(2024, 0, 1, 0, 0, 0, 250))).toBe('2024-01-01T00:00:00.25Z');
    expect(goTime(Date.UTC(2024, 0, 1, 0, 0, 0, 7))).toBe('2024-01-01T00:00:00.007Z');
  });
});
