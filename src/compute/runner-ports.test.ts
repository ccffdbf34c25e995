/**
 * The runner's port steps (allocate → env → Running with the ports recorded → release), what it makes
 * of a Default network, and the GPUs it records, with the noop executor, an in-memory store and a
 * fake host where every port is bindable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Execution, NetworkConfig, Port } from '../models/index.js';
import { NoopExecutor } from '../executor/noop/executor.js';
import type { RunCommandRequest } from '../executor/types.js';
import { testExecution, testJob } from '../transport/testing/index.js';
import { EngineRegistry } from './engines.js';
import { messageForUpsert } from './outbox.js';
import { ExecutionPaths } from './paths.js';
import { PortAllocator } from './ports/allocator.js';
import type { ExecutionRunner } from './runner.js';
import { SqliteExecutionStore } from './store/sqlite-store.js';
import { testRunner } from './testing.js';

let dir: string;
let store: SqliteExecutionStore;
let ports: PortAllocator;
/** What the executor was asked to run, by execution ID. */
let requests: Map<string, RunCommandRequest>;
let runner: ExecutionRunner;
/** The noop executor recording into `requests`. */
let engines: EngineRegistry;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-runner-ports-'));
  store = SqliteExecutionStore.open({ path: ':memory:', outbox: messageForUpsert });
  ports = new PortAllocator({ rangeStart: 30000, rangeEnd: 30001, probe: () => Promise.resolve(true) });
  requests = new Map();
  const noop = new NoopExecutor({
    hooks: {
      jobHandler: ({ request }) => {
        requests.set(request.executionID, request);
        return Promise.resolve({});
      },
    },
  });
  engines = new EngineRegistry({ noop });
  runner = testRunner({ store, engines, paths: new ExecutionPaths(join(dir, 'executions')), ports });
});

afterEach(async () => {
  await runner.stop();
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function accepted(network: NetworkConfig, state: 'BidAccepted' | 'Running' = 'BidAccepted'): Execution {
  const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'noop' }, Network: network }] });
  const execution = testExecution({ job, desired: 'Running' });
  store.create({ ...execution, ComputeState: { StateType: 'BidAccepted', Message: '' } });
  if (state === 'Running') {
    store.update({
      executionID: execution.ID,
      newValues: { ComputeState: { StateType: state, Message: '' } },
    });
  }
  return store.get(execution.ID);
}

async function run(execution: Execution): Promise<Execution> {
  await runner.run(execution, new AbortController().signal);
  return store.get(execution.ID);
}

const portsOf = (execution: Execution): Port[] | undefined => execution.Job?.Tasks[0]?.Network?.Ports;

describe('ExecutionRunner ports', () => {
  it('gives a Host task its allocated port in env and network, records it, and releases it at the end', async () => {
    const execution = accepted({ Type: 'Host', Ports: [{ Name: 'web' }] });
    const done = await run(execution);
    expect(done.ComputeState.StateType).toBe('Completed');
    const request = requests.get(execution.ID);
    expect(request?.network.Ports).toMatchObject([{ Name: 'web', Static: 30000 }]);
    expect(request?.env).toMatchObject({ BACALHAU_HOST_PORT_web: '30000', BACALHAU_PORT_web: '30000' });
    expect(portsOf(done)).toMatchObject([{ Name: 'web', Static: 30000 }]);
    expect(ports.availableInRange).toBe(2);
  });

  it('maps a Bridge port to its target in the env', async () => {
    const execution = accepted({ Type: 'Bridge', Ports: [{ Name: 'web', Target: 80 }] });
    await run(execution);
    expect(requests.get(execution.ID)?.env).toMatchObject({
      BACALHAU_HOST_PORT_web: '30000',
      BACALHAU_PORT_web: '80',
    });
  });

  it('fails the execution with the allocator error when the range is used up, and holds nothing', async () => {
    const execution = accepted({ Type: 'Host', Ports: [{ Name: 'a' }, { Name: 'b' }, { Name: 'c' }] });
    const done = await run(execution);
    expect(done.ComputeState).toEqual({
      StateType: 'Failed',
      Message: 'no available ports in range 30000-30001',
    });
    expect(requests.size).toBe(0);
    expect(ports.availableInRange).toBe(2);
  });

  it('fails an execution whose static port a live execution holds, naming the port', async () => {
    await ports.allocate('e-live', { Type: 'Host', Ports: [{ Name: 'db', Static: 5432 }] });
    const done = await run(accepted({ Type: 'Host', Ports: [{ Name: 'db', Static: 5432 }] }));
    expect(done.ComputeState.Message).toBe('port 5432 is already in use by another execution on this node');
  });

  it('re-runs a Running execution (after a restart) on the ports recorded with it', async () => {
    const execution = accepted({ Type: 'Host', Ports: [{ Name: 'web', Static: 30001 }] }, 'Running');
    await run(execution);
    expect(requests.get(execution.ID)?.env.BACALHAU_HOST_PORT_web).toBe('30001');
  });

  it('runs tasks without port mappings as before', async () => {
    const execution = accepted({ Type: 'None' });
    const done = await run(execution);
    expect(done.ComputeState.StateType).toBe('Completed');
    expect(Object.keys(requests.get(execution.ID)?.env ?? {}).filter((k) => k.includes('PORT'))).toEqual([]);
  });
});

describe('ExecutionRunner Default network', () => {
  it('runs a Default task without a network on a node that rejects networked jobs, as Go does', async () => {
    await runner.stop();
    runner = testRunner({
      store,
      engines,
      paths: new ExecutionPaths(join(dir, 'executions')),
      ports,
      defaultNetwork: 'None',
    });
    const unset = accepted({ Type: 'Default' });
    await run(unset);
    expect(requests.get(unset.ID)?.network).toEqual({ Type: 'None' });
    // what a task asked for itself is kept
    const host = accepted({ Type: 'Host' });
    await run(host);
    expect(requests.get(host.ID)?.network).toEqual({ Type: 'Host' });
  });
});

describe('ExecutionRunner GPUs', () => {
  it('records the GPUs the queue gave an execution, for a restarted node to book the same ones', async () => {
    const execution = accepted({ Type: 'None' });
    const gpu = {
      Index: 1,
      Name: 'Tesla T4',
      Vendor: 'NVIDIA' as const,
      Memory: 15360,
      PCIAddress: '0000:01:00.0',
    };
    const given = {
      ...execution,
      AllocatedResources: { Tasks: { main: { CPU: 0.5, Memory: 0, Disk: 0, GPU: 1, GPUs: [gpu] } } },
    };
    await runner.run(given, new AbortController().signal);
    expect(store.get(execution.ID).AllocatedResources?.Tasks['main']?.GPUs).toEqual([gpu]);
    expect(requests.get(execution.ID)?.resources.GPUs).toEqual([gpu]);
  });
});
