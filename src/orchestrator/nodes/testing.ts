/**
 * An orchestrator's data and control plane in a box, for tests: an in-memory SQLite store, the
 * in-memory transport, a node manager, a dispatcher and fake compute nodes, all on one ManualClock.
 * `withHarness` always cleans up, also when the test fails.
 */
import { ManualClock } from '../../lib/clock.js';
import type { NodeInfo } from '../../models/index.js';
import { SqliteJobStore } from '../../store/sqlite/sqlite-store.js';
import { InMemoryTransportHub } from '../../transport/in-memory/index.js';
import { FakeComputeNode, type FakeComputeNodeOptions } from '../../transport/testing/index.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { NodeManager } from './manager.js';
import type { NodeManagerOptions } from './options.js';

export interface HarnessOptions {
  /** Node manager options besides store, transport and clock. */
  manager?: Omit<NodeManagerOptions, 'store' | 'transport' | 'clock'>;
  /** Start a dispatcher too; default true. */
  dispatcher?: boolean;
  /** Use this store (e.g. to simulate a restart); it is not closed at the end. */
  store?: SqliteJobStore;
  clock?: ManualClock;
}

export interface Harness {
  readonly clock: ManualClock;
  readonly store: SqliteJobStore;
  readonly hub: InMemoryTransportHub;
  readonly manager: NodeManager;
  readonly dispatcher: Dispatcher | undefined;
  /** Everything reported to an `onError` hook. */
  readonly errors: unknown[];
  /**
   * A fake compute node on this hub and clock, connected unless `connect: false`; a Go node unless
   * `instanceID` names its data dir, as bacalhau-ts nodes do in their handshakes.
   */
  node(
    nodeId: string,
    options?: Omit<FakeComputeNodeOptions, 'transport' | 'clock'>,
    instanceID?: string,
  ): Promise<FakeComputeNode>;
}

export const selfNodeInfo = (nodeId = 'n-orchestrator'): NodeInfo => ({
  NodeID: nodeId,
  NodeType: 'Requester',
  Labels: {},
  SupportedProtocols: ['ncl/v1'],
  ComputeNodeInfo: {
    ExecutionEngines: [],
    Publishers: [],
    StorageSources: [],
    MaxCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
    QueueCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
    AvailableCapacity: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
    MaxJobRequirements: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
    RunningExecutions: 0,
    EnqueuedExecutions: 0,
    address: '',
  },
  BacalhauVersion: {
    Major: '1',
    Minor: '7',
    GitVersion: 'v1.7.0',
    GitCommit: '',
    BuildDate: '0001-01-01T00:00:00Z',
    GOOS: 'linux',
    GOARCH: 'amd64',
  },
});

export async function withHarness<T>(
  options: HarnessOptions,
  fn: (harness: Harness) => Promise<T>,
): Promise<T> {
  const clock = options.clock ?? new ManualClock();
  const errors: unknown[] = [];
  const store = options.store ?? (await SqliteJobStore.create({ path: ':memory:', clock }));
  const hub = await InMemoryTransportHub.create({ copy: 'wire', onHandlerError: (err) => errors.push(err) });
  const nodes: FakeComputeNode[] = [];
  let manager: NodeManager | undefined;
  let dispatcher: Dispatcher | undefined;
  try {
    manager = await NodeManager.create({
      ...options.manager,
      store,
      transport: hub.orchestrator,
      clock,
      onError: (err) => errors.push(err),
    });
    if (options.dispatcher !== false) {
      dispatcher = await Dispatcher.create({
        store,
        transport: hub.orchestrator,
        clock,
        onError: (err) => errors.push(err),
      });
    }
    const harness: Harness = {
      clock,
      store,
      hub,
      manager,
      dispatcher,
      errors,
      async node(nodeId, nodeOptions = {}, instanceID = undefined) {
        const transport = await hub.createComputeTransport({
          nodeId,
          startTime: new Date(clock.now()),
          ...(instanceID === undefined ? {} : { instanceID }),
        });
        const node = await FakeComputeNode.create({ ...nodeOptions, transport, clock });
        nodes.push(node);
        return node;
      },
    };
    return await fn(harness);
  } finally {
    for (const node of nodes) await node.stop();
    await dispatcher?.stop();
    await manager?.stop();
    await hub.stop();
    if (options.store === undefined) await store.close();
  }
}
