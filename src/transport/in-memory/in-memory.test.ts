import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../models/index.js';
import { askForBid, bidResult, cancelExecution } from '../messages.js';
import type { AskForBidMessage, ComputeMessage, OrchestratorMessage } from '../messages.js';
import { testExecution, testNodeInfo } from '../testing/fixtures.js';
import { Recorder, settle } from '../testing/recorder.js';
import { runTransportContract } from '../transport.contract.js';
import type { CopyMode } from './copy.js';
import { InMemoryTransportHub } from './transport.js';

for (const copy of ['none', 'clone', 'wire'] satisfies CopyMode[]) {
  runTransportContract(`in-memory (copy: ${copy})`, async ({ onHandlerError }) => {
    const hub = await InMemoryTransportHub.create({ copy, onHandlerError });
    return {
      orchestrator: hub.orchestrator,
      createCompute: (nodeId, identity) => hub.createComputeTransport({ ...identity, nodeId }),
      partition: (nodeId) => hub.partition(nodeId),
      heal: (nodeId) => hub.heal(nodeId),
      stop: () => hub.stop(),
    };
  });
}

describe('InMemoryTransportHub', () => {
  let hub: InMemoryTransportHub;
  afterEach(() => hub.stop());

  async function pair(copy: CopyMode) {
    hub = await InMemoryTransportHub.create({ copy });
    hub.orchestrator.serveControlPlane({
      handshake: () => ({ accepted: true }),
      heartbeat: () => undefined,
      updateNodeInfo: () => ({ accepted: true }),
      shutdownNotice: () => undefined,
    });
    const compute = await hub.createComputeTransport({ nodeId: 'n-1' });
    const toCompute = new Recorder<OrchestratorMessage>();
    compute.onMessage(toCompute.push);
    const toOrchestrator = new Recorder<ComputeMessage>();
    hub.orchestrator.onMessage((_nodeId, message) => toOrchestrator.push(message));
    await compute.connect(testNodeInfo('n-1'));
    return { compute, toCompute, toOrchestrator };
  }

  it('has a lifecycle: running, then stopped for good', async () => {
    hub = await InMemoryTransportHub.create();
    expect(hub.state).toBe('running');
    expect(hub.orchestrator.state).toBe('running');
    await hub.stop();
    await hub.stop();
    expect(hub.state).toBe('stopped');
    await expect(hub.createComputeTransport({ nodeId: 'n-1' })).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
    });
  });

  it('refuses an empty node ID and node info of another node', async () => {
    hub = await InMemoryTransportHub.create();
    await expect(hub.createComputeTransport({ nodeId: '' })).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
    });
    const compute = await hub.createComputeTransport({ nodeId: 'n-1' });
    await expect(compute.connect(testNodeInfo('n-2'))).rejects.toMatchObject({ code: ErrorCode.BadRequest });
  });

  it('shares message objects without copying by default', async () => {
    const { toCompute } = await pair('none');
    const execution = testExecution();
    await hub.orchestrator.send('n-1', askForBid(execution));
    const [message] = (await toCompute.waitFor(1)) as [AskForBidMessage];
    expect(message.payload.Execution).toBe(execution);
  });

  it.each(['clone', 'wire'] satisfies CopyMode[])(
    'isolates sender and receiver with copy %s',
    async (copy) => {
      const { compute, toCompute, toOrchestrator } = await pair(copy);
      const execution = testExecution();
      const sent = askForBid(execution);
      await hub.orchestrator.send('n-1', sent);
      execution.ComputeState.StateType = 'Failed';
      const [message] = (await toCompute.waitFor(1)) as [AskForBidMessage];
      expect(message.payload.Execution).not.toBe(execution);
      expect(message.payload.Execution.ComputeState.StateType).toBe('New');
      message.payload.Execution.ID = 'mutated by the receiver';

      const result = bidResult(testExecution({ id: 'e-1' }), true);
      await compute.send(result);
      const [received] = await toOrchestrator.waitFor(1);
      expect(received!.payload).not.toBe(result.payload);
      expect(received!.payload).toEqual(result.payload);
    },
  );

  it('shows the wire form in wire mode: empty omitempty maps disappear, states survive', async () => {
    const { toCompute } = await pair('wire');
    const execution = testExecution();
    execution.Job!.Tasks[0]!.Env = {};
    execution.ComputeState = { StateType: 'AskForBidAccepted', Message: 'ok' };
    await hub.orchestrator.send('n-1', askForBid(execution));
    const [message] = (await toCompute.waitFor(1)) as [AskForBidMessage];
    expect(message.payload.Execution.Job!.Tasks[0]!.Env).toBeUndefined();
    expect(message.payload.Execution.ComputeState).toEqual({ StateType: 'AskForBidAccepted', Message: 'ok' });
  });

  it('tells the compute side of a partition at once, and refuses handshakes until healed', async () => {
    const { compute } = await pair('none');
    const states: string[] = [];
    compute.onStateChange((state, error) => states.push(`${state}:${error?.code ?? ''}`));
    hub.partition('n-1');
    expect(compute.state).toBe('disconnected');
    expect(states).toEqual([`disconnected:${ErrorCode.NetworkFailure}`]);
    await expect(compute.connect(testNodeInfo('n-1'))).rejects.toMatchObject({
      code: ErrorCode.NetworkFailure,
      retryable: true,
    });
    hub.heal('n-1');
    await expect(compute.connect(testNodeInfo('n-1'))).resolves.toMatchObject({ accepted: true });
  });

  it("simulates the orchestrator's own network going down: every node dropped, its listeners told", async () => {
    const { compute } = await pair('none');
    const network: boolean[] = [];
    hub.orchestrator.onNetworkChange((up) => network.push(up));
    hub.networkDown();
    expect([compute.state, network]).toEqual(['disconnected', [false]]);
    await expect(compute.connect(testNodeInfo('n-1'))).rejects.toMatchObject({
      code: ErrorCode.NetworkFailure,
    });
    hub.networkUp();
    expect(network).toEqual([false, true]);
    await expect(compute.connect(testNodeInfo('n-1'))).resolves.toMatchObject({ accepted: true });
  });

  it('warns of no listener leak when many nodes wait on the orchestrator at once', async () => {
    hub = await InMemoryTransportHub.create();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    hub.orchestrator.serveControlPlane({
      handshake: () => ({ accepted: true }),
      heartbeat: () => held,
      updateNodeInfo: () => ({ accepted: true }),
      shutdownNotice: () => undefined,
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const nodes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => hub.createComputeTransport({ nodeId: `n-${i}` })),
      );
      await Promise.all(nodes.map((node, i) => node.connect(testNodeInfo(`n-${i}`))));
      const capacity = { AvailableCapacity: testNodeInfo('n-0').ComputeNodeInfo.MaxCapacity };
      const beats = nodes.map((node) =>
        node.heartbeat({ ...capacity, QueueUsedCapacity: capacity.AvailableCapacity }),
      );
      await settle();
      release();
      await Promise.all(beats);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('does not spin while messages wait for a handler', async () => {
    hub = await InMemoryTransportHub.create();
    hub.orchestrator.serveControlPlane({
      handshake: () => ({ accepted: true }),
      heartbeat: () => undefined,
      updateNodeInfo: () => ({ accepted: true }),
      shutdownNotice: () => undefined,
    });
    const compute = await hub.createComputeTransport({ nodeId: 'n-1' });
    await compute.connect(testNodeInfo('n-1'));
    await hub.orchestrator.send('n-1', cancelExecution('e-1'));
    await settle();
    const immediates = process.getActiveResourcesInfo().filter((r) => r === 'Immediate').length;
    expect(immediates).toBe(0);
  });

  describe('throughput', () => {
    beforeEach(async () => {
      hub = await InMemoryTransportHub.create();
    });

    it('moves 100k messages across 1000 nodes in well under a few seconds', async () => {
      hub.orchestrator.serveControlPlane({
        handshake: () => ({ accepted: true }),
        heartbeat: () => undefined,
        updateNodeInfo: () => ({ accepted: true }),
        shutdownNotice: () => undefined,
      });
      const nodes = 1000;
      const perNode = 50;
      let replies = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      hub.orchestrator.onMessage(() => {
        if (++replies === nodes * perNode) done();
      });
      const execution = testExecution();
      for (let n = 0; n < nodes; n++) {
        const compute = await hub.createComputeTransport({ nodeId: `n-${n}` });
        compute.onMessage((message) => {
          if (message.type === 'AskForBid') void compute.send(bidResult(message.payload.Execution, true));
        });
        await compute.connect(testNodeInfo(`n-${n}`));
      }
      const started = performance.now();
      for (let i = 0; i < perNode; i++) {
        for (let n = 0; n < nodes; n++) void hub.orchestrator.send(`n-${n}`, askForBid(execution));
      }
      await finished;
      const elapsed = performance.now() - started;
      expect(replies).toBe(nodes * perNode);
      expect(elapsed).toBeLessThan(5000);
      for (let n = 0; n < nodes; n += 97) {
        expect(hub.orchestrator.sequenceState(`n-${n}`)).toMatchObject({
          pending: 0,
          lastComputeSeqNum: perNode,
        });
      }
    });
  });
});
