import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { load, type BacalhauConfig } from '../config/index.js';
import { ManualClock } from '../lib/clock.js';
import { BacalhauError, ErrorCode, type NodeInfo } from '../models/index.js';
import { silentLogger } from '../orchestrator/planner/index.js';
import { InMemoryTransportHub } from '../transport/in-memory/index.js';
import { compileOrchestratorOptions } from './options.js';
import { Orchestrator } from './orchestrator.js';
import { TestOrchestratorID } from './testing.js';
import { goArch, goOS } from '../compute/capacity/labels.js';

let dir: string;
let hub: InMemoryTransportHub;
let clock: ManualClock;
const started: Orchestrator[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-node-'));
  hub = await InMemoryTransportHub.create();
  clock = new ManualClock();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((o) => o.stop()));
  await hub.stop();
  await rm(dir, { recursive: true, force: true });
});

function config(overrides: string[] = []): BacalhauConfig {
  return load({ env: {}, home: dir, dataDir: join(dir, 'data'), numCpu: 2, config: overrides });
}

async function create(over: Partial<Parameters<typeof Orchestrator.create>[0]> = {}): Promise<Orchestrator> {
  const orchestrator = await Orchestrator.create({
    config: config(),
    transport: hub.orchestrator,
    nodeID: TestOrchestratorID,
    clock,
    logger: silentLogger,
    ...over,
  });
  started.push(orchestrator);
  return orchestrator;
}

describe('compileOrchestratorOptions', () => {
  it('parses the config durations with the Go parser', () => {
    const compiled = compileOrchestratorOptions({
      config: config([
        'Orchestrator.Scheduler.QueueBackoff=1m30s',
        'Orchestrator.Scheduler.HousekeepingInterval=500ms',
        'Orchestrator.Scheduler.HousekeepingTimeout=0s',
        'Orchestrator.EvaluationBroker.VisibilityTimeout=2m',
        'Orchestrator.EvaluationBroker.MaxRetryCount=3',
        'Orchestrator.NodeManager.DisconnectTimeout=1h',
        'Orchestrator.NodeManager.ManualApproval=true',
        'Orchestrator.Scheduler.WorkerCount=4',
      ]),
      transport: hub.orchestrator,
      nodeID: 'n-1',
    });
    expect(compiled).toMatchObject({
      queueBackoffMs: 90_000,
      housekeepingIntervalMs: 500,
      housekeepingTimeoutMs: 0,
      visibilityTimeoutMs: 120_000,
      maxRetryCount: 3,
      disconnectTimeoutMs: 3_600_000,
      manualApproval: true,
      workerCount: 4,
      storePath: join(dir, 'data', 'orchestrator', 'state.db'),
    });
    expect(Object.isFrozen(compiled)).toBe(true);
  });

  it('uses Bacalhau defaults, except the shorter disconnect timeout', () => {
    const compiled = compileOrchestratorOptions({
      config: config(),
      transport: hub.orchestrator,
      nodeID: 'n-1',
    });
    expect(compiled).toMatchObject({
      queueBackoffMs: 60_000,
      housekeepingIntervalMs: 30_000,
      housekeepingTimeoutMs: 120_000,
      visibilityTimeoutMs: 60_000,
      maxRetryCount: 10,
      disconnectTimeoutMs: 20_000,
      manualApproval: false,
      workerCount: 2,
    });
  });

  it('reports every bad value at once, naming its key', () => {
    const base = config();
    const bad: BacalhauConfig = {
      ...base,
      Orchestrator: {
        ...base.Orchestrator,
        Scheduler: {
          ...base.Orchestrator.Scheduler,
          WorkerCount: 0,
          QueueBackoff: '0s',
          HousekeepingInterval: '0s',
        },
        EvaluationBroker: { ...base.Orchestrator.EvaluationBroker, VisibilityTimeout: 'soon' },
        NodeManager: { ...base.Orchestrator.NodeManager, DisconnectTimeout: '-1s' },
      },
    };
    let error: unknown;
    try {
      compileOrchestratorOptions({ config: bad, transport: hub.orchestrator, nodeID: ' ' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BacalhauError);
    expect((error as BacalhauError).code).toBe(ErrorCode.ConfigurationError);
    expect((error as BacalhauError).message).toBe(
      'invalid orchestrator configuration: node ID is required; ' +
        'Orchestrator.Scheduler.WorkerCount must be an integer >= 1: 0; ' +
        'Orchestrator.Scheduler.QueueBackoff must be greater than zero: 0s; ' +
        'Orchestrator.Scheduler.HousekeepingInterval must be greater than zero: 0s; ' +
        'Orchestrator.EvaluationBroker.VisibilityTimeout: time: invalid duration "soon"; ' +
        'Orchestrator.NodeManager.DisconnectTimeout must be greater than zero: -1s',
    );
  });
});

describe('Orchestrator', () => {
  it('keeps its state under <DataDir>/orchestrator/state.db by default', async () => {
    const orchestrator = await create();
    expect(orchestrator.storePath).toBe(join(dir, 'data', 'orchestrator', 'state.db'));
    expect(existsSync(orchestrator.storePath)).toBe(true);
    expect(orchestrator.state).toBe('running');
  });

  it('exposes its own node, its config and debug info for the agent routes', async () => {
    const orchestrator = await create({ storePath: ':memory:', config: config(['Labels=zone=eu']) });
    expect(orchestrator.info).toMatchObject({
      NodeID: TestOrchestratorID,
      NodeType: 'Requester',
      SupportedProtocols: ['ncl/v1'],
    });
    // the labels every Go node has, so `node list --labels os_type=linux` finds it too
    expect(orchestrator.info.Labels).toEqual({
      zone: 'eu',
      os_type: goOS(process.platform),
      os_arch: goArch(process.arch),
      name: TestOrchestratorID,
    });
    expect((await orchestrator.nodes.get(TestOrchestratorID)).Info).toEqual(orchestrator.info);
    expect(orchestrator.config.Labels).toEqual({ zone: 'eu' });
    const debug = await Promise.all(orchestrator.debugInfoProviders.map(async (p) => p.getDebugInfo()));
    expect(debug).toMatchObject([
      { Component: 'DiscoveredNodes', Info: [{ Info: { NodeID: TestOrchestratorID } }] },
    ]);
    // in wire form, as GET /nodes answers: zero capacities and empty fields left out (Go's omitempty)
    const [own] = (debug[0]?.Info ?? []) as { Info: NodeInfo; ConnectionState: object }[];
    expect(own?.Info.ComputeNodeInfo?.MaxCapacity).toEqual({});
    expect(own?.ConnectionState).not.toHaveProperty('LastError');
  });

  it('stops every component in reverse order, idempotently, leaving no timer behind', async () => {
    const orchestrator = await create({ storePath: ':memory:' });
    const { store, dispatcher, nodeManager, scheduling, housekeeping } = orchestrator.components;
    const stopping = orchestrator.stop();
    expect(orchestrator.state).toBe('stopping');
    await Promise.all([stopping, orchestrator.stop()]);
    expect(orchestrator.state).toBe('stopped');
    expect([housekeeping.state, scheduling.state, nodeManager.state, dispatcher.state, store.state]).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'stopped',
      'closed',
    ]);
    expect(clock.pendingTimers).toBe(0);
    // The transport is the caller's.
    expect(hub.orchestrator.state).toBe('running');
    await expect(orchestrator.endpoint.submitJob({ job: { Type: 'batch' } })).rejects.toBeInstanceOf(
      BacalhauError,
    );
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const orchestrator = await create({ storePath: ':memory:', signal: controller.signal });
    controller.abort();
    await orchestrator.stop();
    expect(orchestrator.components.store.state).toBe('closed');
  });

  it('can be created again on the same transport after a stop', async () => {
    const first = await create();
    await first.stop();
    const second = await create();
    expect(await second.nodes.get(TestOrchestratorID)).toMatchObject({ Membership: 'APPROVED' });
  });

  it('fails cleanly when the store cannot be opened or a component cannot start', async () => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, '');
    await expect(create({ storePath: join(blocker, 'state.db') })).rejects.toMatchObject({
      code: ErrorCode.DatastoreFailure,
    });

    // The control plane is already served: the node manager cannot start; the dispatcher started
    // before it is stopped again, so the transport is free for the next orchestrator.
    const unserve = hub.orchestrator.serveControlPlane({
      handshake: () => ({ accepted: false }),
      heartbeat: () => undefined,
      updateNodeInfo: () => ({ accepted: false }),
      shutdownNotice: () => undefined,
    });
    await expect(create({ storePath: ':memory:' })).rejects.toBeInstanceOf(BacalhauError);
    unserve();
    expect(clock.pendingTimers).toBe(0);
    await create({ storePath: ':memory:' });
  });
});
